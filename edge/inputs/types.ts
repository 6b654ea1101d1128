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
export type EmitReading = (reading: Reading, meta?: ReadingMeta) => Promise<void>;

/** What an input knows about where a reading came from, for duplicate suppression. */
export interface ReadingMeta {
  /**
   * Identifies the device message (and the reading within it, e.g. `<topic>|<sha256 of payload>#0`).
   * The agent keeps recent keys in the outbox so a message redelivered after a crash is
   * recognized even though the input's in-memory state was lost.
   */
  key?: string;
  /** The transport marks this message as possibly delivered before (MQTT DUP flag). */
  redelivered?: boolean;
}

export interface InputContext {
  logger: Logger;
  metrics: EdgeMetrics;
  /** Gateway clock, UTC ms; injected so tests control time. */
  now(): number;
  /** Told of every failed or discarded read, for the agent's status document. */
  onReadError?(reason: string, detail: string): void;
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
