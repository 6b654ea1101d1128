/**
 * Runs the operator's alarm command (a siren, an SMS modem script): argv without a shell, the
 * event on stdin, bounded in time, one run at a time. A hook can fail or hang; neither may
 * stop alarms from being evaluated and published, so the queue is bounded too.
 */
import { spawn } from 'node:child_process';

export type HookFailureReason = 'spawn' | 'exit' | 'timeout' | 'dropped';

export type RunOutcome = { ok: true } | { ok: false; reason: Exclude<HookFailureReason, 'dropped'>; detail: string };

export interface RunInput {
  /** Written to the command's stdin, which is then closed. */
  stdin: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
}

/** Keep this much of the command's stderr to explain a failure in the log. */
const STDERR_TAIL_BYTES = 1024;
/** After a failed run exits, wait at most this long for the rest of its stderr. */
const STDERR_GRACE_MS = 200;

/** Runs `argv` once; never rejects. */
export function runCommand(argv: readonly string[], input: RunInput): Promise<RunOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    let timedOut = false;
    let stderr = '';
    const settle = (outcome: RunOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.stderr?.destroy(); // a grandchild may hold the pipe open; we are done reading it
      resolve(outcome);
    };
    // detached: the command leads its own process group, so a timeout kills what it started
    // too (a script's curl), not just the script.
    const child = spawn(argv[0]!, argv.slice(1), { env: input.env, stdio: ['pipe', 'ignore', 'pipe'], detached: true });
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, () => child.kill('SIGKILL'));
    }, input.timeoutMs);
    child.on('error', (err) => settle({ ok: false, reason: 'spawn', detail: err.message }));
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
    child.on('exit', (code, signal) => {
      if (timedOut) return settle({ ok: false, reason: 'timeout', detail: `killed after ${input.timeoutMs} ms` });
      if (code === 0) return settle({ ok: true });
      const status = signal ? `killed by ${signal}` : `exit code ${code}`;
      const fail = (): void => settle({ ok: false, reason: 'exit', detail: stderr.trim() ? `${status}: ${stderr.trim()}` : status });
      // stderr can still hold the last lines when 'exit' fires. Wait briefly for it, but not for
      // 'close': a background grandchild holding the pipe open must not stall the queue.
      const pipe = child.stderr;
      if (!pipe || pipe.closed) return fail();
      const grace = setTimeout(fail, STDERR_GRACE_MS);
      pipe.once('close', () => {
        clearTimeout(grace);
        fail();
      });
    });
    // A command that exits without reading stdin closes the pipe (EPIPE): its exit status is what counts.
    child.stdin?.on('error', () => {});
    child.stdin?.end(input.stdin);
  });
}

function killGroup(pid: number | undefined, fallback: () => void): void {
  try {
    if (pid === undefined) throw new Error('no pid');
    process.kill(-pid, 'SIGKILL');
  } catch {
    fallback();
  }
}

export interface HookJob {
  /** For logs: what this run is about. */
  label: Record<string, unknown>;
  input: RunInput;
}

export interface HookQueueOptions {
  command: readonly string[];
  /** Jobs waiting (not counting the one running); when full, the oldest waiting is dropped. */
  maxWaiting: number;
  onFailure(reason: HookFailureReason, job: HookJob, detail: string): void;
}

/** Runs hook jobs one after another in arrival order. */
export class HookQueue {
  private readonly waiting: HookJob[] = [];
  private running?: Promise<void>;

  constructor(private readonly options: HookQueueOptions) {}

  /** Queues a run and returns at once. */
  push(job: HookJob): void {
    if (this.waiting.length >= this.options.maxWaiting) {
      // The newest event describes the current state, so the oldest waiting one gives way.
      const dropped = this.waiting.shift()!;
      this.report('dropped', dropped, `${this.options.maxWaiting} runs were already waiting for a slow hook`);
    }
    this.waiting.push(job);
    this.running ??= this.drain();
  }

  /** Resolves when nothing is running or waiting. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    for (let job = this.waiting.shift(); job; job = this.waiting.shift()) {
      const outcome = await runCommand(this.options.command, job.input);
      if (!outcome.ok) this.report(outcome.reason, job, outcome.detail);
    }
    this.running = undefined;
  }

  private report(reason: HookFailureReason, job: HookJob, detail: string): void {
    try {
      this.options.onFailure(reason, job, detail);
    } catch {
      // Reporting must not stop the queue.
    }
  }
}
