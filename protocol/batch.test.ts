import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ERRORS, FreshTrailError, type ErrorCode } from '../common/errors.js';
import {
  checkEnvelope,
  decodeEnvelope,
  DEFAULT_MAX_ENVELOPE_BYTES,
  encodeEnvelope,
  GATEWAY_ID_PATTERN,
  GENESIS_PREV,
  MAX_READINGS_PER_BATCH,
  sealBatch,
  verifySealedBatch,
  type Batch,
} from './batch.js';
import { canonicalJson, type CanonicalValue } from './canonical.js';
import { keyPairFromSeed, publicKeyFromHex } from './keys.js';
import type { Reading } from './reading.js';

const gatewayKey = keyPairFromSeed('11'.repeat(32));
const otherKey = keyPairFromSeed('22'.repeat(32));
const T = 1_767_225_600_000;

function reading(over: Partial<Reading> = {}): Reading {
  return { sensor: 's1', location: 'cold-room-1', ts: T, tsSource: 'gateway', tempC: 1.5, src: 'modbus:/dev/ttyUSB0#1', ...over };
}

function batch(over: Partial<Batch> = {}): Batch {
  return { v: 1, gateway: 'gw-1', seq: 1, prev: GENESIS_PREV, createdAt: T + 1000, readings: [reading()], ...over };
}

function codeOf(f: () => unknown): ErrorCode | 'no error' {
  try {
    f();
    return 'no error';
  } catch (err) {
    if (err instanceof FreshTrailError) return err.code;
    throw err;
  }
}

/** Encodes an arbitrary (possibly invalid) envelope as JSON bytes. */
const wire = (envelope: unknown): Buffer => Buffer.from(JSON.stringify(envelope), 'utf8');
const validSig = 'ab'.repeat(64);

describe('sealBatch and verification', () => {
  it('signs the canonical bytes and names the batch by their SHA-256', () => {
    const b = batch();
    const sealed = sealBatch(b, gatewayKey.privateKey);
    expect(sealed.canonical.toString('utf8')).toBe(canonicalJson(b as unknown as CanonicalValue));
    expect(sealed.id).toBe(createHash('sha256').update(sealed.canonical).digest('hex'));
    expect(sealed.sig).toMatch(/^[0-9a-f]{128}$/);
    expect(verifySealedBatch(sealed, publicKeyFromHex(gatewayKey.publicKeyHex))).toBe(true);
    expect(verifySealedBatch(sealed, publicKeyFromHex(otherKey.publicKeyHex))).toBe(false);
  });

  it('is deterministic: the same batch gives the same id and signature', () => {
    const a = sealBatch(batch(), gatewayKey.privateKey);
    const b = sealBatch(structuredClone(batch()), gatewayKey.privateKey);
    expect([b.id, b.sig]).toEqual([a.id, a.sig]);
  });

  it('fails verification after any change to a reading', () => {
    const sealed = sealBatch(batch(), gatewayKey.privateKey);
    const tampered = structuredClone(sealed.batch);
    tampered.readings[0]!.tempC = 1.6;
    const received = decodeEnvelope(encodeEnvelope({ batch: tampered, sig: sealed.sig }));
    expect(received.id).not.toBe(sealed.id);
    expect(verifySealedBatch(received, publicKeyFromHex(gatewayKey.publicKeyHex))).toBe(false);
  });
});

