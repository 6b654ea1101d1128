/**
 * Splits the byte stream a Modbus RTU slave receives into request frames. RTU frames are
 * delimited by a silence of 3.5 character times (Modbus over Serial Line V1.02 §2.5.1.1); a
 * pty or the mock binding carries no line timing and may deliver one frame in several chunks,
 * so a frame is also complete as soon as it reaches the length its function code implies.
 */

/** Length of a request ADU (address + PDU + CRC) known from its first bytes, if any. */
export function requestLength(bytes: Uint8Array): number | undefined {
  if (bytes.length < 2) return undefined;
  const fn = bytes[1]!;
  // Modbus Application Protocol V1.1b3 §6.1–6.6: address(1) fn(1) start(2) qty/value(2) crc(2).
  if (fn >= 0x01 && fn <= 0x06) return 8;
  // §6.11, §6.12: address fn start(2) qty(2) byteCount(1) data(byteCount) crc(2).
  if (fn === 0x0f || fn === 0x10) return bytes.length >= 7 ? 9 + bytes[6]! : undefined;
  return undefined;
}

/**
 * t3.5 in ms for a baud rate: 3.5 characters of 11 bits; above 19200 baud the spec fixes it at
 * 1.750 ms (§2.5.1.1). Floored at `floorMs` because Node timers and pty scheduling jitter by
 * milliseconds, and a gap shorter than that jitter would cut frames in two.
 */
export function silenceMs(baudRate: number, floorMs = 20): number {
  const t35 = baudRate > 19200 ? 1.75 : (3.5 * 11 * 1000) / baudRate;
  return Math.max(t35, floorMs);
}

export class RtuFramer {
  private buffer = Buffer.alloc(0);
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param onFrame receives each frame, checked or not: the slave validates the CRC.
   * @param gapMs silence that ends a frame of unknown length (or discards a partial one).
   */
  constructor(
    private readonly onFrame: (frame: Buffer) => void,
    private readonly gapMs: number,
  ) {}

  push(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const length = requestLength(this.buffer);
      if (length === undefined || this.buffer.length < length) break;
      const frame = this.buffer.subarray(0, length);
      this.buffer = this.buffer.subarray(length);
      this.onFrame(Buffer.from(frame));
    }
    this.armSilence();
  }

  /** Drops buffered bytes and the timer. */
  reset(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.buffer = Buffer.alloc(0);
  }

  private armSilence(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const frame = this.buffer;
      this.buffer = Buffer.alloc(0);
      // The silence ends whatever was received: a frame of a function we do not size, or a
      // fragment that the CRC check will reject (the slave then stays silent, §2.5.1.1).
      if (frame.length > 0) this.onFrame(frame);
    }, this.gapMs);
  }
}
