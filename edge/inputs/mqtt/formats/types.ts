/**
 * Device payload formats as typed data (STYLE.md §3): each format is a small object that says
 * which topics are its own and turns one message into raw observations. Formats never judge
 * values (normalization does) and never throw: a payload they cannot read is a failed result.
 * A format whose devices split their state over several messages (Shelly) keeps the last known
 * state per device, so each input builds its own format instance.
 */
import type { TemperatureUnit } from '../../normalize.js';

/** One sensor's values in one message, as the device wrote them. */
export interface DecodedObservation {
  /** Zigbee2MQTT friendly name; Tasmota device topic; Shelly topic prefix; TTS device id. */
  device: string;
  /** Sensor key in a multi-sensor message (Tasmota `AM2301`, `DS18B20-1`; Dragino `SHT`, `DS`). */
  channel?: string;
  /** undefined: the message has no such field; null: present but empty or not a number. */
  temperature?: number | null;
  temperatureUnit?: TemperatureUnit;
  humidity?: number | null;
  battery?: number | null;
  link?: number | null;
  /**
   * UTC ms the message itself states for the measurement, only when unambiguous (an offset or
   * epoch, or a configured zone); normalization still refuses it when implausible.
   */
  deviceTime?: number;
}

/** Why a message yields no reading: unreadable, or the device reports its sensor failed. */
export type DecodeFailure = { ok: false; reason?: 'parse' | 'sensor_error'; detail: string };

export type DecodeResult = { ok: true; observations: DecodedObservation[] } | DecodeFailure;

export interface DecodeContext {
  topic: string;
  payload: Buffer;
  /** Gateway clock (UTC ms) at receipt: stateful formats judge how fresh a remembered value is. */
  now: number;
  /**
   * A retained message replayed at subscribe time (MQTT 3.1.1 §3.3.1.3): of unknown age, so a
   * stateful format must not take it into its device state.
   */
  retained?: boolean;
}

export interface MqttFormat {
  readonly name: string;
  /** Whether the message is a sensor report of this format; others are ignored uncounted. */
  match(topic: string, payload: Buffer): boolean;
  decode(ctx: DecodeContext): DecodeResult;
}
