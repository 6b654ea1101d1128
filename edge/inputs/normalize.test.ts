import { describe, expect, it } from 'vitest';
import { readingProblems } from '../../protocol/reading.js';
import { fahrenheitToCelsius, normalizeObservation, type RawObservation } from './normalize.js';

const now = Date.UTC(2025, 5, 1, 12, 0, 0);
const base: RawObservation = { sensor: { id: 'cr1', location: 'cold-room-1' }, src: 'modbus:/dev/ttyUSB0#1' };
const ok = (raw: Partial<RawObservation>) => {
  const outcome = normalizeObservation({ ...base, ...raw }, now);
  if (!outcome.ok) throw new Error(`expected a reading, got ${outcome.detail}`);
  expect(readingProblems(outcome.reading, 'reading')).toEqual([]);
  return outcome.reading;
};
const rejected = (raw: Partial<RawObservation>): string => {
  const outcome = normalizeObservation({ ...base, ...raw }, now);
  if (outcome.ok) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.reading)}`);
  expect(outcome.reason).toBe('invalid_value');
  return outcome.detail;
};

describe('normalizeObservation', () => {
  it('builds a valid reading with the mapping, the gateway clock and the source', () => {
    expect(ok({ temperature: 4.123, humidity: 90.456 })).toEqual({
      sensor: 'cr1',
      location: 'cold-room-1',
      ts: now,
      tsSource: 'gateway',
      tempC: 4.12,
      rh: 90.46,
      src: 'modbus:/dev/ttyUSB0#1',
    });
  });

  it('converts °F to °C before rounding', () => {
    expect(fahrenheitToCelsius(212)).toBe(100);
    expect(ok({ temperature: 39.2, temperatureUnit: 'F' }).tempC).toBe(4);
    expect(ok({ temperature: -0.4, temperatureUnit: 'F' }).tempC).toBe(-18);
    expect(ok({ temperature: 71.6, temperatureUnit: 'F', humidity: 42 }).tempC).toBe(22);
  });

  it('refuses NaN, null, sentinels and values outside the physical limits', () => {
    expect(rejected({ temperature: Number.NaN })).toMatch(/not a finite number/);
    expect(rejected({ temperature: null, humidity: 50 })).toMatch(/missing/);
    expect(rejected({ temperature: 327.67 })).toMatch(/sentinel/);
    expect(rejected({ temperature: 3276.7 })).toMatch(/sentinel/);
    expect(rejected({ humidity: 6553.5 })).toMatch(/sentinel/);
    expect(rejected({ temperature: -127, humidity: 50 })).toMatch(/sentinel/);
    expect(rejected({ temperature: 121 })).toMatch(/outside/);
    expect(rejected({ temperature: 260, temperatureUnit: 'F' })).toMatch(/outside/); // 126.7 °C
    expect(rejected({ humidity: 100.5 })).toMatch(/outside/);
    expect(rejected({ humidity: -1 })).toMatch(/outside/);
    expect(rejected({})).toMatch(/neither/);
    expect(rejected({ temperature: 5, sensor: { id: 'bad"id', location: 'x' } })).toMatch(/sensor id/);
  });

  it('keeps limit values and drops only an impossible battery or link value', () => {
    expect(ok({ temperature: -80, humidity: 100 })).toMatchObject({ tempC: -80, rh: 100 });
    const r = ok({ temperature: 5, battery: 255, link: 3.6 });
    expect(r.battery).toBeUndefined();
    expect(r.link).toBe(4);
    expect(ok({ temperature: 5, battery: 87.456, link: -67 })).toMatchObject({ battery: 87.46, link: -67 });
  });

  it('uses a device time only when plausible', () => {
    const deviceTime = now - 30_000;
    expect(ok({ temperature: 5, deviceTime })).toMatchObject({ ts: deviceTime, tsSource: 'device' });
    expect(ok({ temperature: 5, deviceTime: Date.UTC(1970, 0, 1, 0, 10) })).toMatchObject({ ts: now, tsSource: 'gateway' });
    expect(ok({ temperature: 5, deviceTime: now + 3_600_000 })).toMatchObject({ ts: now, tsSource: 'gateway' });
  });

  it('cuts an over-long source reference to the wire limit', () => {
    expect(ok({ temperature: 5, src: `mqtt:${'x'.repeat(400)}` }).src).toHaveLength(256);
  });
});
