/**
 * The optimized serializer of canonical.ts against the straightforward one it replaced (kept
 * below as the reference): on random values, both give the same text or refuse with the same
 * message and path. Seeded, so a failure reproduces.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../firmware-sim/random.js';
import { canonicalJson, CanonicalizationError, type CanonicalValue } from './canonical.js';

// ---- Reference: the first implementation, one value at a time, path built for every value ----

function referenceCanonicalJson(value: CanonicalValue): string {
  return refSerialize(value, '');
}

function refSerialize(value: CanonicalValue | undefined, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalizationError('number is not finite', path);
      if (Math.abs(value) > Number.MAX_SAFE_INTEGER) throw new CanonicalizationError('number exceeds ±2^53', path);
      if (value !== 0 && Math.abs(value) < 1e-6) throw new CanonicalizationError('number too small for plain notation', path);
      return Object.is(value, -0) ? '0' : String(value);
    case 'string':
      return refString(value, path);
    case 'object':
      if (Array.isArray(value)) return `[${value.map((item, i) => refSerialize(item, `${path}[${i}]`)).join(',')}]`;
      return `{${Object.keys(value)
        .filter((k) => value[k] !== undefined)
        .sort()
        .map((k) => `${refString(k, path)}:${refSerialize(value[k], `${path}.${k}`)}`)
        .join(',')}}`;
    default:
      throw new CanonicalizationError(`unsupported value of type ${typeof value}`, path);
  }
}

function refString(s: string, path: string): string {
  // A lone surrogate has no UTF-8 form; Buffer replaces it with U+FFFD, which shows it.
  if (Buffer.from(s, 'utf8').toString('utf8') !== s) throw new CanonicalizationError('string holds a lone surrogate', path);
  return JSON.stringify(s);
}

// ---- Random values ----

/** A seeded uniform source (mulberry32, shared with the simulator), so runs are repeatable. */
const prng = (seed: number): (() => number) => createRng(seed).uniform;

class Values {
  constructor(private readonly random: () => number) {}

  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  number(): number {
    switch (this.int(9)) {
      case 0: return this.int(2_000_001) - 1_000_000; // small integers, Smi range
      case 1: return 1_700_000_000_000 + this.int(1e11); // millisecond timestamps
      case 2: return (this.int(2e8) - 1e8) / 100; // two fraction digits, |n| < 1e6
      case 3: return (this.int(2e6) - 1e6) / 1000; // three fraction digits
      case 4: return (this.random() - 0.5) * 10 ** (this.int(30) - 8); // any magnitude, refused ones included
      case 5: return Math.floor(this.random() * Number.MAX_SAFE_INTEGER) * (this.random() < 0.5 ? -1 : 1);
      case 6: return this.pick([0, -0, 1e-6, -1e-6, 9.99e-7, 2 ** 53, -(2 ** 53), 2 ** 53 - 1, 1e8, 1e8 - 1, 999_999.99, -999_999.99, 1e6 + 0.01]);
      case 7: return this.pick([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e21, 5e-324]);
      default: return this.int(25_501) / 100 - 80; // reading values
    }
  }

  string(): string {
    const length = this.int(12);
    let s = '';
    for (let i = 0; i < length; i++) {
      switch (this.int(10)) {
        case 0: s += String.fromCharCode(this.int(0x20)); break; // controls
        case 1: s += this.pick(['"', '\\', '/', '\u007f', '\u2028', '°', '€']); break;
        case 2: s += '\u{1f600}'; break; // a surrogate pair
        case 3: if (this.random() < 0.3) s += String.fromCharCode(0xd800 + this.int(0x800)); break; // a lone surrogate, now and then
        case 4: s += String.fromCharCode(0x80 + this.int(0xd800 - 0x80)); break;
        default: s += String.fromCharCode(0x20 + this.int(0x5f));
      }
    }
    return s;
  }

  key(): string {
    // Short keys collide and sort against each other; integer-like keys are enumerated first by V8.
    return this.pick([() => this.pick(['a', 'b', 'B', 'ts', 'tsSource', 'tempC', '', '10', '9', '0']), () => this.string()])();
  }

  value(depth: number): CanonicalValue | undefined {
    const kind = this.int(depth > 3 ? 5 : 8);
    switch (kind) {
      case 0: return null;
      case 1: return this.random() < 0.5;
      case 2:
      case 3: return this.number();
      case 4: return this.string();
      case 5: return Array.from({ length: this.int(5) }, () => this.member(depth + 1));
      default: {
        const obj: { [key: string]: CanonicalValue | undefined } = {};
        for (let i = this.int(7); i > 0; i--) obj[this.key()] = this.member(depth + 1);
        return obj;
      }
    }
  }

  /** A value, or now and then undefined (omitted in an object, refused in an array). */
  member(depth: number): CanonicalValue {
    return (this.random() < 0.05 ? undefined : this.value(depth)) as CanonicalValue;
  }
}

type Outcome = { text: string } | { refused: string };

function outcome(serialize: (v: CanonicalValue) => string, value: CanonicalValue): Outcome {
  try {
    return { text: serialize(value) };
  } catch (err) {
    if (err instanceof CanonicalizationError) return { refused: err.message };
    throw err;
  }
}

describe('canonicalJson against the reference implementation', () => {
  it('agrees on 20,000 random values, refusals and their paths included', () => {
    const values = new Values(prng(8785));
    let refused = 0;
    for (let i = 0; i < 20_000; i++) {
      const value = values.value(0) as CanonicalValue;
      const expected = outcome(referenceCanonicalJson, value);
      const actual = outcome(canonicalJson, value);
      if ('refused' in expected) refused++;
      // Compare before calling expect: 20,000 expect calls would dominate the test's time.
      if (JSON.stringify(actual) !== JSON.stringify(expected)) expect({ value, actual }).toEqual({ value, actual: expected });
    }
    // The generator must exercise both outcomes.
    expect(refused).toBeGreaterThan(1000);
    expect(refused).toBeLessThan(15_000);
  });

  it('writes numbers exactly as String(n) does, over the ranges with fast paths', () => {
    const random = prng(53);
    const check = (n: number): void => {
      const text = canonicalJson(n);
      if (text !== String(n)) expect(text).toBe(String(n));
    };
    for (let i = 0; i < 200_000; i++) {
      check(Math.floor(random() * Number.MAX_SAFE_INTEGER)); // integers, mostly ≥ 1e8
      check((Math.floor(random() * 2e8) - 1e8) / 100); // hundredths, |n| < 1e6
      check((Math.floor(random() * 2e4) - 1e4) / 100); // hundredths, |n| < 100
    }
    for (const n of [1e8, 1e8 + 1, 1e8 - 1, 2 ** 53 - 1, 1_764_000_000_000, 0.01, -0.01, 0.1, 0.05, 999_999.99, -999_999.99, 1e6 - 0.01]) check(n);
  });
});