describe('encodeEnvelope and decodeEnvelope', () => {
  it('round-trips: the receiver computes the same canonical bytes and id', () => {
    const sealed = sealBatch(batch({ readings: [reading({ rh: 91.25, battery: 80, link: -70 }), reading({ tempC: undefined, rh: 50 })] }), gatewayKey.privateKey);
    const received = decodeEnvelope(encodeEnvelope(sealed));
    expect(received.id).toBe(sealed.id);
    expect(received.canonical.equals(sealed.canonical)).toBe(true);
    expect(received.sig).toBe(sealed.sig);
    expect(verifySealedBatch(received, publicKeyFromHex(gatewayKey.publicKeyHex))).toBe(true);
  });

  it('writes the wire form canonically: {"batch":…,"sig":…}', () => {
    const sealed = sealBatch(batch(), gatewayKey.privateKey);
    expect(encodeEnvelope(sealed).toString('utf8')).toBe(`{"batch":${sealed.canonical.toString('utf8')},"sig":"${sealed.sig}"}`);
  });

  it('accepts a non-canonical wire text of the same values with the same id', () => {
    const sealed = sealBatch(batch({ readings: [reading({ tempC: 2 })] }), gatewayKey.privateKey);
    const text = `{ "sig" : "${sealed.sig}", "batch": ${JSON.stringify(sealed.batch, null, 2).replace('"tempC": 2', '"tempC": 2.00')} }`;
    expect(text).toContain('2.00');
    const received = decodeEnvelope(Buffer.from(text));
    expect(received.id).toBe(sealed.id);
    expect(verifySealedBatch(received, publicKeyFromHex(gatewayKey.publicKeyHex))).toBe(true);
  });

  it('accepts checkEnvelope on an already parsed object', () => {
    const sealed = sealBatch(batch(), gatewayKey.privateKey);
    expect(checkEnvelope(JSON.parse(encodeEnvelope(sealed).toString('utf8'))).id).toBe(sealed.id);
  });
});

