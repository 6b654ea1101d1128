/**
 * Field helpers the payload formats are built from: read JSON once, read a numeric field the
 * way devices actually send it (some codecs send numbers as strings).
 */
import { isPlainObject } from '../../../../protocol/reading.js';

export type JsonObject = Record<string, unknown>;

/** Parses a payload that must be a JSON object; returns a message when it is not. */
export function jsonObject(payload: Buffer): { ok: true; value: JsonObject } | { ok: false; detail: string } {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    return { ok: false, detail: `payload is not JSON (${(err as Error).message})` };
  }
  if (!isPlainObject(value)) return { ok: false, detail: 'payload is JSON but not an object' };
  return { ok: true, value };
}

/**
 * A numeric field: undefined when the key is absent, null when it is null, NaN when it is not a
 * number (so normalization refuses it), the number otherwise; numeric strings are accepted.
 */
export function numberField(obj: JsonObject, key: string): number | null | undefined {
  if (!Object.hasOwn(obj, key)) return undefined;
  return numberValue(obj[key]);
}

/** {@link numberField} for a value already in hand (present: never undefined). */
export function numberValue(v: unknown): number | null {
  if (v === null) return null;
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\s*[-+]?\d+(?:\.\d+)?\s*$/.test(v)) return Number(v);
  return Number.NaN;
}

/** The object under `key`, when it is a plain object. */
export function objectField(obj: JsonObject, key: string): JsonObject | undefined {
  const v = obj[key];
  return isPlainObject(v) ? v : undefined;
}
