/**
 * Device payload formats as typed data (STYLE.md §3): each format is a small object that says
 * which topics are its own and turns one message into raw observations. Formats never judge
 * values (normalization does) and never throw: a payload they cannot read is a `parse` result.
 */
import type { TemperatureUnit } from '../../normalize.js';

/** One sensor's values in one message, as the device wrote them. */
export interface DecodedObservation {
  /** Zigbee2MQTT friendly name; Tasmota device topic. */
  device: string;
  /** Sensor key in a multi-sensor message (Tasmota `AM2301`, `DS18B20-1`). */
  channel?: string;
  /** undefined: the message has no such field; null: present but empty or not a number. */
  temperature?: number | null;
  temperatureUnit?: TemperatureUnit;
  humidity?: number | null;
  battery?: number | null;
  link?: number | null;
  /** UTC ms when the device's own time is unambiguous (carries a UTC offset). */
  deviceTime?: number;
}

export type DecodeResult = { ok: true; observations: DecodedObservation[] } | { ok: false; detail: string };

export interface DecodeContext {
  topic: string;
  payload: Buffer;
}

export interface MqttFormat {
  readonly name: string;
  /** Whether the message is a sensor report of this format; others are ignored uncounted. */
  match(topic: string, payload: Buffer): boolean;
  decode(ctx: DecodeContext): DecodeResult;
}
