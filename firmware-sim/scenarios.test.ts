import { describe, expect, it } from 'vitest';
import { coldRoomTemperature, reeferDoorOpen, scenarioAt, scenarioTimeMs, type ScenarioSpec } from './scenarios.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const minutes = (from: number, to: number, step = 1): number[] => Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => (from + i * step) * MIN);

describe('scenarioAt', () => {
  it('is a pure function of (seed, time): same values in any call order, other seeds differ', () => {
    const spec: ScenarioSpec = { kind: 'cold-room' };
    const times = minutes(0, 720, 7);
    const forward = times.map((t) => scenarioAt(spec, 5, t));
    const backward = [...times].reverse().map((t) => scenarioAt(spec, 5, t)).reverse();
    expect(backward).toEqual(forward);
    const otherSeed = times.map((t) => scenarioAt(spec, 6, t));
    expect(otherSeed).not.toEqual(forward);
  });

  it('returns a constant scenario exactly', () => {
    expect(scenarioAt({ kind: 'constant', tempC: -20.5, rh: 45.6 }, 1, 123_456)).toEqual({ tempC: -20.5, rh: 45.6 });
  });

  it('shifts by offsetMinutes', () => {
    expect(scenarioAt({ kind: 'reefer-truck', offsetMinutes: 90 }, 3, 0)).toEqual(scenarioAt({ kind: 'reefer-truck' }, 3, 90 * MIN));
  });
});

describe('cold-room', () => {
  const quiet: ScenarioSpec = { kind: 'cold-room', tempNoiseC: 0, rhNoise: 0, firstDefrostMin: 100 };

  it('cycles between 0 and 2 °C outside defrost and recovery (no noise)', () => {
    const cycling = minutes(0, 48 * 60).filter((t) => coldRoomTemperature(quiet, 11, t).phase === 'cycling');
    expect(cycling.length).toBeGreaterThan(40 * 60);
    const temps = cycling.map((t) => scenarioAt(quiet, 11, t).tempC);
    expect(Math.min(...temps)).toBeGreaterThanOrEqual(-1e-9);
    expect(Math.max(...temps)).toBeLessThanOrEqual(2 + 1e-9);
    // It really cycles: both ends of the band are visited.
    expect(Math.min(...temps)).toBeLessThan(0.1);
    expect(Math.max(...temps)).toBeGreaterThan(1.9);
  });

  it('stays about 0–2 °C with sensor noise, RH 90–95 %', () => {
    const spec: ScenarioSpec = { kind: 'cold-room', firstDefrostMin: 100 };
    const values = minutes(0, 24 * 60)
      .filter((t) => coldRoomTemperature(spec, 11, t).phase === 'cycling')
      .map((t) => scenarioAt(spec, 11, t));
    for (const v of values) {
      expect(v.tempC).toBeGreaterThan(-0.3);
      expect(v.tempC).toBeLessThan(2.3);
      expect(v.rh).toBeGreaterThan(90);
      expect(v.rh).toBeLessThan(95);
    }
  });

  it('defrosts every 6 h: temperature rises a few degrees, then recovers', () => {
    const first = 100;
    for (const start of [first, first + 360, first + 720]) {
      expect(coldRoomTemperature(quiet, 11, (start - 1) * MIN).phase).toBe('cycling');
      expect(coldRoomTemperature(quiet, 11, (start + 1) * MIN).phase).toBe('defrost');
      const peak = Math.max(...minutes(start, start + 25).map((t) => scenarioAt(quiet, 11, t).tempC));
      expect(peak).toBeGreaterThan(4);
      expect(peak).toBeLessThan(8);
      // Back in the band within an hour.
      expect(scenarioAt(quiet, 11, (start + 60) * MIN).tempC).toBeLessThanOrEqual(2);
    }
    // Never a jump between minutes bigger than the fastest physical change (≈0.5 °C/min).
    const series = minutes(0, 24 * 60, 0.25).map((t) => scenarioAt(quiet, 11, t).tempC);
    const steps = series.slice(1).map((x, i) => Math.abs(x - series[i]!));
    expect(Math.max(...steps)).toBeLessThan(0.5);
  });

  it('can run without defrost', () => {
    const spec: ScenarioSpec = { kind: 'cold-room', defrostEveryMin: 0, tempNoiseC: 0 };
    const temps = minutes(0, 24 * 60).map((t) => scenarioAt(spec, 2, t).tempC);
    expect(Math.max(...temps)).toBeLessThanOrEqual(2 + 1e-9);
  });

  it('rejects a defrost period too short for the defrost and its recovery', () => {
    expect(() => scenarioAt({ kind: 'cold-room', defrostEveryMin: 20 }, 1, 0)).toThrow(/shorter than a defrost/);
  });
});

