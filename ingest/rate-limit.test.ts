import { describe, expect, it } from 'vitest';
import { GatewayRateLimiter } from './rate-limit.js';

describe('GatewayRateLimiter', () => {
  const T = 1_000_000;

  it('lets a burst through, then refills continuously at the rate', () => {
    const limiter = new GatewayRateLimiter({ readingsPerSecond: 100, burstReadings: 500 });
    expect(limiter.take('gw', 500, T)).toEqual({ allowed: true });
    // Empty: 50 readings take 0.5 s to come back.
    expect(limiter.take('gw', 50, T)).toEqual({ allowed: false, retryAfterMs: 500 });
    expect(limiter.take('gw', 50, T + 499)).toMatchObject({ allowed: false });
    expect(limiter.take('gw', 50, T + 500)).toEqual({ allowed: true });
    // Never above the burst, however long the gateway was quiet.
    expect(limiter.take('gw', 501, T + 3_600_000)).toEqual({ allowed: true }); // costs a full bucket: see below
    expect(limiter.take('gw', 1, T + 3_600_000)).toMatchObject({ allowed: false, retryAfterMs: 10 });
  });

  it('keeps one bucket per gateway', () => {
    const limiter = new GatewayRateLimiter({ readingsPerSecond: 10, burstReadings: 10 });
    expect(limiter.take('a', 10, T).allowed).toBe(true);
    expect(limiter.take('a', 1, T).allowed).toBe(false);
    expect(limiter.take('b', 10, T).allowed).toBe(true);
  });

  it('charges a batch larger than the burst a full bucket, so it can pass at all', () => {
    const limiter = new GatewayRateLimiter({ readingsPerSecond: 10, burstReadings: 100 });
    expect(limiter.take('gw', 1000, T)).toEqual({ allowed: true });
    expect(limiter.take('gw', 1000, T)).toEqual({ allowed: false, retryAfterMs: 10_000 });
  });

  it('takes nothing when it refuses, and a clock stepping back neither refills nor drains', () => {
    const limiter = new GatewayRateLimiter({ readingsPerSecond: 10, burstReadings: 20 });
    expect(limiter.take('gw', 15, T).allowed).toBe(true);
    expect(limiter.take('gw', 10, T).allowed).toBe(false);
    expect(limiter.take('gw', 5, T - 60_000).allowed).toBe(true);
    expect(limiter.take('gw', 1, T).allowed).toBe(false);
  });

  it('bounds the number of buckets, forgetting the least recently used (which only refills it)', () => {
    const limiter = new GatewayRateLimiter({ readingsPerSecond: 1, burstReadings: 5 }, 3);
    for (const id of ['a', 'b', 'c']) expect(limiter.take(id, 5, T).allowed).toBe(true);
    expect(limiter.take('a', 1, T).allowed).toBe(false); // a is now the most recent
    expect(limiter.take('d', 5, T).allowed).toBe(true); // evicts b
    expect(limiter.size).toBe(3);
    expect(limiter.take('b', 5, T).allowed).toBe(true); // forgotten: a full bucket again
    expect(limiter.take('a', 1, T).allowed).toBe(false); // a was kept (evicted: c)
  });
});
