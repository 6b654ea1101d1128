import { describe, expect, it } from 'vitest';
import { withCrc } from './crc16.js';
import { describeException, encodeReadRequest, scanReply, toInt16, type ReadRequest } from './frame.js';

const req: ReadRequest = { address: 1, fn: 0x04, start: 1, count: 2 };
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
/** XY-MD02 reply: 23.4 °C (0x00EA), 45.6 % (0x01C8). */
const reply = withCrc(Uint8Array.of(0x01, 0x04, 0x04, 0x00, 0xea, 0x01, 0xc8));

describe('encodeReadRequest', () => {
  it('encodes address 1, function 4, registers 1..2 as the XY-MD02 manual shows', () => {
    expect(hex(encodeReadRequest(req))).toBe('01040001000220' + '0b');
  });

  it('encodes function 3 and another address with its own CRC', () => {
    // Read Holding Registers 0x0101 (the XY-MD02 address register), one register, slave 1.
    expect(hex(encodeReadRequest({ address: 1, fn: 0x03, start: 0x0101, count: 1 }))).toBe('010301010001d436');
  });

  it('refuses addresses and counts outside the protocol', () => {
    expect(() => encodeReadRequest({ ...req, address: 0 })).toThrow(RangeError);
    expect(() => encodeReadRequest({ ...req, address: 248 })).toThrow(RangeError);
    expect(() => encodeReadRequest({ ...req, count: 126 })).toThrow(RangeError);
  });
});

describe('scanReply', () => {
  it('decodes a normal reply', () => {
    expect(scanReply(reply, req)).toEqual({ kind: 'registers', registers: [0x00ea, 0x01c8] });
  });

  it('waits while the reply is incomplete (a short frame so far)', () => {
    for (let n = 0; n < reply.length; n++) expect(scanReply(reply.subarray(0, n), req).kind).toBe('incomplete');
  });

  it('reports a bad CRC', () => {
    const bad = Buffer.from(reply);
    bad[bad.length - 1]! ^= 0xff;
    expect(scanReply(bad, req).kind).toBe('crc');
  });

  it('reports a corrupted data byte as a CRC error', () => {
    const bad = Buffer.from(reply);
    bad[4] = 0xeb;
    expect(scanReply(bad, req).kind).toBe('crc');
  });

  it('decodes an exception response (illegal data address)', () => {
    const exception = withCrc(Uint8Array.of(0x01, 0x84, 0x02));
    expect(scanReply(exception, req)).toEqual({ kind: 'exception', code: 2 });
    expect(describeException(2)).toContain('illegal data address');
  });

  it('treats an exception with a bad CRC as a CRC error', () => {
    const bad = Buffer.from(withCrc(Uint8Array.of(0x01, 0x84, 0x02)));
    bad[4]! ^= 1;
    expect(scanReply(bad, req).kind).toBe('crc');
  });

  it('calls a valid frame with the wrong byte count malformed', () => {
    const short = withCrc(Uint8Array.of(0x01, 0x04, 0x02, 0x00, 0xea));
    expect(scanReply(short, req).kind).toBe('malformed');
  });

  it('skips stale bytes and a reply from another address before the reply', () => {
    const other = withCrc(Uint8Array.of(0x02, 0x04, 0x04, 0x00, 0x10, 0x00, 0x20));
    const rx = Buffer.concat([Buffer.from([0x00, 0xff, 0x13]), other, reply]);
    expect(scanReply(rx, req)).toEqual({ kind: 'registers', registers: [0x00ea, 0x01c8] });
  });

  it('finds the real reply after a false header in noise', () => {
    // 01 04 04 in line noise looks like a header; its "frame" fails the CRC, the real one follows.
    const rx = Buffer.concat([Buffer.from([0x01, 0x04, 0x04, 0x99]), reply]);
    expect(scanReply(rx, req)).toEqual({ kind: 'registers', registers: [0x00ea, 0x01c8] });
  });

  it('does not take a reply to another function for this one', () => {
    const fn3 = withCrc(Uint8Array.of(0x01, 0x03, 0x04, 0x00, 0xea, 0x01, 0xc8));
    expect(scanReply(fn3, req).kind).toBe('incomplete');
  });
});

describe('toInt16', () => {
  it('reads two\'s complement registers (XY-MD02: 0xFF33 is −20.5 °C ×10)', () => {
    expect(toInt16(0xff33)).toBe(-205);
    expect(toInt16(0x00ea)).toBe(234);
    expect(toInt16(0x8000)).toBe(-32768);
  });
});
