/**
 * Runs tasks one at a time per key (a gateway id), in submission order, while tasks of
 * different keys run concurrently. The ingest needs this because verifying a batch reads the
 * gateway's chain and then writes to it: two batches of one gateway checked at once, one over
 * MQTT and one over HTTP, could both see the same "previous" batch.
 */
export class KeyedSerialQueue {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly running = new Set<Promise<void>>();

  /** Queues `task` behind the earlier tasks of `key`; a failed task does not stop later ones. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    this.running.add(tail);
    void tail.then(() => {
      this.running.delete(tail);
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Tasks queued or running. */
  get size(): number {
    return this.running.size;
  }

  /** Resolves when every task queued so far, and any queued while waiting, has settled. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}
