/**
 * Per-gateway rate limit over readings (config limits.gatewayRate): one token bucket per
 * gateway id, refilled continuously at `readingsPerSecond` up to `burstReadings`. A batch costs
 * its reading count. The buckets live in this process only, so the limit is per ingest
 * instance. Checked before any verification work (the gateway id is not authenticated yet):
 * what it protects is the CPU and the store, not a gateway's share against an impostor. The
 * API uses the same buckets per principal and per client address (auth.rateLimit).
 */

export interface GatewayRateConfig {
  readingsPerSecond: number;
  burstReadings: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date, UTC ms. */
  at: number;
}

/** Default bound of the bucket map. Forgetting a bucket only refills it: the limit gets laxer, never stricter. */
export const MAX_BUCKETS = 50_000;

export class GatewayRateLimiter {
  /** Map order is recency of use (re-inserted on every take), so the first entry is the one evicted. */
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly config: GatewayRateConfig,
    private readonly maxBuckets = MAX_BUCKETS,
  ) {}

  /**
   * Takes `readings` tokens from the gateway's bucket if it holds them. A batch larger than the
   * burst costs a full bucket (otherwise it could never pass). When refused, nothing is taken
   * and retryAfterMs says when the bucket will hold enough.
   */
  take(gateway: string, readings: number, now: number): RateDecision {
    const { readingsPerSecond: rate, burstReadings: burst } = this.config;
    const cost = Math.min(readings, burst);
    const bucket = this.refilled(gateway, now);
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return { allowed: true };
    }
    return { allowed: false, retryAfterMs: Math.ceil(((cost - bucket.tokens) / rate) * 1000) };
  }

  /** Whether `take(key, 1, now)` would pass, without taking (the API's refused-credentials limit checks before it knows the outcome). */
  peek(key: string, now: number): RateDecision {
    const bucket = this.refilled(key, now);
    return bucket.tokens >= 1 ? { allowed: true } : { allowed: false, retryAfterMs: Math.ceil(((1 - bucket.tokens) / this.config.readingsPerSecond) * 1000) };
  }

  /** How many gateways have a bucket (for tests of the bound). */
  get size(): number {
    return this.buckets.size;
  }

  private refilled(gateway: string, now: number): Bucket {
    const { readingsPerSecond: rate, burstReadings: burst } = this.config;
    let bucket = this.buckets.get(gateway);
    if (bucket) {
      this.buckets.delete(gateway);
      // A clock that steps back refills nothing rather than draining the bucket.
      bucket.tokens = Math.min(burst, bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * rate);
      bucket.at = Math.max(bucket.at, now);
    } else {
      bucket = { tokens: burst, at: now };
      if (this.buckets.size >= this.maxBuckets) this.buckets.delete(this.buckets.keys().next().value!);
    }
    this.buckets.set(gateway, bucket);
    return bucket;
  }
}
