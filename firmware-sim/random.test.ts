import { describe, expect, it } from 'vitest';
import { createRng, hashSeed, normalAt, seedFromString, uniformAt } from './random.js';

describe('createRng', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const seqA = Array.from({ length: 5 }, () => a.uniform());
    expect(Array.from({ length: 5 }, () => b.uniform())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.uniform())).not.toEqual(seqA);
  });

  it('draws uniforms in [0, 1) with mean ~0.5 and normals with mean ~0, sd ~1', () => {
    const rng = createRng(7);
    const u = Array.from({ length: 20_000 }, () => rng.uniform());
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(mean(u)).toBeCloseTo(0.5, 1);
    const n = Array.from({ length: 20_000 }, () => rng.normal(10, 2));
    expect(mean(n)).toBeCloseTo(10, 1);
    expect(Math.sqrt(mean(n.map((x) => (x - 10) ** 2)))).toBeCloseTo(2, 1);
  });

  it('keeps between() inside its bounds', () => {
    const rng = createRng(1);
    for (let i = 0; i < 1000; i++) {
      const x = rng.between(-3, 5);
      expect(x).toBeGreaterThanOrEqual(-3);
      expect(x).toBeLessThan(5);
    }
  });
});

describe('keyed draws', () => {
  it('depend only on their keys, not on call order', () => {
    const first = [uniformAt(1, 2, 3), normalAt(9, 8)];
    uniformAt(5);
    normalAt(5, 5);
    expect([uniformAt(1, 2, 3), normalAt(9, 8)]).toEqual(first);
  });

  it('spread neighbouring keys (consecutive seconds give unrelated noise)', () => {
    const draws = Array.from({ length: 2000 }, (_, i) => uniformAt(3, i));
    expect(mean(draws)).toBeCloseTo(0.5, 1);
    // Lag-1 correlation of a good hash is near zero.
    const m = mean(draws);
    const cov = mean(draws.slice(1).map((x, i) => (x - m) * (draws[i]! - m)));
    expect(Math.abs(cov / mean(draws.map((x) => (x - m) ** 2)))).toBeLessThan(0.1);
  });

  it('mixes keys beyond 32 bits and strings', () => {
    expect(hashSeed(2 ** 33)).not.toBe(hashSeed(0));
    expect(seedFromString('room-a')).not.toBe(seedFromString('room-b'));
    expect(seedFromString('room-a', 1)).not.toBe(seedFromString('room-a', 2));
    expect(seedFromString('room-a', 1)).toBe(seedFromString('room-a', 1));
  });
});

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
