import { describe, expect, it } from 'vitest';
import { hasAtMostTwoDecimals, ID_PATTERN, isTimestamp, LIMITS, readingProblems, round2, type Reading } from './reading.js';

const good: Reading = { sensor: 's1', location: 'cold-room-1', ts: 1_767_225_600_000, tsSource: 'device', tempC: 1.5, rh: 90, battery: 50, link: 120, src: 'x' };

describe('round2 and hasAtMostTwoDecimals', () => {
  it('rounds to hundredths and never returns -0', () => {
    expect(round2(1.234)).toBe(1.23);
    expect(round2(-18.746)).toBe(-18.75);
    expect(Object.is(round2(-0.004), 0)).toBe(true);
    expect(Object.is(round2(-0), 0)).toBe(true);
  });

  it('accepts every k/100 in the reading ranges and refuses a third fraction digit', () => {
    for (let k = -20_000; k <= 25_500; k++) if (!hasAtMostTwoDecimals(k / 100)) expect(k / 100).toBe('two-decimal');
    expect(hasAtMostTwoDecimals(1.005)).toBe(false);
    expect(hasAtMostTwoDecimals(0.001)).toBe(false);
    expect(hasAtMostTwoDecimals(Number.NaN)).toBe(false);
    expect(hasAtMostTwoDecimals(Number.POSITIVE_INFINITY)).toBe(false);
  });
});

describe('readingProblems', () => {
  it('accepts a full reading and one with only rh', () => {
    expect(readingProblems(good, 'r')).toEqual([]);
    expect(readingProblems({ sensor: 's', location: 'l', ts: 1, tsSource: 'gateway', rh: 0, src: 's' }, 'r')).toEqual([]);
  });

  it('prefixes each problem with the path it was given', () => {
    expect(readingProblems({ ...good, tempC: LIMITS.tempC.max + 1 }, 'batch.readings[3]')).toEqual([
      'batch.readings[3].tempC must be a number from -80 to 120 with at most two fraction digits',
    ]);
  });

  it.each([
    ['not an object', 5],
    ['an array', [good]],
    ['unknown field', { ...good, extra: 1 }],
    ['empty sensor', { ...good, sensor: '' }],
    ['non-ASCII location', { ...good, location: 'kühlraum' }],
    ['ts as a string', { ...good, ts: '1767225600000' }],
    ['ts unsafe', { ...good, ts: 2 ** 53 }],
    ['no value', { ...good, tempC: undefined, rh: undefined }],
    ['src not a string', { ...good, src: 7 }],
    ['battery NaN', { ...good, battery: Number.NaN }],
  ])('refuses %s', (_, value) => {
    expect(readingProblems(value, 'r').length).toBeGreaterThan(0);
  });

  it('uses printable ASCII ids without quote or backslash', () => {
    expect(ID_PATTERN.test(' !#$%&\'()*+,-./09:;<=>?@AZ[]^_`az{|}~')).toBe(true);
    for (const bad of ['"', '\\', '\x7f', '\x1f', 'é', '', 'x'.repeat(129)]) expect(ID_PATTERN.test(bad)).toBe(false);
  });

  it('takes timestamps as positive safe integers', () => {
    expect([1, Number.MAX_SAFE_INTEGER].map(isTimestamp)).toEqual([true, true]);
    expect([0, -1, 1.5, 2 ** 53, '1'].map(isTimestamp)).toEqual([false, false, false, false, false]);
  });
});
