import { describe, expect, it } from 'vitest';
import { createRng } from '../../firmware-sim/random.js';
import { Backoff } from './backoff.js';

/** A seeded uniform source (mulberry32, shared with the simulator), so runs are repeatable. */
const seeded = (seed: number): (() => number) => createRng(seed).uniform;

describe('Backoff, full jitter', () => {
  it('bounds the n-th delay by min(cap, base × 2^n), from 0', () => {
    const almostOne = new Backoff({ initialMs: 100, maxMs: 1000 }, () => 0.999_999);
    expect(Array.from({ length: 6 }, () => almostOne.next())).toEqual([99, 199, 399, 799, 999, 999]);
    const zero = new Backoff({ initialMs: 100, maxMs: 1000 }, () => 0);
    expect(Array.from({ length: 3 }, () => zero.next())).toEqual([0, 0, 0]);
  });

  it('starts over after reset()', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 10_000 }, () => 0.5);
    backoff.next();
    backoff.next();
    expect(backoff.attempts).toBe(2);
    backoff.reset();
    expect(backoff.next()).toBe(50);
  });

  it('stays finite after very many failures', () => {
    const backoff = new Backoff({ initialMs: 1, maxMs: 5000 }, () => 0.5);
    for (let i = 0; i < 2000; i++) backoff.next();
    expect(backoff.next()).toBe(2500);
  });

  it('spreads delays uniformly over [0, cap) once the cap is reached', () => {
    const backoff = new Backoff({ initialMs: 10, maxMs: 1000 }, seeded(42));
    for (let i = 0; i < 10; i++) backoff.next(); // 10 × 2^7 > 1000: capped from here on
    const samples = Array.from({ length: 4000 }, () => backoff.next());
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...samples)).toBeLessThan(1000);
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    expect(mean).toBeGreaterThan(480);
    expect(mean).toBeLessThan(520);
    // Each tenth of the range holds about a tenth of the samples: no clustering (no lockstep).
    const deciles = new Array<number>(10).fill(0);
    for (const s of samples) deciles[Math.floor(s / 100)]!++;
    for (const count of deciles) {
      expect(count).toBeGreaterThan(330);
      expect(count).toBeLessThan(470);
    }
  });

  it('refuses settings that cannot work', () => {
    expect(() => new Backoff({ initialMs: 0, maxMs: 10 })).toThrow(RangeError);
    expect(() => new Backoff({ initialMs: 100, maxMs: 10 })).toThrow(RangeError);
  });
});

describe('Backoff, decorrelated jitter', () => {
  it('keeps each delay within [base, min(cap, 3 × previous)]', () => {
    const backoff = new Backoff({ initialMs: 50, maxMs: 2000, jitter: 'decorrelated' }, seeded(7));
    let previous = 50;
    for (let i = 0; i < 500; i++) {
      const delay = backoff.next();
      expect(delay).toBeGreaterThanOrEqual(50);
      expect(delay).toBeLessThanOrEqual(Math.min(2000, previous * 3));
      previous = Math.max(delay, 1);
    }
  });

  it('grows towards the cap when unlucky draws are high, and resets to the base', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 'decorrelated' }, () => 0.999_999);
    expect(Array.from({ length: 4 }, () => backoff.next())).toEqual([299, 899, 1000, 1000]);
    backoff.reset();
    expect(backoff.next()).toBe(299);
  });

  it('is not stuck at the base: its draws spread between base and three times the previous', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 100_000, jitter: 'decorrelated' }, seeded(3));
    const first = Array.from({ length: 2000 }, () => {
      backoff.reset();
      return backoff.next();
    });
    const mean = first.reduce((a, b) => a + b, 0) / first.length;
    expect(mean).toBeGreaterThan(190); // uniform on [100, 300): mean 200
    expect(mean).toBeLessThan(210);
  });
});
