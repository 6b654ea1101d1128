import { describe, expect, it } from 'vitest';
import { canonicalBytes, canonicalJson, CanonicalizationError, type CanonicalValue } from './canonical.js';

/** The escape table of RFC 8785 §3.2.2.2 written out independently of JSON.stringify. */
function expectedEscape(code: number): string {
  const short: Record<number, string> = { 0x08: '\\b', 0x09: '\\t', 0x0a: '\\n', 0x0c: '\\f', 0x0d: '\\r', 0x22: '\\"', 0x5c: '\\\\' };
  if (short[code] !== undefined) return short[code]!;
  if (code < 0x20) return `\\u00${code.toString(16).padStart(2, '0')}`;
  return String.fromCharCode(code);
}

describe('canonicalJson: objects and arrays', () => {
  it('sorts members by key and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: [1, { d: null, c: true }], '': 'e' })).toBe('{"":"e","a":[1,{"c":true,"d":null}],"b":1}');
  });

  it('sorts by UTF-16 code units, not by code points', () => {
    // U+1F600 is D83D DE00 in UTF-16, below U+FF61; by code point it would sort after.
    const value = { '\uff61': 1, '\u{1f600}': 2, '\u00f6': 3, z: 4 };
    expect(canonicalJson(value)).toBe('{"z":4,"ö":3,"😀":2,"｡":1}');
  });

  it('sorts upper case before lower case and a prefix before its extensions', () => {
    expect(canonicalJson({ tsSource: 'device', ts: 1, tempC: 2, Ts: 0 })).toBe('{"Ts":0,"tempC":2,"ts":1,"tsSource":"device"}');
  });

  it('omits members whose value is undefined (absent optional fields)', () => {
    expect(canonicalJson({ a: 1, rh: undefined, tempC: 2 })).toBe('{"a":1,"tempC":2}');
  });

  it('keeps array order and refuses undefined inside an array', () => {
    expect(canonicalJson([3, 1, 2])).toBe('[3,1,2]');
    expect(() => canonicalJson([1, undefined as unknown as CanonicalValue])).toThrow(CanonicalizationError);
  });

  it('refuses values JSON cannot carry', () => {
    expect(() => canonicalJson({ f: (() => 1) as unknown as CanonicalValue })).toThrow(/unsupported value of type function at \.f/);
    expect(() => canonicalJson(10n as unknown as CanonicalValue)).toThrow(CanonicalizationError);
  });
});

describe('canonicalJson: numbers', () => {
  it.each([
    [0, '0'],
    [-0, '0'],
    [2.0, '2'],
    [1.5, '1.5'],
    [-18.75, '-18.75'],
    [0.01, '0.01'],
    [-0.01, '-0.01'],
    [99.99, '99.99'],
    [120, '120'],
    [1_767_225_600_000, '1767225600000'],
    [Number.MAX_SAFE_INTEGER, '9007199254740991'],
    [-Number.MAX_SAFE_INTEGER, '-9007199254740991'],
  ])('%s → %s', (n, text) => {
    expect(canonicalJson(n)).toBe(text);
  });

  it('writes every two-decimal value from -200 to 255 as its shortest decimal', () => {
    for (let k = -20_000; k <= 25_500; k++) {
      const text = canonicalJson(k / 100);
      const sign = k < 0 ? '-' : '';
      const abs = Math.abs(k);
      const frac = String(abs % 100).padStart(2, '0').replace(/0+$/, '');
      const expected = `${sign}${Math.floor(abs / 100)}${frac ? `.${frac}` : ''}`;
      if (text !== (expected === '-0' ? '0' : expected)) expect(text).toBe(expected);
    }
  });

  it.each([
    [Number.NaN, /not finite/],
    [Number.POSITIVE_INFINITY, /not finite/],
    [2 ** 53, /exceeds/],
    [-(2 ** 53), /exceeds/],
    [1e21, /exceeds/],
    [1e-7, /too small/],
  ])('refuses %s', (n, message) => {
    expect(() => canonicalJson({ x: n })).toThrow(message);
  });
});

describe('canonicalJson: strings', () => {
  it('escapes each control character, quote and backslash as RFC 8785 says, and nothing else', () => {
    for (let code = 0; code < 0x80; code++) {
      expect(canonicalJson(String.fromCharCode(code))).toBe(`"${expectedEscape(code)}"`);
    }
  });

  it('keeps non-ASCII, DEL, U+2028 and "/" literal', () => {
    expect(canonicalJson('°C € 😀 \u007f \u2028 /')).toBe('"°C € 😀 \u007f \u2028 /"');
  });

  it('refuses lone surrogates, in values and in keys', () => {
    expect(() => canonicalJson('a\ud800')).toThrow(/lone surrogate/);
    expect(() => canonicalJson('\udc00')).toThrow(/lone surrogate/);
    expect(() => canonicalJson('\ude00\ud83d')).toThrow(/lone surrogate/);
    expect(() => canonicalJson({ '\ud800': 1 })).toThrow(/lone surrogate/);
    expect(() => canonicalJson({ a: ['ok', { b: '\ud800' }] })).toThrow(/at \.a\[1\]\.b/);
  });

  it('gives UTF-8 bytes', () => {
    expect(canonicalBytes({ u: '°😀' }).toString('hex')).toBe(Buffer.from('{"u":"', 'utf8').toString('hex') + 'c2b0f09f9880' + '227d');
  });
});
