/**
 * The one place where raw device values become a Reading (DESIGN.md "Reading"): units are
 * converted (°F → °C), values rounded to the wire precision, impossible values rejected, the
 * device is mapped to its sensor id and location, and the timestamp's source is recorded.
 * Every input builds its readings here, so a rule changes in one place for all devices.
 */
import { LIMITS, ID_PATTERN, MAX_SRC_LENGTH, isTimestamp, round2, type Reading, type TimestampSource } from '../../protocol/reading.js';
import type { SensorIdentity } from './sensor-map.js';

export type TemperatureUnit = 'C' | 'F';

/** What a device said, before any judgement: numbers may be NaN, null or sentinels. */
export interface RawObservation {
  /** The sensor this observation belongs to, already resolved by the input's sensor map. */
  sensor: SensorIdentity;
  temperature?: number | null;
  /** Unit of `temperature`; Celsius when absent. */
  temperatureUnit?: TemperatureUnit;
  humidity?: number | null;
  battery?: number | null;
  link?: number | null;
  /** Measurement time from the device's own clock (UTC ms), only when that clock is trustworthy. */
  deviceTime?: number;
  /** Raw source reference, e.g. `modbus:/dev/ttyUSB0#1`, `mqtt:zigbee2mqtt/truck-front`. */
  src: string;
}

/** Read-error reasons produced by normalization (label values of `readErrors{reason}`). */
export type NormalizeRejection = { ok: false; reason: 'invalid_value'; detail: string };
export type NormalizeOutcome = { ok: true; reading: Reading } | NormalizeRejection;

/**
 * Values devices and codecs use for "no value": 0x7FFF / 0x8000 / 0xFFFF read as a register and
 * scaled by 1, 10 or 100 (Dragino LHT65 reports an absent probe as 327.67), and the DS18B20
 * "disconnected" reading of −127 °C (Maxim DS18B20 datasheet; Arduino DallasTemperature's
 * DEVICE_DISCONNECTED_C). Most lie outside LIMITS anyway; naming them gives a clearer reason.
 */
const SENTINELS = new Set([32767, 3276.7, 327.67, -32768, -3276.8, -327.68, 65535, 6553.5, 655.35, -127]);

/**
 * A device clock is trusted only within these bounds: earlier than 2020 means an unset RTC (a
 * Tasmota without NTP reports 1970), and more than five minutes ahead of the gateway means a
 * wrong clock, not a reading from the future. Outside them the gateway clock is used.
 */
const EARLIEST_DEVICE_TIME = Date.UTC(2020, 0, 1);
const MAX_DEVICE_LEAD_MS = 5 * 60_000;

export function fahrenheitToCelsius(f: number): number {
  return ((f - 32) * 5) / 9;
}

/**
 * Builds a Reading from a raw observation, or says why it cannot be one. A temperature or
 * humidity that is present but impossible rejects the whole observation (a sensor that reports
 * one impossible value is not trusted for the other); an impossible battery or link value is
 * only dropped, since those describe the radio, not the cold chain.
 */
export function normalizeObservation(raw: RawObservation, now: number): NormalizeOutcome {
  const reject = (detail: string): NormalizeRejection => ({ ok: false, reason: 'invalid_value', detail });
  if (!ID_PATTERN.test(raw.sensor.id)) return reject(`sensor id ${JSON.stringify(raw.sensor.id)} is not a valid id`);
  if (!ID_PATTERN.test(raw.sensor.location)) return reject(`location ${JSON.stringify(raw.sensor.location)} is not a valid id`);

  let tempC: number | undefined;
  if (raw.temperature !== undefined) {
    const problem = valueProblem('temperature', raw.temperature);
    if (problem) return reject(problem);
    const celsius = raw.temperatureUnit === 'F' ? fahrenheitToCelsius(raw.temperature!) : raw.temperature!;
    tempC = round2(celsius);
    if (tempC < LIMITS.tempC.min || tempC > LIMITS.tempC.max) {
      return reject(`temperature ${tempC} °C is outside ${LIMITS.tempC.min}…${LIMITS.tempC.max} °C`);
    }
  }
  let rh: number | undefined;
  if (raw.humidity !== undefined) {
    const problem = valueProblem('humidity', raw.humidity);
    if (problem) return reject(problem);
    rh = round2(raw.humidity!);
    if (rh < LIMITS.rh.min || rh > LIMITS.rh.max) return reject(`humidity ${rh} % is outside ${LIMITS.rh.min}…${LIMITS.rh.max} %`);
  }
  if (tempC === undefined && rh === undefined) return reject('the message carries neither a temperature nor a humidity');

  const trusted = raw.deviceTime !== undefined && isTrustedDeviceTime(raw.deviceTime, now);
  const tsSource: TimestampSource = trusted ? 'device' : 'gateway';
  const reading: Reading = {
    sensor: raw.sensor.id,
    location: raw.sensor.location,
    ts: trusted ? Math.round(raw.deviceTime!) : Math.round(now),
    tsSource,
    src: raw.src.length > MAX_SRC_LENGTH ? raw.src.slice(0, MAX_SRC_LENGTH) : raw.src,
  };
  if (tempC !== undefined) reading.tempC = tempC;
  if (rh !== undefined) reading.rh = rh;
  const battery = auxiliary(raw.battery, LIMITS.battery, round2);
  if (battery !== undefined) reading.battery = battery;
  const link = auxiliary(raw.link, LIMITS.link, Math.round);
  if (link !== undefined) reading.link = link;
  return { ok: true, reading };
}

export function isTrustedDeviceTime(ts: number, now: number): boolean {
  return isTimestamp(Math.round(ts)) && ts >= EARLIEST_DEVICE_TIME && ts <= now + MAX_DEVICE_LEAD_MS;
}

function valueProblem(what: string, v: number | null | undefined): string | undefined {
  if (v === null || v === undefined) return `${what} is missing (the device reported null)`;
  if (typeof v !== 'number' || !Number.isFinite(v)) return `${what} is not a finite number (${String(v)})`;
  if (SENTINELS.has(v)) return `${what} ${v} is a "no value" sentinel`;
  return undefined;
}

function auxiliary(v: number | null | undefined, limits: { min: number; max: number }, round: (x: number) => number): number | undefined {
  if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
  const r = round(v);
  return r >= limits.min && r <= limits.max ? r : undefined;
}
