/**
 * Leader election for singleton jobs (DESIGN.md "Embedded defaults and scale-out"): work that
 * must run on one ingest instance at a time, such as an after-commit consumer following its
 * cursor, the integrity monitor or retention. Each job has its own elector, so the jobs of a
 * deployment spread over its instances.
 *
 * An elector is a guarantee of "at most one leader most of the time", not a fence: when a
 * leader loses its database session, another instance may take over a moment before the old
 * one notices (at its next check). Singleton jobs are therefore idempotent (consumers are
 * at-least-once by contract, ingest/consumers/consumer.ts), and an overlap costs repeated work,
 * never wrong data.
 */

export interface LeaderElector {
  /** What the election is for (the job name); used in logs and metrics. */
  readonly name: string;
  readonly isLeader: boolean;
  /**
   * Starts campaigning. `onChange(true)` is called when this instance becomes the leader and
   * `onChange(false)` when it stops being one; the elector waits for the returned promise
   * before campaigning again, so a job is stopped before leadership can come back. Call once.
   */
  start(onChange: (leader: boolean) => Promise<void> | void): void;
  /** Steps down (calling onChange(false) if leading) and stops campaigning. Safe to call twice. */
  stop(): Promise<void>;
}

/** The single-process case (SQLite store): this instance is always the leader. */
export class SoleLeader implements LeaderElector {
  private leading = false;
  private onChange?: (leader: boolean) => Promise<void> | void;

  constructor(readonly name: string) {}

  get isLeader(): boolean {
    return this.leading;
  }

  start(onChange: (leader: boolean) => Promise<void> | void): void {
    this.onChange = onChange;
    this.leading = true;
    Promise.resolve()
      .then(() => onChange(true))
      .catch((err: unknown) => process.emitWarning(`singleton job ${this.name} failed to start: ${err instanceof Error ? err.message : String(err)}`));
  }

  async stop(): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    await this.onChange?.(false);
  }
}
