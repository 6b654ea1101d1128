/**
 * The edge input plugin contract (STYLE.md §1). An input turns one device channel (a serial
 * bus, a serial line stream, an MQTT subscription) into normalized Readings.
 */
import type { Logger } from '../../common/log.js';
import type { Reading } from '../../protocol/reading.js';
import type { EdgeMetrics } from '../metrics.js';

/**
 * Called once per reading. The returned promise resolves when the agent has durably accepted
 * the reading (written to the outbox journal); an input that can acknowledge its device (an
 * MQTT message) should do so only then. Calls may overlap; the agent keeps their order.
 */
export type EmitReading = (reading: Reading) => Promise<void>;

export interface InputContext {
  logger: Logger;
  metrics: EdgeMetrics;
  /** Gateway clock, UTC ms; injected so tests control time. */
  now(): number;
}

export interface Input {
  /** The configured input name, used in logs, metrics and `Reading.src`. */
  readonly name: string;
  /**
   * Opens the device channel and begins emitting. Resolves once the channel is open (a port
   * that cannot be opened rejects with a message naming it). Called once.
   */
  start(emit: EmitReading): Promise<void>;
  /**
   * Stops polling or subscribing and closes the channel. No emit call starts after stop()
   * resolves. Safe to call twice.
   */
  stop(): Promise<void>;
}
