import { describe, expect, it } from 'vitest';
import { PacketSizeGuard } from './packet-size-guard.js';

/** Remaining Length encodings from MQTT 3.1.1 §2.2.3, Table 2.4 (first and last of each size). */
const SPEC_LENGTHS: Array<[number, number[]]> = [
  [0, [0x00]],
  [127, [0x7f]],
  [128, [0x80, 0x01]],
  [16_383, [0xff, 0x7f]],
  [16_384, [0x80, 0x80, 0x01]],
  [2_097_151, [0xff, 0xff, 0x7f]],
  [2_097_152, [0x80, 0x80, 0x80, 0x01]],
  [268_435_455, [0xff, 0xff, 0xff, 0x7f]],
];

const PUBLISH_QOS1 = 0x32; // MQTT 3.1.1 §3.3.1: type 3, QoS 1
const PINGREQ = Buffer.from([0xc0, 0x00]); // §3.12

/** A packet with the given Remaining Length (its body bytes are filler; the guard only counts). */
function packet(remainingLength: number): Buffer {
  const encoded = SPEC_LENGTHS.find(([n]) => n === remainingLength)?.[1] ?? encodeLength(remainingLength);
  return Buffer.concat([Buffer.from([PUBLISH_QOS1, ...encoded]), Buffer.alloc(remainingLength, 0x41)]);
}

/** The §2.2.3 algorithm, for lengths not in the table. */
function encodeLength(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return out;
}

function feedAll(guard: PacketSizeGuard, chunks: Buffer[]): number | undefined {
  for (const chunk of chunks) {
    const over = guard.feed(chunk);
    if (over !== undefined) return over;
  }
  return undefined;
}

describe('PacketSizeGuard', () => {
  it('decodes every Remaining Length of the spec table from the header alone', () => {
    for (const [length, encoded] of SPEC_LENGTHS) {
      if (length === 0) continue;
      const header = Buffer.from([PUBLISH_QOS1, ...encoded]);
      expect(new PacketSizeGuard(length - 1).feed(header)).toBe(length);
      expect(new PacketSizeGuard(length).feed(header)).toBeUndefined();
    }
  });

  it('follows packet boundaries through a stream, whole or split byte by byte', () => {
    const stream = Buffer.concat([packet(100), PINGREQ, packet(20_000), PINGREQ, packet(0), packet(128)]);
    expect(new PacketSizeGuard(20_000).feed(stream)).toBeUndefined();
    expect(feedAll(new PacketSizeGuard(20_000), [...stream].map((b) => Buffer.from([b])))).toBeUndefined();
  });

  it('reports an oversize packet that follows smaller ones, before its body arrives', () => {
    const header = Buffer.from([PUBLISH_QOS1, 0x80, 0x80, 0x80, 0x01]); // 2,097,152 bytes announced
    expect(feedAll(new PacketSizeGuard(100_000), [packet(10), PINGREQ, header])).toBe(2_097_152);
  });

  it('reads a Remaining Length split across chunks', () => {
    const guard = new PacketSizeGuard(200);
    expect(guard.feed(Buffer.from([PUBLISH_QOS1, 0xac]))).toBeUndefined(); // continuation bit set
    expect(guard.feed(Buffer.from([0x02]))).toBe(300); // 0x2c + 2 × 128
  });
});
