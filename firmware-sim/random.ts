/**
 * Seeded randomness for the simulator. Two shapes: a sequential PRNG (`Rng`) and stateless
 * draws keyed by integers (`uniformAt`, `normalAt`), so a scenario can be a pure function of
 * (seed, time) whatever order it is called in.
 */

/**
 * mulberry32 (Tommy Ettinger, public domain): 32-bit state, period 2^32, passes gjrand/PractRand
 * to several GB, which is far more than a sensor simulation draws.
 */
function mulberry32Step(state: number): { state: number; value: number } {
  const next = (state + 0x6d2b79f5) | 0;
  let t = next;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return { state: next, value: ((t ^ (t >>> 14)) >>> 0) / 4294967296 };
}

export interface Rng {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Uniform in [min, max). */
  between(min: number, max: number): number;
  /** Normal with the given mean and standard deviation (Box–Muller). */
  normal(mean?: number, sd?: number): number;
}

export function createRng(seed: number): Rng {
  let state = seed | 0;
  const uniform = (): number => {
    const step = mulberry32Step(state);
    state = step.state;
    return step.value;
  };
  return {
    uniform,
    between: (min, max) => min + (max - min) * uniform(),
    normal: (mean = 0, sd = 1) => mean + sd * boxMuller(uniform(), uniform()),
  };
}

/**
 * Mixes integers into one 32-bit seed (the murmur3 finalizer per word), so nearby keys such as
 * consecutive seconds or stop numbers give unrelated draws.
 */
export function hashSeed(...keys: number[]): number {
  let h = 0x811c9dc5;
  for (const key of keys) {
    // Split into two 32-bit halves so keys beyond 2^32 (millisecond times) still mix fully.
    const lo = key | 0;
    const hi = Math.floor(key / 4294967296) | 0;
    for (const word of [lo, hi]) {
      h = Math.imul(h ^ word, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
    }
  }
  return h >>> 0;
}

/** Seed for a named stream (a device id, a scenario part): the same name gives the same seed. */
export function seedFromString(text: string, base = 0): number {
  const keys = [base];
  for (let i = 0; i < text.length; i++) keys.push(text.charCodeAt(i));
  return hashSeed(...keys);
}

/** A uniform draw in [0, 1) that depends only on its keys. */
export function uniformAt(...keys: number[]): number {
  return createRng(hashSeed(...keys)).uniform();
}

/** A standard normal draw that depends only on its keys. */
export function normalAt(...keys: number[]): number {
  const rng = createRng(hashSeed(...keys));
  return boxMuller(rng.uniform(), rng.uniform());
}

function boxMuller(u1: number, u2: number): number {
  // 1 - u keeps the logarithm finite (u is in [0, 1)).
  return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
}
