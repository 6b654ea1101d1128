/**
 * Drives one after-commit consumer (consumer.ts): reads the committed batches after its cursor,
 * hands them over, and stores the new cursor only after the consumer succeeded, so a crash or
 * an outage of the destination loses nothing (at least once; consumers are idempotent). On a
 * failure it retries the same batches with exponential backoff; when caught up it polls.
 */
import { InterruptibleSleep } from '../../common/interruptible-sleep.js';
import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import type { Store } from '../store/types.js';
import type { BatchConsumer } from './consumer.js';
import type { ConsumerMetrics } from './metrics.js';

export interface ConsumerRunnerOptions {
  store: Store;
  consumer: BatchConsumer;
  metrics?: ConsumerMetrics;
  logger?: Logger;
  /** Most batches handed over per call. Default 100. */
  batchesPerRound?: number;
  /** Wait between polls once caught up, ms. Default 1000. */
  pollIntervalMs?: number;
  /** First retry delay after a failure, ms; doubles up to maxBackoffMs. Default 500. */
  initialBackoffMs?: number;
  /** Default 30000. */
  maxBackoffMs?: number;
}

export class ConsumerRunner {
  private stopping = false;
  private loop: Promise<void> | undefined;
  /** The wait between polls, cut short by a commit. */
  private readonly pause = new InterruptibleSleep();
  /** The wait after a failure: only stop() cuts it short, so a stream of commits does not hammer a failing sink. */
  private readonly backoffPause = new InterruptibleSleep();
  private readonly batchesPerRound: number;
  private readonly pollIntervalMs: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;

  constructor(private readonly options: ConsumerRunnerOptions) {
    this.batchesPerRound = options.batchesPerRound ?? 100;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.initialBackoffMs = options.initialBackoffMs ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
  }

  get name(): string {
    return this.options.consumer.name;
  }

  /** Starts the background loop; call once. */
  start(): void {
    this.loop ??= this.run();
  }

  /** New batches were committed: the next round starts at once (after the one under way, if any). */
  poke(): void {
    this.pause.poke();
  }

  /**
   * Hands over the batches after the cursor, up to batchesPerRound, then stores the cursor.
   * Returns how many batches were handled; throws (cursor unchanged) if the consumer failed.
   */
  async runOnce(): Promise<number> {
    const { store, consumer } = this.options;
    const cursor = await store.getConsumerCursor(consumer.name);
    const batches = await store.committedBatchesAfter(cursor, this.batchesPerRound);
    if (batches.length === 0) {
      await this.updateLag(cursor);
      return 0;
    }
    await consumer.consume(batches);
    const last = batches[batches.length - 1]!.position;
    let position = last;
    if (!(await store.advanceConsumerCursor(consumer.name, cursor, last))) {
      // Rewound (or moved by a former leader) while this round ran: the next round starts from
      // the stored cursor, so a replay is never overwritten. Consumers are idempotent.
      position = await store.getConsumerCursor(consumer.name);
      this.options.logger?.info({ consumer: consumer.name, from: cursor, to: last, stored: position }, 'cursor moved during the round; continuing from the stored position');
    }
    this.options.metrics?.delivered.inc({ consumer: consumer.name }, batches.length);
    await this.updateLag(position);
    return batches.length;
  }

  /** Stops after the round in flight; the consumer is closed after it. Safe to call twice. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.pause.wake();
    this.backoffPause.wake();
    await this.loop;
    this.loop = Promise.resolve();
    await this.closeConsumer();
  }

  private closed: Promise<void> | undefined;
  private closeConsumer(): Promise<void> {
    this.closed ??= this.options.consumer.close();
    return this.closed;
  }

  private async run(): Promise<void> {
    let backoff = this.initialBackoffMs;
    while (!this.stopping) {
      let handled: number;
      try {
        handled = await this.runOnce();
        backoff = this.initialBackoffMs;
      } catch (err) {
        this.options.metrics?.errors.inc({ consumer: this.name });
        this.options.logger?.warn({ consumer: this.name, err: errorMessage(err), retryInMs: backoff }, 'after-commit consumer failed; retrying the same batches');
        if (!this.stopping) await this.backoffPause.sleep(backoff);
        backoff = Math.min(backoff * 2, this.maxBackoffMs);
        continue;
      }
      // A full round means more may be waiting: go on at once.
      if (handled < this.batchesPerRound) await this.sleep(this.pollIntervalMs);
    }
  }

  private async updateLag(position: number): Promise<void> {
    const metrics = this.options.metrics;
    if (!metrics) return;
    const backlog = await this.options.store.backlogAfter(position);
    metrics.lagBatches.set({ consumer: this.name }, backlog.batches);
    metrics.lagReadings.set({ consumer: this.name }, backlog.readings);
  }

  private sleep(ms: number): Promise<void> {
    return this.stopping ? Promise.resolve() : this.pause.sleep(ms);
  }
}
