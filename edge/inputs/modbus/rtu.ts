/**
 * Modbus RTU master for one half-duplex RS-485 bus: one request at a time, each answered,
 * refused or timed out before the next is sent (Modbus over Serial Line V1.02 §2.4.1: a master
 * has one outstanding request). Before each request it waits the inter-frame silence and
 * discards whatever the line delivered meanwhile, so a late reply to an earlier request is
 * never taken for the answer to the next.
 */
import { performance } from 'node:perf_hooks';
import { encodeReadRequest, scanReply, type ReadRequest } from './frame.js';

/** The byte channel under the master (a SerialChannel); replies come in through receive(). */
export interface RtuLink {
  write(bytes: Buffer): Promise<void>;
  flushInput(): Promise<void>;
}

export interface RtuTiming {
  /** Wait for a complete reply at most this long after the request starts going out (ms). */
  timeoutMs: number;
  /** Silence kept between the end of one transaction and the next request (ms). */
  interFrameDelayMs: number;
}

export type RtuResult =
  | { kind: 'registers'; registers: number[] }
  | { kind: 'exception'; code: number }
  | { kind: 'crc'; detail: string }
  | { kind: 'malformed'; detail: string }
  | { kind: 'timeout'; detail: string }
  | { kind: 'port'; detail: string }
  | { kind: 'aborted' };

/** Garbage on the line must not grow memory: keep at most this many received bytes. */
const MAX_RX_BYTES = 1024;

/**
 * Silent interval between RTU frames: 3.5 character times of 11 bits, fixed at 1.75 ms above
 * 19200 baud (Modbus over Serial Line V1.02 §2.5.1.1). The configured delay may not be shorter.
 */
export function minInterFrameDelayMs(baudRate: number): number {
  return baudRate > 19200 ? 1.75 : (3.5 * 11 * 1000) / baudRate;
}

interface Pending {
  req: ReadRequest;
  resolve(result: RtuResult): void;
  timer?: NodeJS.Timeout;
}

export class RtuMaster {
  private rx: Buffer = Buffer.alloc(0);
  private pending?: Pending;
  private queue: Promise<unknown> = Promise.resolve();
  private lastFrameEnd = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly link: RtuLink,
    private readonly timing: RtuTiming,
  ) {}

  /**
   * Reads `req.count` registers. Calls are queued, never overlap, and never reject: every
   * failure is a result the caller counts.
   */
  read(req: ReadRequest): Promise<RtuResult> {
    const result = this.queue.then(() => this.transact(req));
    this.queue = result;
    return result;
  }

  /** Feed bytes from the line. Bytes arriving while no request is outstanding are stale. */
  receive(chunk: Buffer): void {
    const pending = this.pending;
    if (!pending) return;
    this.rx = Buffer.concat([this.rx, chunk]);
    if (this.rx.length > MAX_RX_BYTES) this.rx = this.rx.subarray(this.rx.length - MAX_RX_BYTES);
    const scan = scanReply(this.rx, pending.req);
    if (scan.kind !== 'incomplete') this.finish(pending, scan);
  }

  /** Ends the outstanding request at once with `aborted` (used by Input.stop). */
  abort(): void {
    if (this.pending) this.finish(this.pending, { kind: 'aborted' });
  }

  private async transact(req: ReadRequest): Promise<RtuResult> {
    const frame = encodeReadRequest(req);
    const wait = this.lastFrameEnd + this.timing.interFrameDelayMs - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, Math.ceil(wait)));
    await this.link.flushInput();
    this.rx = Buffer.alloc(0);
    return new Promise<RtuResult>((resolve) => {
      const pending: Pending = { req, resolve };
      this.pending = pending;
      pending.timer = setTimeout(() => this.finish(pending, this.timedOut()), this.timing.timeoutMs);
      this.link.write(frame).catch((err: unknown) => {
        this.finish(pending, { kind: 'port', detail: `cannot write the request: ${err instanceof Error ? err.message : String(err)}` });
      });
    });
  }

  /** Nothing at all is a timeout; bytes that never formed the reply are a short or garbled frame. */
  private timedOut(): RtuResult {
    if (this.rx.length === 0) return { kind: 'timeout', detail: `no reply within ${this.timing.timeoutMs} ms` };
    return { kind: 'malformed', detail: `${this.rx.length} bytes within ${this.timing.timeoutMs} ms but no complete reply (short or garbled frame)` };
  }

  private finish(pending: Pending, result: RtuResult): void {
    if (this.pending !== pending) return;
    if (pending.timer) clearTimeout(pending.timer);
    this.pending = undefined;
    this.rx = Buffer.alloc(0);
    this.lastFrameEnd = performance.now();
    pending.resolve(result);
  }
}