describe('reefer-truck', () => {
  const spec: ScenarioSpec = { kind: 'reefer-truck', tempNoiseC: 0, rhNoise: 0 };

  it('holds about 2 °C with the doors closed and none in the first hour', () => {
    for (const t of minutes(0, 59)) {
      expect(reeferDoorOpen(spec, 4, t).open).toBe(false);
      expect(Math.abs(scenarioAt(spec, 4, t).tempC - 2)).toBeLessThanOrEqual(0.3 + 1e-9);
    }
  });

  it('opens the door at each stop: temperature rises toward ambient, RH falls, then both recover', () => {
    const times = minutes(60, 12 * 60, 0.5);
    const openings: number[][] = [];
    let current: number[] | undefined;
    for (const t of times) {
      if (reeferDoorOpen(spec, 4, t).open) (current ??= []).push(t);
      else if (current) openings.push(current), (current = undefined);
    }
    expect(openings.length).toBeGreaterThanOrEqual(10); // one stop per hour
    for (const opening of openings) {
      const closeAt = opening[opening.length - 1]!;
      const before = scenarioAt(spec, 4, opening[0]! - MIN);
      const atClose = scenarioAt(spec, 4, closeAt);
      expect(atClose.tempC).toBeGreaterThan(before.tempC + 3);
      expect(atClose.tempC).toBeLessThan(18);
      expect(atClose.rh).toBeLessThan(before.rh - 5);
      const later = scenarioAt(spec, 4, closeAt + 45 * MIN);
      expect(later.tempC).toBeLessThan(atClose.tempC - 3);
    }
  });
});

describe('compressor-failure', () => {
  it('is a cold room until the failure, then warms slowly and steadily toward ambient', () => {
    const spec: ScenarioSpec = { kind: 'compressor-failure', failAtMin: 120, tempNoiseC: 0, rhNoise: 0 };
    expect(scenarioAt(spec, 9, 60 * MIN)).toEqual(scenarioAt({ kind: 'cold-room', tempNoiseC: 0, rhNoise: 0 }, 9, 60 * MIN));
    const after = minutes(120, 120 + 24 * 60, 30).map((t) => scenarioAt(spec, 9, t).tempC);
    for (let i = 1; i < after.length; i++) expect(after[i]!).toBeGreaterThan(after[i - 1]!);
    expect(scenarioAt(spec, 9, (120 + 60) * MIN).tempC).toBeLessThan(6); // slow: product mass
    expect(scenarioAt(spec, 9, (120 + 10 * 60) * MIN).tempC).toBeGreaterThan(10);
    expect(after[after.length - 1]!).toBeLessThan(20);
  });
});

describe('scenarioTimeMs', () => {
  it('runs timeScale scenario minutes per real second', () => {
    expect(scenarioTimeMs(1000, 60)).toBe(HOUR);
    expect(scenarioTimeMs(40_000, 60)).toBe(40 * HOUR);
    expect(scenarioTimeMs(1000, 1 / 60)).toBeCloseTo(1000, 6);
  });
});
