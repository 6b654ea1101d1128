/**
 * A wait that can be cut short: the polling and back-off loops (the Modbus poller, consumer
 * runners, leader elections) sleep on it, and stop() or new work wakes them at once instead of
 * after the rest of the interval.
 */
export class InterruptibleSleep {
  private wakeCurrent: (() => void) | undefined;

  /** Resolves after `ms`, or earlier on wake(); at once for ms ≤ 0. */
  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wakeCurrent === done) this.wakeCurrent = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeCurrent = done;
    });
  }

  /** Ends the current sleep, if any. */
  wake(): void {
    this.wakeCurrent?.();
  }
}
