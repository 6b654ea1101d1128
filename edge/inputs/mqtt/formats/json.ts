/**
 * Any JSON sensor message, read through a configured field mapping: where the temperature,
 * humidity, battery, timestamp and device name are, written as a JSON Pointer (RFC 6901,
 * `/data/temp`, `/readings/0/t`) or a dotted path (`data.temp`, `readings.0.t`). For devices
 * and bridges no built-in format covers (ESPHome, OpenMQTTGateway, a PLC, a custom logger).
 * The message does not state its temperature unit; the input's `temperatureUnit` does.
 */
import type { TemperatureUnit } from '../../normalize.js';
import { jsonObject, numberValue, type JsonObject } from './fields.js';
import { parseTimestamp, type TimestampFormat } from './time.js';
import type { DecodeContext, DecodedObservation, DecodeResult, MqttFormat } from './types.js';

export interface JsonFieldMapping {
  temperature?: string;
  humidity?: string;
  battery?: string;
  timestamp?: string;
  timestampFormat?: TimestampFormat;
  /** Where the device names itself; without it the topic names the device. */
  device?: string;
}

export interface JsonFormatOptions {
  fields: JsonFieldMapping;
  temperatureUnit?: TemperatureUnit;
  /** IANA zone for ISO timestamps without an offset. */
  timeZone?: string;
}

/** Path tokens of a JSON Pointer (leading `/`) or a dotted path; throws on an empty path. */
export function parsePath(path: string): string[] {
  if (path === '') throw new Error('a field path must not be empty');
  if (path.startsWith('/')) return path.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  const tokens = path.split('.');
  if (tokens.some((t) => t === '')) throw new Error(`${JSON.stringify(path)} has an empty segment`);
  return tokens;
}

/** The value at a path; undefined when any step is missing. Array steps are decimal indexes. */
export function valueAt(root: unknown, tokens: readonly string[]): unknown {
  let node = root;
  for (const token of tokens) {
    if (Array.isArray(node)) {
      if (!/^(?:0|[1-9]\d*)$/.test(token)) return undefined;
      node = node[Number(token)];
    } else if (typeof node === 'object' && node !== null && Object.hasOwn(node, token)) {
      node = (node as JsonObject)[token];
    } else {
      return undefined;
    }
  }
  return node;
}

export function createJsonFormat(options: JsonFormatOptions): MqttFormat {
  const { fields } = options;
  const compile = (p: string | undefined): string[] | undefined => (p === undefined ? undefined : parsePath(p));
  const paths = {
    temperature: compile(fields.temperature),
    humidity: compile(fields.humidity),
    battery: compile(fields.battery),
    timestamp: compile(fields.timestamp),
    device: compile(fields.device),
  };
  const read = (message: JsonObject, tokens: string[] | undefined): number | null | undefined => {
    if (tokens === undefined) return undefined;
    const v = valueAt(message, tokens);
    return v === undefined ? undefined : numberValue(v);
  };

  return {
    name: 'json',
    // The subscription (`topics`, required for this format) already says which topics are sensors.
    match: () => true,
    decode({ topic, payload }: DecodeContext): DecodeResult {
      const parsed = jsonObject(payload);
      if (!parsed.ok) return { ok: false, detail: parsed.detail };
      const message = parsed.value;
      let device = topic;
      if (paths.device !== undefined) {
        const named = valueAt(message, paths.device);
        if (typeof named !== 'string' && typeof named !== 'number') return { ok: false, detail: `no device name at ${fields.device}` };
        device = String(named);
        if (device === '') return { ok: false, detail: `the device name at ${fields.device} is empty` };
      }
      const temperature = read(message, paths.temperature);
      const humidity = read(message, paths.humidity);
      // A message on the same topic without either field (a status, an event) is not a reading.
      if (temperature === undefined && humidity === undefined) return { ok: true, observations: [] };
      const observation: DecodedObservation = { device, temperature, temperatureUnit: options.temperatureUnit ?? 'C', humidity };
      const battery = read(message, paths.battery);
      if (battery !== undefined) observation.battery = battery;
      if (paths.timestamp !== undefined) {
        const ts = parseTimestamp(valueAt(message, paths.timestamp), fields.timestampFormat ?? 'auto', options.timeZone);
        if (ts !== undefined && Number.isFinite(ts)) observation.deviceTime = ts;
      }
      return { ok: true, observations: [observation] };
    },
  };
}
