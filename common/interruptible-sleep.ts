/**
 * A wait that can be cut short: the polling and back-off loops (the Modbus poller, consumer
 * runners, leader elections) sleep on it, and stop() or new work wakes them at once instead of
 * after the rest of the interval.
 */
export class InterruptibleSleep {
  private wakeCurrent: (() => void) | undefined;
  private latched = false;

  /** Resolves after `ms`, or earlier on wake(); at once for ms ≤ 0 or after a poke() no sleep took yet. */
  sleep(ms: number): Promise<void> {
    if (this.latched) {
      this.latched = false;
      return Promise.resolve();
    }
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

  /**
   * New work arrived: ends the current sleep, or when none is under way the next one, so work
   * that arrives while the loop is busy is not left waiting a whole interval.
   */
  poke(): void {
    if (this.wakeCurrent) this.wakeCurrent();
    else this.latched = true;
  }
}
