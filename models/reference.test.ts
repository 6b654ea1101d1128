/**
 * The reference model against the numbers it is built from (models/commodities.ts and
 * ../shared/reference/shelf-life.md): the rate law, both Q10 ranges, the chilling floor and
 * dose, water loss from the vapour pressure deficit, quality and remaining shelf life, and
 * incremental updates equal to one pass over the whole history.
 */
import { describe, expect, it } from 'vitest';
import { COMMODITIES, commodity, parameterRow } from './commodities.js';
import { advance, assess, lnRelativeRate, predict, saturationVapourPressureKpa, vapourPressureDeficitKpa, type Step } from './reference.js';
import { PARAM_COUNT, STATE } from './signature.js';

const rate = (id: string, tempC: number): number => Math.exp(lnRelativeRate(tempC, parameterRow(commodity(id))));
const hours = (n: number, tempC: number, rh = 100): Step[] => Array.from({ length: n }, () => ({ tempC, rh, dtH: 1 }));

describe('commodity table', () => {
  it('has at least 10 commodities with complete, plausible parameters', () => {
    expect(COMMODITIES.length).toBeGreaterThanOrEqual(10);
    for (const c of COMMODITIES) {
      expect(parameterRow(c)).toHaveLength(PARAM_COUNT);
      expect(c.slRefDays).toBeGreaterThan(0);
      expect(c.q10Low).toBeGreaterThan(1);
      expect(c.q10High).toBeGreaterThan(1);
      expect(c.waterMaxPct).toBeGreaterThan(0);
    }
    expect(() => commodity('durian')).toThrow(/unknown commodity "durian"; known: lettuce-iceberg/);
  });
});

describe('reference model', () => {
  it('has rate 1 at the reference temperature and one Q10 per 10 °C in each range', () => {
    expect(rate('lettuce-iceberg', 0)).toBeCloseTo(1, 12);
    expect(rate('lettuce-iceberg', 10)).toBeCloseTo(2.8, 12); // [1] derived Q10 0–10 °C
    expect(rate('lettuce-iceberg', 20)).toBeCloseTo(2.8 * 1.8, 12); // and 10–20 °C
    expect(rate('lettuce-iceberg', 5)).toBeCloseTo(Math.sqrt(2.8), 12);
    // Stored above the breakpoint (13.5 °C): still rate 1 at its reference, Q10 3 above it.
    expect(rate('banana-green', 13.5)).toBeCloseTo(1, 12);
    expect(rate('banana-green', 23.5)).toBeCloseTo(3, 12);
  });

  it('keeps the generic relative shelf life of the storage tables for a typical Q10 (100 / 33 / 13 % at 0 / 10 / 20 °C [11])', () => {
    // Lettuce's respiration-derived Q10s give 36 % and 20 %: same order as the generic rule.
    expect(1 / rate('lettuce-iceberg', 10)).toBeCloseTo(0.357, 3);
    expect(1 / rate('lettuce-iceberg', 20)).toBeCloseTo(0.198, 3);
  });

  it('uses the whole shelf life in exactly slRefDays at the reference temperature', () => {
    const row = parameterRow(commodity('strawberry'));
    const half = predict(undefined, hours(3 * 24, 0), row);
    expect(half.state[STATE.usedFraction]).toBeCloseTo(0.5, 12);
    expect(half.remainingDays).toBeCloseTo(3, 12);
    const done = predict(half.state, hours(3 * 24, 0), row);
    expect(done.state[STATE.usedFraction]).toBeCloseTo(1, 12);
    expect(done.quality).toBeCloseTo(4, 12);
    expect(done.remainingDays).toBeCloseTo(0, 9);
    expect(predict(undefined, [], row)).toMatchObject({ quality: 10, remainingDays: 6 });
  });

  it('predicts remaining shelf life at the assumed future temperature', () => {
    const atTen = parameterRow(commodity('lettuce-iceberg'), 10);
    expect(predict(undefined, [], atTen).remainingDays).toBeCloseTo(24.5 / 2.8, 12);
  });

  it('floors the rate at the chilling threshold and adds chilling injury below it', () => {
    expect(rate('tomato-mature-green', 5)).toBeCloseTo(1, 12); // the floor: no slower ripening in the cold
    const row = parameterRow(commodity('tomato-mature-green'));
    // 3 days at 3 °C use the 14-day life (the assumption behind chillPenalty, [17]).
    const cold = advance([0, 0, 0], hours(72, 3), row);
    expect(cold[STATE.usedFraction]).toBeCloseTo((3 * (1 + 0.37 * 10)) / 14, 12);
    expect(cold[STATE.usedFraction]).toBeGreaterThan(0.99);
    expect(cold[STATE.chillDegreeHours]).toBeCloseTo(72 * 10, 9);
    // Lettuce is not chilling-sensitive: no dose at 0 °C.
    expect(advance([0, 0, 0], hours(24, 0), parameterRow(commodity('lettuce-iceberg')))[STATE.chillDegreeHours]).toBe(0);
  });

  it('loses water with the vapour pressure deficit, not with RH alone', () => {
    expect(saturationVapourPressureKpa(0)).toBeCloseTo(0.6108, 4);
    expect(saturationVapourPressureKpa(20)).toBeCloseTo(2.338, 3);
    expect(vapourPressureDeficitKpa(20, 100)).toBe(0);
    expect(vapourPressureDeficitKpa(20, 120)).toBe(0); // RH clipped
    const row = parameterRow(commodity('lettuce-iceberg'));
    const coldDry = advance([0, 0, 0], hours(24, 0, 80), row)[STATE.waterLossPct]!;
    const warmDry = advance([0, 0, 0], hours(24, 20, 80), row)[STATE.waterLossPct]!;
    expect(warmDry / coldDry).toBeCloseTo(saturationVapourPressureKpa(20) / saturationVapourPressureKpa(0), 9);
    // Enough water loss ends shelf life on its own: a day at 25 °C and 40 % RH wilts lettuce.
    const wilted = predict(undefined, hours(24, 25, 40), row);
    expect(wilted.state[STATE.waterLossPct]).toBeGreaterThan(3.5);
    expect(wilted.remainingDays).toBe(0);
    expect(wilted.quality).toBeLessThan(4);
  });

  it('updates a lot incrementally exactly as one pass over its whole history', () => {
    const row = parameterRow(commodity('broccoli'), 4);
    const history: Step[] = Array.from({ length: 500 }, (_, i) => ({ tempC: 2 + 8 * Math.sin(i / 30), rh: 70 + 25 * Math.cos(i / 17), dtH: 0.25 + (i % 4) * 0.25 }));
    const whole = predict(undefined, history, row);
    let state: number[] | undefined;
    let last = predict(undefined, [], row);
    for (let i = 0; i < history.length; i += 37) {
      last = predict(state, history.slice(i, i + 37), row);
      state = last.state;
    }
    for (let k = 0; k < 3; k++) expect(last.state[k]).toBeCloseTo(whole.state[k]!, 9);
    expect(last.quality).toBeCloseTo(whole.quality, 9);
    expect(last.remainingDays).toBeCloseTo(whole.remainingDays, 9);
    // Padding steps (dt 0) change nothing.
    expect(advance(whole.state, [{ tempC: 99, rh: 0, dtH: 0 }], row)).toEqual(whole.state);
    expect(assess(whole.state, row).quality).toBe(whole.quality);
  });
});
