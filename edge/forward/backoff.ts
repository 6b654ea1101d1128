/**
 * Retry delays for reconnects and for batches the ingest asked to retry: exponential backoff
 * with jitter, so that a fleet of gateways that lost the ingest together does not come back
 * in lockstep and knock it over again.
 *
 * The two strategies are those of Marc Brooker, "Exponential Backoff And Jitter", AWS
 * Architecture Blog, 4 March 2015
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/):
 *  - full jitter:         sleep = random_between(0, min(cap, base × 2^attempt))
 *  - decorrelated jitter: sleep = min(cap, random_between(base, previous sleep × 3))
 * The post measured both against no jitter and "equal jitter": full jitter does the least
 * total work, decorrelated jitter finishes a little sooner; both beat plain exponential.
 */

export type JitterStrategy = 'full' | 'decorrelated';

export interface BackoffSettings {
  /** `base` of the formulas (ms): the bound of the first delay. */
  initialMs: number;
  /** `cap` of the formulas (ms): no delay exceeds it. */
  maxMs: number;
  /** Default 'full'. */
  jitter?: JitterStrategy;
}

export const DEFAULT_BACKOFF: Required<BackoffSettings> = { initialMs: 1000, maxMs: 30_000, jitter: 'full' };

/** A uniform random number in [0, 1), like Math.random; injectable so tests are deterministic. */
export type RandomSource = () => number;

/**
 * The delays of one sequence of consecutive failures. Call next() after each failure and
 * reset() after a success. Not shared between unrelated sequences (one per connection, one
 * per retry queue), or one's failures would lengthen the other's waits.
 */
export class Backoff {
  private readonly jitter: JitterStrategy;
  private attempt = 0;
  private previous: number;

  constructor(
    private readonly settings: BackoffSettings,
    private readonly random: RandomSource = Math.random,
  ) {
    if (!(settings.initialMs > 0) || !(settings.maxMs >= settings.initialMs)) {
      throw new RangeError(`backoff needs 0 < initialMs <= maxMs (got ${settings.initialMs}, ${settings.maxMs})`);
    }
    this.jitter = settings.jitter ?? DEFAULT_BACKOFF.jitter;
    this.previous = settings.initialMs;
  }

  /** Failures since the last reset(). */
  get attempts(): number {
    return this.attempt;
  }

  /** The delay (ms, integer) to wait before the next try. */
  next(): number {
    const { initialMs, maxMs } = this.settings;
    let delay: number;
    if (this.jitter === 'full') {
      // 2^attempt stops mattering once it passes the cap; clamping the exponent keeps it finite.
      const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(this.attempt, 52));
      delay = this.random() * ceiling;
    } else {
      const upper = Math.max(initialMs, this.previous * 3);
      delay = Math.min(maxMs, initialMs + this.random() * (upper - initialMs));
      this.previous = delay;
    }
    this.attempt++;
    return Math.floor(delay);
  }

  reset(): void {
    this.attempt = 0;
    this.previous = this.settings.initialMs;
  }
}