describe('decodeEnvelope rejections', () => {
  const good = { batch: batch(), sig: validSig };
  const withBatch = (over: Record<string, unknown>) => wire({ batch: { ...batch(), ...over }, sig: validSig });
  const withReading = (over: Record<string, unknown>) => withBatch({ readings: [{ ...reading(), ...over }] });

  it('accepts the base case used below', () => {
    expect(codeOf(() => decodeEnvelope(wire(good)))).toBe('no error');
  });

  it('FT_ERR_TOO_LARGE above the limit, counted in bytes before parsing', () => {
    const bytes = wire(good);
    expect(codeOf(() => decodeEnvelope(bytes, bytes.length))).toBe('no error');
    expect(codeOf(() => decodeEnvelope(bytes, bytes.length - 1))).toBe('FT_ERR_TOO_LARGE');
    expect(codeOf(() => decodeEnvelope(Buffer.alloc(DEFAULT_MAX_ENVELOPE_BYTES + 1, 0x20)))).toBe('FT_ERR_TOO_LARGE');
    expect(ERRORS.FT_ERR_TOO_LARGE.http).toBe(413);
  });

  it.each([
    ['truncated JSON', Buffer.from('{"batch":{')],
    ['empty input', Buffer.alloc(0)],
    ['invalid UTF-8', Buffer.concat([Buffer.from('{"batch":{},"sig":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')])],
    ['a UTF-8 byte order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), wire(good)])],
    ['an array', wire([good])],
    ['null', wire(null)],
    ['batch missing', wire({ sig: validSig })],
    ['batch not an object', wire({ batch: [], sig: validSig })],
    ['sig not a string', wire({ batch: batch(), sig: 1 })],
  ])('FT_ERR_MALFORMED for %s', (_, bytes) => {
    expect(codeOf(() => decodeEnvelope(bytes))).toBe('FT_ERR_MALFORMED');
  });

  it.each([
    ['v 2', { v: 2 }],
    ['v "1"', { v: '1' }],
    ['v true', { v: true }],
    ['v missing', { v: undefined }],
  ])('FT_ERR_UNSUPPORTED_VERSION for %s', (_, over) => {
    expect(codeOf(() => decodeEnvelope(withBatch(over)))).toBe('FT_ERR_UNSUPPORTED_VERSION');
  });

  it.each([
    ['an unknown envelope member', wire({ ...good, note: 'x' })],
    ['an unknown batch member', withBatch({ site: 'x' })],
    ['an unknown reading member', withReading({ tempF: 34 })],
    ['gateway with "/"', withBatch({ gateway: 'site/gw' })],
    ['gateway with "#"', withBatch({ gateway: 'gw#1' })],
    ['gateway of 129 characters', withBatch({ gateway: 'g'.repeat(129) })],
    ['seq 0', withBatch({ seq: 0 })],
    ['seq 1.5', withBatch({ seq: 1.5 })],
    ['seq 2^53', withBatch({ seq: 2 ** 53, prev: '1'.repeat(64) })],
    ['prev of seq 1 not zeros', withBatch({ prev: '1'.repeat(64) })],
    ['prev too short', withBatch({ seq: 2, prev: '1'.repeat(63) })],
    ['createdAt as an ISO string', withBatch({ createdAt: '2026-01-01T00:00:00Z' })],
    ['no readings', withBatch({ readings: [] })],
    ['too many readings', withBatch({ readings: Array.from({ length: MAX_READINGS_PER_BATCH + 1 }, () => reading()) })],
    ['tempC with three fraction digits', withReading({ tempC: 1.005 })],
    ['tempC below -80', withReading({ tempC: -80.01 })],
    ['rh above 100', withReading({ rh: 100.01 })],
    ['battery above 100', withReading({ battery: 101 })],
    ['link not an integer', withReading({ link: 1.5 })],
    ['link above 255', withReading({ link: 256 })],
    ['neither tempC nor rh', withReading({ tempC: undefined })],
    ['tsSource "ntp"', withReading({ tsSource: 'ntp' })],
    ['ts negative', withReading({ ts: -1 })],
    ['sensor with a backslash', withReading({ sensor: 'a\\b' })],
    ['location with a tab', withReading({ location: 'a\tb' })],
    ['src of 257 characters', withReading({ src: 'x'.repeat(257) })],
    ['src with a lone surrogate', withReading({ src: 'ok\ud800' })],
    ['sig in upper case', wire({ batch: batch(), sig: validSig.toUpperCase() })],
    ['sig of 63 bytes', wire({ batch: batch(), sig: 'ab'.repeat(63) })],
    ['sig not hex', wire({ batch: batch(), sig: 'zz'.repeat(64) })],
  ])('FT_ERR_SCHEMA for %s', (_, bytes) => {
    expect(codeOf(() => decodeEnvelope(bytes))).toBe('FT_ERR_SCHEMA');
  });

  it('accepts the boundary values', () => {
    const edge = [reading({ tempC: -80, rh: 0, battery: 0, link: -200 }), reading({ tempC: 120, rh: 100, battery: 100, link: 255, src: 'x'.repeat(256) })];
    expect(codeOf(() => decodeEnvelope(withBatch({ seq: Number.MAX_SAFE_INTEGER, prev: '1'.repeat(64), readings: edge, gateway: 'g'.repeat(128) })))).toBe('no error');
    expect(codeOf(() => decodeEnvelope(withBatch({ readings: Array.from({ length: MAX_READINGS_PER_BATCH }, () => reading()) })))).toBe('no error');
  });

  it('names the first problem and counts the others', () => {
    const err = (() => {
      try {
        decodeEnvelope(withReading({ tempC: 500, rh: -3, tsSource: 'x' }));
      } catch (e) {
        return e as FreshTrailError;
      }
      throw new Error('expected a rejection');
    })();
    expect(err.message).toMatch(/^batch\.readings\[0\]\.tsSource must be "device" or "gateway" \(and 2 more\)$/);
    expect(err.errorClass).toBe('rejected');
  });

  it('lets the gateway-id pattern exclude exactly the MQTT-special characters and JSON escapes', () => {
    const refused = [...Array(0x80).keys()].filter((c) => !GATEWAY_ID_PATTERN.test(String.fromCharCode(c))).filter((c) => c >= 0x20 && c < 0x7f);
    expect(refused.map((c) => String.fromCharCode(c)).join('')).toBe('"#+/\\');
  });
});
