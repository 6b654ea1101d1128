/**
 * Runs each singleton job (after-commit consumers, periodic maintenance) only while this
 * instance leads it (elector.ts). A job is created fresh each time leadership is gained and
 * stopped — its work in flight finished — before leadership can be gained again.
 */
import { Gauge, type Registry } from 'prom-client';
import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import type { LeaderElector } from './elector.js';

export interface RunningJob {
  /** Finishes the work in flight and stops. */
  stop(): Promise<void>;
}

export interface SingletonJob {
  /** Stable name: the election key and the metrics label. */
  readonly name: string;
  start(): RunningJob;
}

export interface SingletonJobsOptions {
  jobs: readonly SingletonJob[];
  electorFor(name: string): LeaderElector;
  logger: Logger;
  registry: Registry;
}

export class SingletonJobs {
  private readonly electors: LeaderElector[] = [];
  private readonly leaderGauge: Gauge<'job'>;

  constructor(private readonly options: SingletonJobsOptions) {
    this.leaderGauge = new Gauge({ name: 'freshtrail_ingest_job_leader', help: '1 while this instance leads the singleton job, else 0', labelNames: ['job'] as const, registers: [options.registry] });
  }

  /** Starts campaigning for every job. Call once. */
  start(): void {
    for (const job of this.options.jobs) {
      const elector = this.options.electorFor(job.name);
      this.electors.push(elector);
      this.leaderGauge.set({ job: job.name }, 0);
      let running: RunningJob | undefined;
      elector.start(async (leader) => {
        this.leaderGauge.set({ job: job.name }, leader ? 1 : 0);
        if (leader) {
          running = job.start();
        } else {
          const stopping = running;
          running = undefined;
          await stopping?.stop().catch((err: unknown) => this.options.logger.warn({ job: job.name, err: errorMessage(err) }, 'singleton job did not stop cleanly'));
        }
      });
    }
  }

  /** The jobs this instance leads now. */
  leading(): string[] {
    return this.electors.filter((e) => e.isLeader).map((e) => e.name);
  }

  /** Stops every job this instance leads and leaves every election. */
  async stop(): Promise<void> {
    await Promise.all(this.electors.map((e) => e.stop()));
  }
}

/**
 * A job that calls `runOnce(now)` at start and then every `intervalMs` while it leads, never
 * two runs at once; a failed run is logged and retried at the next interval.
 */
export function periodicJob(name: string, intervalMs: number, runOnce: (now: number) => Promise<unknown>, logger: Logger): SingletonJob {
  return {
    name,
    start(): RunningJob {
      let stopped = false;
      let timer: NodeJS.Timeout | undefined;
      let inFlight: Promise<void> = Promise.resolve();
      const tick = (): void => {
        inFlight = runOnce(Date.now())
          .then((summary) => logger.debug({ job: name, summary }, 'periodic job ran'))
          .catch((err: unknown) => logger.warn({ job: name, err: errorMessage(err) }, 'periodic job failed; retrying at the next interval'))
          .finally(() => {
            if (!stopped) timer = setTimeout(tick, intervalMs);
          });
      };
      tick();
      return {
        async stop() {
          stopped = true;
          clearTimeout(timer);
          await inFlight;
        },
      };
    },
  };
}
