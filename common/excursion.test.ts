import { describe, expect, it } from 'vitest';
import { Excursion, classify, type Zone } from './excursion.js';

const MIN = 60_000;
const T0 = Date.UTC(2024, 6, 1, 2, 0, 0);
// Strawberries: best kept at 0 ± 0.5 °C (UC Davis postharvest fact sheet, reference/shelf-life.md);
// a cold room alarms above 5 °C and below -1 °C.
const berries = { above: 5, below: -1, hysteresis: 0.5 };
const OUT: Zone = { kind: 'out', side: 'above' };
const BAND: Zone = { kind: 'band' };
const INSIDE: Zone = { kind: 'inside' };

describe('classify', () => {
  it('puts values beyond, near and well inside the thresholds in their zones', () => {
    expect(classify(5.01, berries)).toEqual(OUT);
    expect(classify(-1.2, berries)).toEqual({ kind: 'out', side: 'below' });
    expect(classify(5, berries)).toEqual(BAND); // "above 5" is strict
    expect(classify(4.51, berries)).toEqual(BAND);
    expect(classify(4.5, berries)).toEqual(INSIDE); // back inside by exactly the margin
    expect(classify(-0.5, berries)).toEqual(INSIDE);
    expect(classify(-0.51, berries)).toEqual(BAND);
  });

  it('is not fooled by binary fractions at the margin (4 − 0.3 ≠ 3.7 in floating point)', () => {
    expect(classify(3.7, { above: 4, hysteresis: 0.3 })).toEqual(INSIDE);
    expect(classify(0.3, { below: 0.1, hysteresis: 0.2 })).toEqual(INSIDE);
  });

  it('handles a rule with one threshold only', () => {
    expect(classify(-40, { above: 8, hysteresis: 0.5 })).toEqual(INSIDE);
    expect(classify(97.5, { below: 85, hysteresis: 2 })).toEqual(INSIDE);
    expect(classify(84, { below: 85, hysteresis: 2 })).toEqual({ kind: 'out', side: 'below' });
  });
});

describe('Excursion', () => {
  const timing = { forMs: 15 * MIN, clearAfterMs: 0 };

  it('raises once the value has been beyond the threshold for forMs by reading time, not before', () => {
    const e = new Excursion(timing);
    const at = (m: number): number => T0 + m * MIN;
    for (let m = 0; m < 15; m++) expect(e.onReading(OUT, at(m), at(m))).toBeUndefined();
    expect(e.onReading(OUT, at(15), at(15))).toBe('raise');
    expect(e.active).toBe(true);
    expect(e.since).toBe(T0);
  });

  it('raises once per excursion however many readings follow', () => {
    const e = new Excursion(timing);
    const transitions = Array.from({ length: 60 }, (_, m) => e.onReading(OUT, T0 + m * MIN, T0 + m * MIN));
    expect(transitions.filter((t) => t === 'raise')).toHaveLength(1);
  });

  it('starts over when the value dips back before forMs (a door opened and closed)', () => {
    const e = new Excursion(timing);
    e.onReading(OUT, T0, T0);
    e.onReading(BAND, T0 + 10 * MIN, T0 + 10 * MIN);
    expect(e.onReading(OUT, T0 + 12 * MIN, T0 + 12 * MIN)).toBeUndefined();
    expect(e.onReading(OUT, T0 + 20 * MIN, T0 + 20 * MIN)).toBeUndefined(); // 8 min into the new excursion
    expect(e.since).toBe(T0 + 12 * MIN);
    expect(e.onReading(OUT, T0 + 27 * MIN, T0 + 27 * MIN)).toBe('raise');
  });

  it('clears only with a reading back inside by the hysteresis margin', () => {
    const e = new Excursion(timing);
    e.onReading(OUT, T0, T0);
    e.onReading(OUT, T0 + 15 * MIN, T0 + 15 * MIN);
    expect(e.onReading(BAND, T0 + 16 * MIN, T0 + 16 * MIN)).toBeUndefined();
    expect(e.active).toBe(true);
    expect(e.onReading(INSIDE, T0 + 17 * MIN, T0 + 17 * MIN)).toBe('clear');
    expect(e.active).toBe(false);
    expect(e.since).toBeUndefined();
  });

  it('with clearAfterMs, clears after the value stays inside that long; a relapse restarts the wait', () => {
    const e = new Excursion({ forMs: 0, clearAfterMs: 10 * MIN });
    expect(e.onReading(OUT, T0, T0)).toBe('raise'); // forMs 0: the first reading beyond raises
    expect(e.onReading(INSIDE, T0 + 1 * MIN, 0)).toBeUndefined();
    expect(e.onReading(INSIDE, T0 + 5 * MIN, 0)).toBeUndefined();
    expect(e.onReading(BAND, T0 + 6 * MIN, 0)).toBeUndefined(); // not inside by the margin
    expect(e.onReading(INSIDE, T0 + 7 * MIN, 0)).toBeUndefined();
    expect(e.onReading(INSIDE, T0 + 16 * MIN, 0)).toBeUndefined(); // 9 min inside
    expect(e.onReading(INSIDE, T0 + 17 * MIN, 0)).toBe('clear');
  });

  it('raises on the timer when the last reading was beyond and the sensor then fell silent', () => {
    const e = new Excursion(timing);
    e.onReading(OUT, T0, T0);
    e.onReading(OUT, T0 + 5 * MIN, T0 + 5 * MIN);
    // 5 min covered by readings + 9 min of silence: not yet; + 10 min: 15 min in all.
    expect(e.onTick(T0 + 14 * MIN)).toBeUndefined();
    expect(e.onTick(T0 + 15 * MIN)).toBe('raise');
    expect(e.onTick(T0 + 16 * MIN)).toBeUndefined(); // still once
  });

  it('never clears through silence', () => {
    const e = new Excursion(timing);
    e.onReading(OUT, T0, T0);
    e.onReading(OUT, T0 + 15 * MIN, T0 + 15 * MIN);
    for (let h = 1; h <= 48; h++) expect(e.onTick(T0 + h * 60 * MIN)).toBeUndefined();
    expect(e.active).toBe(true);
  });

  it('does not raise early when the device clock lags the gateway clock', () => {
    const e = new Excursion(timing);
    const lag = 60 * MIN; // device timestamps an hour behind the gateway
    e.onReading(OUT, T0 - lag, T0);
    expect(e.onTick(T0 + 1000)).toBeUndefined();
    expect(e.onTick(T0 + 14 * MIN)).toBeUndefined();
    expect(e.onTick(T0 + 15 * MIN)).toBe('raise');
  });
});
