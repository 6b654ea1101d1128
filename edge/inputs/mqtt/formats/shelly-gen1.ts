/**
 * Shelly Gen1 over MQTT: one plain number per topic, no timestamp (Shelly Gen1 API docs,
 * https://shelly-api-docs.shelly.cloud/gen1/ "Shelly H&T: MQTT" and "Shelly1: MQTT"):
 *   shellies/<id>/sensor/temperature    °C or °F "depending on configuration"
 *   shellies/<id>/sensor/humidity       RH in %
 *   shellies/<id>/sensor/battery        battery level in %
 *   shellies/<id>/sensor/error          "if different from 0, there is an error with the sensor"
 *   shellies/<id>/ext_temperature/<i>   temperature add-on probe <i>, °C (ext_temperature_f/<i>
 *                                       repeats it in °F and is ignored)
 *   shellies/<id>/ext_humidity/<i>      DHT22 on the add-on, RH in %
 *
 * Combining: an H&T wakes, publishes temperature, humidity and battery within a second or two,
 * and sleeps for minutes to hours. Each temperature or humidity message becomes one reading,
 * joined with the device's other value and battery when those arrived within PAIR_WINDOW_MS,
 * i.e. in the same wake. An older value is left out rather than passed off as measured now, so
 * a wake yields a temperature reading and then a temperature + humidity reading.
 */
import { LIMITS } from '../../../../protocol/reading.js';
import { fahrenheitToCelsius, type TemperatureUnit } from '../../normalize.js';
import { numberValue } from './fields.js';
import type { DecodeContext, DecodedObservation, DecodeResult, MqttFormat } from './types.js';

/** Values of one wake arrive within about a second; a minute leaves room for a slow Wi-Fi join. */
export const PAIR_WINDOW_MS = 60_000;

type Quantity = 'temperature' | 'humidity' | 'battery';

interface ShellyTopic {
  device: string;
  channel?: string;
  kind: Quantity | 'error';
  unit: TemperatureUnit;
}

interface Remembered {
  value: number;
  at: number;
}

export interface ShellyGen1Options {
  /** Unit of `sensor/temperature`, as set in the device (Settings → temperature units). */
  temperatureUnit?: TemperatureUnit;
}

export function createShellyGen1Format(options: ShellyGen1Options = {}): MqttFormat {
  const unit = options.temperatureUnit ?? 'C';
  /** Last plausible value per `device|channel` and quantity; one entry per sensor. */
  const state = new Map<string, Partial<Record<Quantity, Remembered>>>();

  return {
    name: 'shelly-gen1',
    match: (topic) => parseTopic(topic, unit) !== undefined,
    decode({ topic, payload, now, retained }: DecodeContext): DecodeResult {
      const t = parseTopic(topic, unit)!;
      const text = payload.toString('utf8').trim();
      const value = numberValue(text);
      if (t.kind === 'error') {
        if (value === 0) return { ok: true, observations: [] };
        return { ok: false, reason: 'sensor_error', detail: `the device reports sensor error ${JSON.stringify(text)}` };
      }
      const key = `${t.device}|${t.channel ?? ''}`;
      const known = state.get(key) ?? {};
      state.set(key, known);
      if (retained) {
        // Its age is unknown: joining it to a live value would misdate it (the input also skips its reading).
      } else if (value !== null && isPlausible(t.kind, value, t.unit)) {
        known[t.kind] = { value: toStored(t.kind, value, t.unit), at: now };
      } else {
        delete known[t.kind]; // never pair a value the device itself no longer stands behind
      }
      if (t.kind === 'battery') return { ok: true, observations: [] };

      const fresh = (q: Quantity): number | undefined => {
        const r = known[q];
        return r !== undefined && now - r.at <= PAIR_WINDOW_MS ? r.value : undefined;
      };
      // The message's own value goes through as sent (normalization judges and counts it);
      // the partner value is the remembered one, already in °C.
      const observation: DecodedObservation =
        t.kind === 'temperature'
          ? { device: t.device, temperature: value, temperatureUnit: t.unit, humidity: fresh('humidity') }
          : { device: t.device, temperature: fresh('temperature'), temperatureUnit: 'C', humidity: value };
      if (t.channel !== undefined) observation.channel = t.channel;
      const battery = fresh('battery');
      if (battery !== undefined) observation.battery = battery;
      return { ok: true, observations: [observation] };
    },
  };
}

/** `<prefix>/sensor/<kind>` or `<prefix>/ext_temperature|ext_humidity/<i>`; the device is the prefix without `shellies/`. */
function parseTopic(topic: string, unit: TemperatureUnit): ShellyTopic | undefined {
  const segments = topic.split('/');
  if (segments.length < 3) return undefined;
  const [group, last] = segments.slice(-2) as [string, string];
  const device = segments.slice(segments[0] === 'shellies' ? 1 : 0, -2).join('/');
  if (device === '') return undefined;
  if (group === 'sensor') {
    if (last === 'temperature') return { device, kind: 'temperature', unit };
    if (last === 'humidity' || last === 'battery' || last === 'error') return { device, kind: last, unit };
    return undefined;
  }
  if (!/^\d+$/.test(last)) return undefined;
  if (group === 'ext_temperature') return { device, channel: `ext-${last}`, kind: 'temperature', unit: 'C' };
  if (group === 'ext_humidity') return { device, channel: `ext-${last}`, kind: 'humidity', unit: 'C' };
  return undefined;
}

function toStored(kind: Quantity, value: number, unit: TemperatureUnit): number {
  return kind === 'temperature' && unit === 'F' ? fahrenheitToCelsius(value) : value;
}

/** Only values that could be readings are remembered for pairing (a −127 probe is not). */
function isPlausible(kind: Quantity, value: number, unit: TemperatureUnit): boolean {
  if (!Number.isFinite(value)) return false;
  const v = toStored(kind, value, unit);
  const limits = kind === 'temperature' ? LIMITS.tempC : kind === 'humidity' ? LIMITS.rh : LIMITS.battery;
  return v >= limits.min && v <= limits.max;
}
