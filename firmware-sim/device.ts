/**
 * What every simulated device shares: the context the simulator gives it, and the record of
 * what it put on the wire (`EmittedValue`), which end-to-end tests compare with what arrived.
 */
import type { Logger } from '../common/log.js';

/**
 * One value a device emitted, as a correct receiver decodes it (Modbus register 12 → 1.2 °C,
 * "23.10" → 23.1, Tasmota 34.5 °F → 1.39 °C rounded to 0.01), with when it was sent.
 */
export interface EmittedValue {
  /** Wall-clock time the device handed it to the line or the MQTT client, UTC ms (recorded
   * just before the bytes leave, so a receiver never sees a value not yet listed). */
  at: number;
  /** Scenario time of the value, ms since the scenario started. */
  scenarioMs: number;
  tempC?: number;
  rh?: number;
  /** Modbus slave address that answered. */
  address?: number;
  /** Battery %, Zigbee link quality: what a Zigbee2MQTT state carries. */
  battery?: number;
  link?: number;
  /** The time the device stamped on the value (Tasmota `Time`), as UTC ms. */
  deviceTs?: number;
  /** What went on the wire: a text line, an MQTT payload, or a Modbus reply in hex. */
  wire: string;
}

export interface DeviceContext {
  logger: Logger;
  /** Wall clock, UTC ms. */
  now(): number;
  /** Scenario time now, ms since the scenario started (timeScale applied). */
  scenarioTime(): number;
  /** Appends to the device's emitted list. */
  record(value: EmittedValue): void;
}

/** A running simulated device. */
export interface SimulatedDevice {
  /** Starts or restarts talking (text and MQTT devices run their interval; a Modbus slave always answers). */
  resume(): void;
  /** Stops emitting new values until resume(); a write or publish already begun completes. */
  pause(): void;
  /** Stops timers and closes its line or MQTT connection. Safe to call twice. */
  stop(): Promise<void>;
}
