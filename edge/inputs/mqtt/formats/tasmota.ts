/**
 * Tasmota telemetry: topic `tele/<topic>/SENSOR` (default FullTopic `%prefix%/%topic%/`), JSON
 * with `Time`, `TempUnit` ("C" or "F") and one object per sensor keyed by its driver name —
 * `AM2301`, `SI7021`, `SHT3X-0x45`, `DS18B20-1`, BLE `ATCxxxxxx` — so sensors are found by
 * content (an object holding Temperature and/or Humidity), not by name (tasmota/docs AM2301.md;
 * arendst/Tasmota#4771, #4615). Temperatures are in `TempUnit` (SetOption8 1 gives °F).
 *
 * Time (arendst/Tasmota support.ino ResponseGetTime, support_rtc.ino GetDateAndTime): by default
 * `Time` is the device's local wall-clock time without an offset, which cannot be placed on the
 * UTC axis by itself; SetOption52 1 appends the offset (`2024-03-04T10:11:12+01:00`); time
 * format 1 adds `"Epoch"` (Unix seconds, UTC) and format 2 makes `Time` itself Unix seconds.
 * Those are used as the device time. A local `Time` is used only when the input names the
 * device's zone (`timezone`); otherwise the gateway's clock stamps the reading, since the
 * message left the device moments ago (Tasmota publishes telemetry live, never from a log).
 */
import { jsonObject, numberField, type JsonObject } from './fields.js';
import { isoWithOffset, localIsoToUtc } from './time.js';
import type { DecodeContext, DecodedObservation, DecodeResult, MqttFormat } from './types.js';

/** The ESP32's own die temperature is reported like a sensor; it measures the chip, not the room. */
const CHIP_KEYS = new Set(['ESP32']);

function deviceOf(topic: string): string | undefined {
  const segments = topic.split('/');
  if (segments.length < 2 || segments.at(-1) !== 'SENSOR') return undefined;
  // Whatever FullTopic order is configured, the device topic is what remains without the
  // telemetry prefix and the SENSOR suffix.
  const device = segments.slice(0, -1).filter((s) => s !== 'tele').join('/');
  return device === '' ? undefined : device;
}

/**
 * UTC ms of a Tasmota message's time, or undefined when it cannot be known: `Time` as Unix
 * seconds, then `Epoch`, then `Time` with an offset, then a local `Time` in `timeZone`.
 */
export function tasmotaTime(message: JsonObject, timeZone?: string): number | undefined {
  const { Time: time, Epoch: epoch } = message;
  if (typeof time === 'number' && Number.isFinite(time)) return time * 1000;
  if (typeof epoch === 'number' && Number.isFinite(epoch)) return epoch * 1000;
  return isoWithOffset(time) ?? localIsoToUtc(time, timeZone);
}

function isSensorObject(key: string, value: unknown): value is JsonObject {
  if (CHIP_KEYS.has(key) || typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.hasOwn(value, 'Temperature') || Object.hasOwn(value, 'Humidity');
}

export interface TasmotaOptions {
  /** IANA zone of the devices' local `Time` (Tasmota's `Timezone`/`TimeStd`/`TimeDst` setting). */
  timeZone?: string;
}

export function createTasmotaFormat(options: TasmotaOptions = {}): MqttFormat {
  return {
    name: 'tasmota',
    match: (topic) => deviceOf(topic) !== undefined,
    decode: (ctx) => decodeTasmota(ctx, options.timeZone),
  };
}

export const tasmota: MqttFormat = createTasmotaFormat();

function decodeTasmota({ topic, payload }: DecodeContext, timeZone: string | undefined): DecodeResult {
  const device = deviceOf(topic)!;
  const parsed = jsonObject(payload);
  if (!parsed.ok) return { ok: false, detail: parsed.detail };
  const message = parsed.value;
  const unit = message.TempUnit ?? 'C';
  if (unit !== 'C' && unit !== 'F') return { ok: false, detail: `TempUnit ${JSON.stringify(unit)} is neither "C" nor "F"` };
  const deviceTime = tasmotaTime(message, timeZone);
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
}
