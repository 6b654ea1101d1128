/**
 * Reading v1: one normalized measurement as every edge input produces it (DESIGN.md
 * "Reading"). Values are already in SI-ish units (°C, % RH) and rounded to 0.01, so their
 * canonical form is a short plain decimal (docs/protocol.md §3).
 */

export type TimestampSource = 'device' | 'gateway';

export interface Reading {
  /** Stable id of the sensor, unique within its gateway. */
  sensor: string;
  /** Where the sensor is: a cold room, a truck compartment. */
  location: string;
  /** Measurement time, UTC milliseconds since the Unix epoch. */
  ts: number;
  /** Whose clock produced `ts`: the device's own (trusted) or the gateway's at receipt. */
  tsSource: TimestampSource;
  /** Air temperature, °C, at most two fraction digits. */
  tempC?: number;
  /** Relative humidity, %, at most two fraction digits. */
  rh?: number;
  /** Battery level, %, at most two fraction digits. */
  battery?: number;
  /** Link quality as the radio reports it (Zigbee LQI 0–255, RSSI in dBm), an integer. */
  link?: number;
  /** Where the value came from: input name and port, topic or bus address. */
  src: string;
}

/** Ids are printable ASCII without quote or backslash, so they never need JSON escaping. */
export const ID_PATTERN = /^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,128}$/;
export const MAX_SRC_LENGTH = 256;

/** Physical bounds a value must respect to be a reading; anything outside is a sensor fault. */
export const LIMITS = {
  tempC: { min: -80, max: 120 },
  rh: { min: 0, max: 100 },
  battery: { min: 0, max: 100 },
  link: { min: -200, max: 255 },
} as const;

/** Rounds to two fraction digits, the precision the wire carries (sensors are ±0.1 °C at best). */
export function round2(x: number): number {
  const r = Math.round(x * 100) / 100;
  return Object.is(r, -0) ? 0 : r;
}

export function hasAtMostTwoDecimals(x: number): boolean {
  return Number.isFinite(x) && round2(x) === x;
}

/**
 * Checks one reading against the v1 rules and returns the problems found (empty when valid).
 * `path` prefixes each problem so a caller can say which reading of a batch is wrong.
 */
export function readingProblems(value: unknown, path: string): string[] {
  if (!isPlainObject(value)) return [`${path} must be an object`];
  const problems: string[] = [];
  const allowed = new Set(['sensor', 'location', 'ts', 'tsSource', 'tempC', 'rh', 'battery', 'link', 'src']);
  for (const key of Object.keys(value)) if (!allowed.has(key)) problems.push(`${path}.${key} is not a v1 reading field`);
  for (const key of ['sensor', 'location'] as const) {
    const v = value[key];
    if (typeof v !== 'string' || !ID_PATTERN.test(v)) problems.push(`${path}.${key} must be 1–128 printable ASCII characters without " or \\`);
  }
  if (!isTimestamp(value.ts)) problems.push(`${path}.ts must be an integer count of milliseconds since 1970 (UTC)`);
  if (value.tsSource !== 'device' && value.tsSource !== 'gateway') problems.push(`${path}.tsSource must be "device" or "gateway"`);
  if (typeof value.src !== 'string' || value.src.length === 0 || value.src.length > MAX_SRC_LENGTH) {
    problems.push(`${path}.src must be a string of 1–${MAX_SRC_LENGTH} characters`);
  }
  if (value.tempC === undefined && value.rh === undefined) problems.push(`${path} must carry tempC, rh or both`);
  for (const key of ['tempC', 'rh', 'battery'] as const) {
    const v = value[key];
    if (v === undefined) continue;
    const { min, max } = LIMITS[key];
    if (typeof v !== 'number' || !hasAtMostTwoDecimals(v) || v < min || v > max) {
      problems.push(`${path}.${key} must be a number from ${min} to ${max} with at most two fraction digits`);
    }
  }
  if (value.link !== undefined) {
    const v = value.link;
    if (!Number.isInteger(v) || (v as number) < LIMITS.link.min || (v as number) > LIMITS.link.max) {
      problems.push(`${path}.link must be an integer from ${LIMITS.link.min} to ${LIMITS.link.max}`);
    }
  }
  return problems;
}

export function isTimestamp(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) > 0;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
