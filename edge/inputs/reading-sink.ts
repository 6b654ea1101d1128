/**
 * What every input emits through: normalizes an observation, counts it (`readings` or
 * `readErrors{reason}`), logs failures without flooding the log, and hands valid readings to the
 * agent. Once closed it emits nothing more, which is how inputs keep the stop() promise.
 */
import { errorMessage } from '../../common/errors.js';
import { normalizeObservation, type RawObservation } from './normalize.js';
import type { EmitReading, InputContext, ReadingMeta } from './types.js';

/** Label values of `freshtrail_edge_read_errors_total{reason}`. */
export type ReadErrorReason =
  | 'timeout' // a device did not answer in time (Modbus)
  | 'crc' // a frame failed its checksum (Modbus)
  | 'malformed' // a frame was short, garbled or not the reply asked for (Modbus)
  | 'exception' // the device answered with a Modbus exception
  | 'sensor_error' // the device itself reported a failed measurement
  | 'parse' // a line or message could not be understood
  | 'invalid_value' // understood, but physically impossible or a "no value" sentinel
  | 'unmapped' // a device no mapping names, and the input has no default location
  | 'port'; // the serial port is gone (unplugged adapter) and is being reopened

/** accepted: the agent durably took the reading; invalid: counted and dropped; failed: the agent could not take it. */
export type OfferResult = 'accepted' | 'invalid' | 'failed';

/** Repeated failures of one reason are logged at warn at most this often, the rest at debug. */
const WARN_INTERVAL_MS = 60_000;

export class ReadingSink {
  private closed = false;
  /** When each kind of message (a read error reason, or a refusal) was last logged loudly. */
  private readonly lastWarn = new Map<string, number>();

  constructor(
    private readonly input: string,
    private readonly ctx: InputContext,
    private readonly emit: EmitReading,
  ) {}

  /** Normalizes and emits one observation. Never rejects. */
  async offer(raw: RawObservation, meta?: ReadingMeta): Promise<OfferResult> {
    if (this.closed) return 'failed';
    const outcome = normalizeObservation(raw, this.ctx.now());
    if (!outcome.ok) {
      this.fail(outcome.reason, outcome.detail, { sensor: raw.sensor.id, src: raw.src });
      return 'invalid';
    }
    this.ctx.metrics.readings.inc({ input: this.input });
    try {
      await this.emit(outcome.reading, meta);
      return 'accepted';
    } catch (err) {
      // The agent could not journal the reading (outbox full, disk error, outbox closed): say
      // so, at most once a minute; the input decides whether its device can resend (an
      // unacknowledged MQTT message is).
      const level = this.loudNow('refused') ? 'error' : 'debug';
      this.ctx.logger[level]({ err: errorMessage(err), sensor: outcome.reading.sensor }, 'the agent did not accept a reading');
      return 'failed';
    }
  }

  /** Counts one failed read and logs it, at warn at most once a minute per reason. */
  fail(reason: ReadErrorReason, detail: string, fields: Record<string, string | number> = {}): void {
    this.ctx.metrics.readErrors.inc({ input: this.input, reason });
    this.ctx.onReadError?.(reason, detail);
    this.ctx.logger[this.loudNow(reason) ? 'warn' : 'debug']({ reason, ...fields }, `read error: ${detail}`);
  }

  /** True at most once per WARN_INTERVAL_MS per kind of message: the rest goes to debug. */
  private loudNow(kind: string): boolean {
    const now = this.ctx.now();
    const last = this.lastWarn.get(kind);
    if (last !== undefined && now - last < WARN_INTERVAL_MS) return false;
    this.lastWarn.set(kind, now);
    return true;
  }

  /** After close() no observation is emitted; called at the start of Input.stop(). */
  close(): void {
    this.closed = true;
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
