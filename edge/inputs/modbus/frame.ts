/**
 * Modbus RTU frames for the two register reads a temperature/humidity sensor needs: Read
 * Holding Registers (0x03) and Read Input Registers (0x04). Encodes requests and finds the
 * reply to a request in the bytes received, skipping stale or foreign bytes (resync on address,
 * function, byte count and CRC). References: Modbus Application Protocol V1.1b3 §6.3, §6.4,
 * §7 (exceptions); Modbus over Serial Line V1.02 §2.5.1 (RTU framing).
 */
import { hasValidCrc, withCrc } from './crc16.js';

export type RegisterFunction = 0x03 | 0x04;

export interface ReadRequest {
  /** Slave address 1–247 (Serial Line §2.2: 0 is broadcast, 248–255 reserved). */
  address: number;
  fn: RegisterFunction;
  /** First register, as the PDU addresses it (XY-MD02 temperature = 1, not 30002). */
  start: number;
  /** Registers to read, 1–125 (Application Protocol §6.3/§6.4). */
  count: number;
}

export type ReplyScan =
  | { kind: 'incomplete' }
  | { kind: 'registers'; registers: number[] }
  | { kind: 'exception'; code: number }
  | { kind: 'crc'; detail: string }
  | { kind: 'malformed'; detail: string };

/** Exception codes, Application Protocol §7. */
const EXCEPTIONS: Record<number, string> = {
  0x01: 'illegal function',
  0x02: 'illegal data address',
  0x03: 'illegal data value',
  0x04: 'server device failure',
  0x05: 'acknowledge',
  0x06: 'server device busy',
  0x08: 'memory parity error',
  0x0a: 'gateway path unavailable',
  0x0b: 'gateway target device failed to respond',
};

export function describeException(code: number): string {
  return `exception 0x${code.toString(16).padStart(2, '0')} (${EXCEPTIONS[code] ?? 'unknown'})`;
}

/** Request ADU: address, function, start (big-endian), quantity (big-endian), CRC (low byte first). */
export function encodeReadRequest(req: ReadRequest): Buffer {
  if (!Number.isInteger(req.address) || req.address < 1 || req.address > 247) throw new RangeError(`Modbus address ${req.address} is outside 1–247`);
  if (!Number.isInteger(req.start) || req.start < 0 || req.start > 0xffff) throw new RangeError(`register ${req.start} is outside 0–65535`);
  if (!Number.isInteger(req.count) || req.count < 1 || req.count > 125) throw new RangeError(`register count ${req.count} is outside 1–125`);
  return withCrc(Uint8Array.of(req.address, req.fn, req.start >>> 8, req.start & 0xff, req.count >>> 8, req.count & 0xff));
}

/** Length of the normal reply: address, function, byte count, 2 bytes per register, CRC. */
export function replyLength(req: ReadRequest): number {
  return 5 + 2 * req.count;
}

/**
 * Looks for the reply to `req` in `rx`. Candidates start at a byte equal to the request's
 * address followed by its function code (or the code | 0x80 of an exception). A candidate whose
 * CRC is wrong is a corrupted reply; bytes that form no candidate are skipped, so a late
 * reply to an earlier request (another address) or line noise before the reply is ignored.
 * Returns `incomplete` while a candidate may still complete; the caller's timeout ends the wait.
 */
export function scanReply(rx: Uint8Array, req: ReadRequest): ReplyScan {
  const expected = replyLength(req);
  // A bad-CRC candidate may be stale bytes that happen to look like a header: keep looking for
  // a valid frame after it, and report the CRC error only when nothing else can complete.
  let badCrc: string | undefined;
  for (let i = 0; i < rx.length; i++) {
    if (rx[i] !== req.address) continue;
    if (i + 1 >= rx.length) return { kind: 'incomplete' };
    const fn = rx[i + 1]!;
    if (fn === (req.fn | 0x80)) {
      if (rx.length - i < 5) return { kind: 'incomplete' };
      const frame = rx.subarray(i, i + 5);
      if (hasValidCrc(frame)) return { kind: 'exception', code: frame[2]! };
      badCrc ??= `exception reply from address ${req.address} has a bad CRC`;
      continue;
    }
    if (fn !== req.fn) continue;
    if (rx.length - i < 3) return { kind: 'incomplete' };
    const byteCount = rx[i + 2]!;
    if (byteCount !== 2 * req.count) {
      // A well-formed frame with the wrong byte count is a wrong answer, not noise.
      const own = rx.subarray(i, i + 5 + byteCount);
      if (own.length === 5 + byteCount && hasValidCrc(own)) {
        return { kind: 'malformed', detail: `reply carries ${byteCount} data bytes, expected ${2 * req.count}` };
      }
      continue;
    }
    if (rx.length - i < expected) return { kind: 'incomplete' };
    const frame = rx.subarray(i, i + expected);
    if (!hasValidCrc(frame)) {
      badCrc ??= `reply from address ${req.address} has a bad CRC`;
      continue;
    }
    const registers: number[] = [];
    for (let r = 0; r < req.count; r++) registers.push((frame[3 + 2 * r]! << 8) | frame[4 + 2 * r]!);
    return { kind: 'registers', registers };
  }
  return badCrc === undefined ? { kind: 'incomplete' } : { kind: 'crc', detail: badCrc };
}

/** Two's complement of a 16-bit register (XY-MD02: 0xFF33 = −205 → −20.5 °C). */
export function toInt16(register: number): number {
  return register & 0x8000 ? register - 0x10000 : register;
}
