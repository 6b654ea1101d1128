/**
 * Fuzz: canonical JSON (protocol/canonical.ts) on arbitrary JSON-like values, non-JSON ones
 * included (NaN, ±Infinity, -0, undefined, lone surrogates, integers beyond 2^53, BigInt).
 * Each value gives a string or a CanonicalizationError, never another exception; the string
 * re-parses to the value (undefined members dropped, -0 as 0) and is its own canonical form.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalBytes, canonicalJson, CanonicalizationError, type CanonicalValue } from '../../protocol/canonical.js';
import { jsonValue, TRICKY_KEYS, TRICKY_STRINGS } from './hostile.js';
import { expectCleanProcess, FUZZ_TIMEOUT_MS, fuzzParams } from './runs.js';

/** Values canonical.ts must refuse or handle, beside ordinary numbers. */
const EDGE_NUMBERS = [0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 53, -(2 ** 53), 2 ** 53 - 1, 1e-6, 1e-7, -1e-7, 5e-324, 1e21, 1e8, 999_999.99, 0.1 + 0.2];

const leaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, undefined, 10n, ...EDGE_NUMBERS),
  fc.integer(),
  fc.double(),
  fc.integer({ min: -1e8, max: 1e8 }).map((n) => n / 100),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.string({ unit: 'binary-ascii', maxLength: 8 }),
  fc.constantFrom(...TRICKY_STRINGS),
);
const key = fc.oneof(fc.constantFrom(...TRICKY_KEYS, 'ts', 'tsSource', '10', '9', 'B', 'a', '\ud800', '\u{1f600}'), fc.string({ unit: 'binary', maxLength: 4 }));

/** JS values built in code (members defined as own properties, so `__proto__` is a member). */
const { value: jsValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    leaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(fc.tuple(key, tie('value')), { maxLength: 5 }).map((members) => {
      const obj: Record<string, unknown> = {};
      for (const [k, v] of members) Object.defineProperty(obj, k, { value: v, writable: true, enumerable: true, configurable: true });
      return obj;
    }),
  ),
}));

/** What canonical text can say about a value: undefined members absent, -0 written as 0. */
function sameAfterRoundTrip(original: unknown, reparsed: unknown): boolean {
  if (typeof original === 'number') return typeof reparsed === 'number' && Object.is(original === 0 ? 0 : original, reparsed);
  if (Array.isArray(original)) {
    return Array.isArray(reparsed) && original.length === reparsed.length && original.every((v, i) => sameAfterRoundTrip(v, reparsed[i]));
  }
  if (typeof original === 'object' && original !== null) {
    if (typeof reparsed !== 'object' || reparsed === null || Array.isArray(reparsed)) return false;
    const o = original as Record<string, unknown>;
    const r = reparsed as Record<string, unknown>;
    const kept = Object.keys(o).filter((k) => o[k] !== undefined);
    const back = Object.keys(r);
    return kept.length === back.length && kept.every((k) => Object.hasOwn(r, k) && sameAfterRoundTrip(o[k], r[k]));
  }
  return Object.is(original, reparsed);
}

type Outcome = { text: string } | { refused: CanonicalizationError };

function canonicalize(value: unknown): Outcome {
  try {
    return { text: canonicalJson(value as CanonicalValue) };
  } catch (err) {
    if (err instanceof CanonicalizationError) return { refused: err };
    throw new Error(`canonicalJson threw ${String(err)} (not a CanonicalizationError)`, { cause: err });
  }
}

function checkValue(value: unknown): void {
  const outcome = canonicalize(value);
  if ('refused' in outcome) {
    expect(outcome.refused.message).toMatch(/ at /);
    return;
  }
  const { text } = outcome;
  const reparsed: unknown = JSON.parse(text);
  if (!sameAfterRoundTrip(value, reparsed)) expect({ value, reparsed }).toEqual({ value, reparsed: value });
  // Idempotent: the text is the canonical form of what it parses to.
  const again = canonicalJson(reparsed as CanonicalValue);
  if (again !== text) expect(again).toBe(text);
  // The bytes are the UTF-8 of the text, and the text has a UTF-8 form (no lone surrogate).
  const bytes = canonicalBytes(value as CanonicalValue);
  if (bytes.toString('utf8') !== text) expect(bytes.toString('utf8')).toBe(text);
}

describe('fuzz: canonical JSON', () => {
  it('JS values: a string or a CanonicalizationError; the string re-parses to the value and is idempotent', () => {
    fc.assert(fc.property(jsValue, checkValue), fuzzParams());
  }, FUZZ_TIMEOUT_MS);

  it('values parsed from hostile JSON text (1e999 → Infinity, own __proto__ members): same properties', () => {
    fc.assert(fc.property(jsonValue({ keys: ['ts', 'tempC', 'readings'] }), checkValue), fuzzParams());
  }, FUZZ_TIMEOUT_MS);
});

expectCleanProcess();
