import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../common/log.js';
import { waitFor } from '../../test/support/wait.js';
import type { LeaderElector } from './elector.js';
import { periodicJob, SingletonJobs, type SingletonJob } from './singleton-jobs.js';

const logger = createLogger({ level: 'silent' });

/** An elector a test switches by hand. */
class ManualElector implements LeaderElector {
  isLeader = false;
  private onChange: (leader: boolean) => Promise<void> | void = () => undefined;
  constructor(readonly name: string) {}
  start(onChange: (leader: boolean) => Promise<void> | void): void {
    this.onChange = onChange;
  }
  async set(leader: boolean): Promise<void> {
    this.isLeader = leader;
    await this.onChange(leader);
  }
  async stop(): Promise<void> {
    if (this.isLeader) await this.set(false);
  }
}

describe('SingletonJobs', () => {
  it('starts a fresh job on each gained leadership and stops it, work finished, on loss', async () => {
    const events: string[] = [];
    let generation = 0;
    const job: SingletonJob = {
      name: 'j',
      start() {
        const g = ++generation;
        events.push(`start ${g}`);
        return {
          async stop() {
            await new Promise((r) => setTimeout(r, 20));
            events.push(`stopped ${g}`);
          },
        };
      },
    };
    const elector = new ManualElector('j');
    const registry = new Registry();
    const jobs = new SingletonJobs({ jobs: [job], electorFor: () => elector, logger, registry });
    jobs.start();
    expect(events).toEqual([]);
    await elector.set(true);
    expect(jobs.leading()).toEqual(['j']);
    expect((await registry.getSingleMetricAsString('freshtrail_ingest_job_leader'))).toContain('freshtrail_ingest_job_leader{job="j"} 1');
    await elector.set(false);
    await elector.set(true);
    await jobs.stop();
    expect(events).toEqual(['start 1', 'stopped 1', 'start 2', 'stopped 2']);
    expect(jobs.leading()).toEqual([]);
  });

  it('a periodic job runs at start and every interval, one run at a time, and survives a failed run', async () => {
    let runs = 0;
    let concurrent = 0;
    let maxConcurrent = 0;
    const job = periodicJob('p', 10, async () => {
      runs++;
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      await new Promise((r) => setTimeout(r, 15));
      concurrent--;
      if (runs === 2) throw new Error('boom');
    }, logger);
    const running = job.start();
    await waitFor(() => runs >= 4, 'four runs');
    await running.stop();
    const after = runs;
    await new Promise((r) => setTimeout(r, 50));
    expect(runs).toBe(after);
    expect(maxConcurrent).toBe(1);
  });
});
