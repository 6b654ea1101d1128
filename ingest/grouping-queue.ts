/**
 * The queue behind group commit: items of one key (a gateway) that arrive while the key's
 * previous group is being processed are handed over together as the next group. Groups of a
 * key run one at a time in arrival order on a KeyedSerialQueue shared with the key's other
 * tasks (enrollment, quarantine admission), so they never interleave with those either.
 *
 * A group forms on its own under load: while a commit waits for its fsync, the next batches
 * queue up. Before taking a group the queue lets the event loop run once (setImmediate), so
 * that envelopes already received (their I/O callbacks are pending) join it; a lone batch
 * waits for nothing else.
 */
import type { KeyedSerialQueue } from './keyed-queue.js';

/** The result for one item: a value or the error that item failed with. */
export type Settled<R> = { value: R } | { error: unknown };

/** Runs `fn` and captures its value or error as a {@link Settled}. */
export async function settle<R>(fn: () => Promise<R>): Promise<Settled<R>> {
  try {
    return { value: await fn() };
  } catch (error) {
    return { error };
  }
}

/**
 * Processes one group of a key, items in arrival order. Returns one result per item; throwing
 * fails every item of the group with that error.
 */
export type GroupProcessor<T, R> = (key: string, items: T[]) => Promise<Array<Settled<R>>>;

interface Waiting<T, R> {
  item: T;
  resolve(value: R): void;
  reject(error: unknown): void;
}

export class GroupingQueue<T, R> {
  private readonly waiting = new Map<string, Array<Waiting<T, R>>>();
  /** Keys whose drain is running. */
  private readonly draining = new Set<string>();

  constructor(
    private readonly queue: KeyedSerialQueue,
    private readonly maxGroup: number,
    private readonly process: GroupProcessor<T, R>,
  ) {}

  /** Whether an item pushed for `key` now would wait behind others of the key. */
  isBusy(key: string): boolean {
    return this.waiting.has(key) || this.draining.has(key);
  }

  /** Resolves with the item's result once the group holding it has been processed. */
  push(key: string, item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const queued = this.waiting.get(key);
      if (queued) {
        queued.push({ item, resolve, reject });
        return;
      }
      this.waiting.set(key, [{ item, resolve, reject }]);
      void this.queue.run(key, () => this.drain(key));
    });
  }

  /** Runs in the key's queue: everything queued for the key so far, maxGroup items at a time. */
  private async drain(key: string): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    const queued = this.waiting.get(key) ?? [];
    // Items pushed from now on start the next drain, queued behind this one.
    this.waiting.delete(key);
    this.draining.add(key);
    try {
      await this.processGroups(key, queued);
    } finally {
      this.draining.delete(key);
    }
  }

  private async processGroups(key: string, queued: Array<Waiting<T, R>>): Promise<void> {
    for (let start = 0; start < queued.length; start += this.maxGroup) {
      const group = queued.slice(start, start + this.maxGroup);
      try {
        const results = await this.process(key, group.map((w) => w.item));
        group.forEach((w, i) => {
          const result = results[i];
          if (result === undefined) w.reject(new Error('the group processor returned no result for an item'));
          else if ('error' in result) w.reject(result.error);
          else w.resolve(result.value);
        });
      } catch (err) {
        for (const w of group) w.reject(err);
      }
    }
  }
}
