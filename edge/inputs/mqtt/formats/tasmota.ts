/**
 * Tasmota telemetry: topic `tele/<topic>/SENSOR` (default FullTopic `%prefix%/%topic%/`), JSON
 * with `Time`, `TempUnit` ("C" or "F") and one object per sensor keyed by its driver name —
 * `AM2301`, `SI7021`, `SHT3X-0x45`, `DS18B20-1`, BLE `ATCxxxxxx` — so sensors are found by
 * content (an object holding Temperature and/or Humidity), not by name (tasmota/docs AM2301.md;
 * arendst/Tasmota#4771, #4615). `Time` is device local time; only when it carries a UTC offset
 * (newer firmware, e.g. `2024-03-04T10:11:12.345+01:00`) is it an unambiguous device timestamp.
 */
import { jsonObject, numberField, type JsonObject } from './fields.js';
import type { DecodeContext, DecodedObservation, DecodeResult, MqttFormat } from './types.js';

/** The ESP32's own die temperature is reported like a sensor; it measures the chip, not the room. */
const CHIP_KEYS = new Set(['ESP32']);
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})$/;

function deviceOf(topic: string): string | undefined {
  const segments = topic.split('/');
  if (segments.length < 2 || segments.at(-1) !== 'SENSOR') return undefined;
  // Whatever FullTopic order is configured, the device topic is what remains without the
  // telemetry prefix and the SENSOR suffix.
  const device = segments.slice(0, -1).filter((s) => s !== 'tele').join('/');
  return device === '' ? undefined : device;
}

/** UTC ms for a Time with an offset; undefined for local time (the device's zone is unknown). */
export function tasmotaTime(value: unknown): number | undefined {
  if (typeof value !== 'string' || !ISO_WITH_OFFSET.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

function isSensorObject(key: string, value: unknown): value is JsonObject {
  if (CHIP_KEYS.has(key) || typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.hasOwn(value, 'Temperature') || Object.hasOwn(value, 'Humidity');
}

export const tasmota: MqttFormat = {
  name: 'tasmota',
  match: (topic) => deviceOf(topic) !== undefined,
  decode({ topic, payload }: DecodeContext): DecodeResult {
    const device = deviceOf(topic)!;
    const parsed = jsonObject(payload);
    if (!parsed.ok) return { ok: false, detail: parsed.detail };
    const message = parsed.value;
    const unit = message.TempUnit ?? 'C';
    if (unit !== 'C' && unit !== 'F') return { ok: false, detail: `TempUnit ${JSON.stringify(unit)} is neither "C" nor "F"` };
    const deviceTime = tasmotaTime(message.Time);
    const observations: DecodedObservation[] = [];
    for (const [key, value] of Object.entries(message)) {
      if (!isSensorObject(key, value)) continue;
      const observation: DecodedObservation = {
        device,
        channel: key,
        temperature: numberField(value, 'Temperature'),
        temperatureUnit: unit,
        humidity: numberField(value, 'Humidity'),
        battery: numberField(value, 'Battery'),
        link: numberField(value, 'RSSI'),
      };
      if (deviceTime !== undefined) observation.deviceTime = deviceTime;
      observations.push(observation);
    }
    return { ok: true, observations };
  },
};
