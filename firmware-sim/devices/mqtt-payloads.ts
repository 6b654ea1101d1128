/**
 * Payloads of MQTT sensors exactly as their firmware formats them (reference/devices-and-
 * buffering.md): Zigbee2MQTT state objects and Tasmota tele/<topic>/SENSOR messages. Pure
 * functions: the device runner (mqtt-devices.ts) only schedules and publishes them.
 */
import { round2 } from '../../protocol/reading.js';
import { uniformAt } from '../random.js';
import type { Climate } from '../scenarios.js';

/** What a receiver decodes from a payload, in °C and %. */
export interface DecodedState {
  tempC: number;
  rh: number;
  battery?: number;
  link?: number;
  /** UTC ms the payload's own timestamp designates (Tasmota `Time`). */
  deviceTs?: number;
}

export interface Payload {
  topic: string;
  payload: string;
  decoded: DecodedState;
}

export interface Zigbee2MqttOptions {
  friendlyName: string;
  /** Decimals of temperature and humidity (Aqara WSDCGQ11LM reports 0.01; Z2M's `temperature_precision` may cut it). */
  precision: number;
  /** Base topic; Zigbee2MQTT's default is `zigbee2mqtt`. */
  baseTopic?: string;
}

/**
 * A Zigbee2MQTT state for a climate. Battery drains ~0.1 %/day from a seeded start, CR2032
 * voltage follows it (3.0 V full, 2.5 V empty: assumption), link quality varies per report.
 */
export function zigbee2mqttState(climate: Climate, options: Zigbee2MqttOptions, seed: number, scenarioMs: number, report: number): Payload {
  const days = scenarioMs / 86_400_000;
  const battery = Math.max(0, Math.min(100, Math.round(80 + 20 * uniformAt(seed, 11) - 0.1 * days)));
  const voltage = Math.round(2500 + 5 * battery);
  const linkquality = Math.round(40 + 120 * uniformAt(seed, 12, report));
  const temperature = fixedNumber(climate.tempC, options.precision);
  const humidity = fixedNumber(Math.max(0, Math.min(100, climate.rh)), options.precision);
  // Key order as Zigbee2MQTT publishes a cached state: alphabetical.
  const state = { battery, humidity, linkquality, temperature, voltage };
  return {
    topic: `${options.baseTopic ?? 'zigbee2mqtt'}/${options.friendlyName}`,
    payload: JSON.stringify(state),
    decoded: { tempC: round2(temperature), rh: round2(humidity), battery, link: linkquality },
  };
}

export interface TasmotaOptions {
  /** Tasmota's MQTT `Topic` (tele/<topic>/SENSOR). */
  topic: string;
  /** The sensor object's key: AM2301, SI7021, SHT3X, SHT3X-0x45, ... */
  sensorKey: string;
  tempUnit: 'C' | 'F';
  /** The device's local time zone, minutes east of UTC. */
  utcOffsetMinutes: number;
  /** Append the offset to `Time` (newer firmware, SetOption52) or send bare local time. */
  timeWithOffset: boolean;
  /** Milliseconds in `Time` (newer firmware). */
  timeWithMillis: boolean;
}

/** A Tasmota SENSOR message: TempRes/HumRes default to one decimal; `Time` is local time. */
export function tasmotaSensor(climate: Climate, options: TasmotaOptions, nowMs: number): Payload {
  // Tasmota converts the sensor's value to the configured unit, then rounds to TempRes.
  const inUnit = (c: number): number => (options.tempUnit === 'F' ? c * 1.8 + 32 : c);
  const temperature = Math.round(inUnit(climate.tempC) * 10) / 10;
  const rh = Math.round(Math.max(0, Math.min(100, climate.rh)) * 10) / 10;
  const dewC = dewPointC(climate.tempC, rh);
  const time = tasmotaTime(nowMs, options);
  // Built as text: Tasmota prints a fixed number of decimals ("Humidity":91.0), which
  // JSON.stringify would shorten to 91.
  const payload =
    `{"Time":"${time.text}","${options.sensorKey}":{"Temperature":${fixed1(temperature)},` +
    `"Humidity":${fixed1(rh)},"DewPoint":${fixed1(inUnit(dewC))}},"TempUnit":"${options.tempUnit}"}`;
  return {
    topic: `tele/${options.topic}/SENSOR`,
    payload,
    decoded: {
      tempC: options.tempUnit === 'F' ? round2(((temperature - 32) * 5) / 9) : round2(temperature),
      rh: round2(rh),
      deviceTs: time.utcMs,
    },
  };
}

/** Tasmota `Time`: local ISO 8601 without zone, optionally with milliseconds and offset. */
export function tasmotaTime(nowMs: number, options: Pick<TasmotaOptions, 'utcOffsetMinutes' | 'timeWithOffset' | 'timeWithMillis'>): { text: string; utcMs: number } {
  const utcMs = options.timeWithMillis ? nowMs : Math.floor(nowMs / 1000) * 1000;
  const local = new Date(utcMs + options.utcOffsetMinutes * 60_000).toISOString();
  let text = local.slice(0, options.timeWithMillis ? 23 : 19);
  if (options.timeWithOffset) {
    const sign = options.utcOffsetMinutes < 0 ? '-' : '+';
    const abs = Math.abs(options.utcOffsetMinutes);
    text += `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  }
  return { text, utcMs };
}

/** Magnus formula with Sonntag (1990) coefficients, as Tasmota's CalcTempHumToDew uses. */
export function dewPointC(tempC: number, rh: number): number {
  const gamma = Math.log(Math.max(rh, 0.1) / 100) + (17.62 * tempC) / (243.12 + tempC);
  return (243.12 * gamma) / (17.62 - gamma);
}

function fixedNumber(x: number, decimals: number): number {
  const n = Number(x.toFixed(decimals));
  return Object.is(n, -0) ? 0 : n;
}

function fixed1(x: number): string {
  const s = x.toFixed(1);
  return s === '-0.0' ? '0.0' : s;
}
