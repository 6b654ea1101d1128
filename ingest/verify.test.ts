import { describe, expect, it } from 'vitest';
import { FreshTrailError, type ErrorCode } from '../common/errors.js';
import { GENESIS_PREV } from '../protocol/batch.js';
import type { BatchHeader } from './store/types.js';
import { T0, TestGateway, envelopeBytes, tamperedEnvelope } from './test-helpers.js';
import { checkChain, checkSequence, checkSignature, checkTopic, claimedIdentity, clockSkew, decodeRule } from './verify.js';

function codeOf(fn: () => unknown): ErrorCode | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (err instanceof FreshTrailError) return err.code;
    throw err;
  }
}

const header = (over: Partial<BatchHeader>): BatchHeader => ({
  gateway: 'gw', seq: 1, id: 'a'.repeat(64), prev: GENESIS_PREV, createdAt: T0, receivedAt: T0, transport: 'mqtt', readingCount: 1, flags: { gap: false }, ...over,
});

describe('verification rules', () => {
  const gw = new TestGateway('gw');
  const enrolled = { id: gw.id, publicKey: gw.publicKey, enrolledAt: T0 };

  it('decode: too large, malformed, unsupported version, schema', () => {
    const sealed = gw.next();
    const bytes = envelopeBytes(sealed);
    expect(decodeRule(bytes, 1 << 20).id).toBe(sealed.id);
    expect(codeOf(() => decodeRule(bytes, bytes.length - 1))).toBe('FT_ERR_TOO_LARGE');
    expect(codeOf(() => decodeRule(Buffer.from('{"batch":'), 1 << 20))).toBe('FT_ERR_MALFORMED');
    const v2 = JSON.stringify({ batch: { ...sealed.batch, v: 2 }, sig: sealed.sig });
    expect(codeOf(() => decodeRule(Buffer.from(v2), 1 << 20))).toBe('FT_ERR_UNSUPPORTED_VERSION');
    const noReadings = JSON.stringify({ batch: { ...sealed.batch, readings: [] }, sig: sealed.sig });
    expect(codeOf(() => decodeRule(Buffer.from(noReadings), 1 << 20))).toBe('FT_ERR_SCHEMA');
  });

  it('topic: the batch must name the gateway of its topic; HTTP has none', () => {
    const sealed = gw.next();
    expect(codeOf(() => checkTopic(sealed, 'gw'))).toBeUndefined();
    expect(codeOf(() => checkTopic(sealed, undefined))).toBeUndefined();
    expect(codeOf(() => checkTopic(sealed, 'other'))).toBe('FT_ERR_TOPIC_MISMATCH');
  });

  it('signature: verifies with the enrolled key only, and not after tampering', () => {
    const sealed = gw.next();
    expect(codeOf(() => checkSignature(sealed, enrolled))).toBeUndefined();
    const tampered = decodeRule(tamperedEnvelope(sealed), 1 << 20);
    expect(codeOf(() => checkSignature(tampered, enrolled))).toBe('FT_ERR_BAD_SIGNATURE');
    const impostor = new TestGateway('gw');
    expect(codeOf(() => checkSignature(impostor.next(), enrolled))).toBe('FT_ERR_BAD_SIGNATURE');
  });

  it('sequence: new, duplicate (same id) or fork (other id)', () => {
    const sealed = gw.next();
    expect(checkSequence(sealed, undefined)).toBe('new');
    expect(checkSequence(sealed, header({ id: sealed.id }))).toBe('duplicate');
    expect(codeOf(() => checkSequence(sealed, header({ id: 'b'.repeat(64) })))).toBe('FT_ERR_FORK');
  });

  it('chain: prev must match seq − 1 and seq + 1 must point here; a missing seq − 1 is a gap', () => {
    const g = new TestGateway('chain');
    const b1 = g.next();
    const b2 = g.next();
    const b3 = g.next();
    expect(checkChain(b1, undefined, undefined)).toEqual({ gap: false });
    expect(checkChain(b2, header({ id: b1.id }), undefined)).toEqual({ gap: false });
    expect(checkChain(b3, undefined, undefined)).toEqual({ gap: true });
    expect(codeOf(() => checkChain(b2, header({ id: 'c'.repeat(64) }), undefined))).toBe('FT_ERR_CHAIN_BROKEN');
    // Filling a gap late: the stored seq + 1 must name this batch as its prev.
    expect(checkChain(b2, header({ id: b1.id }), header({ seq: 3, id: b3.id, prev: b2.id }))).toEqual({ gap: false });
    expect(codeOf(() => checkChain(b2, header({ id: b1.id }), header({ seq: 3, prev: 'd'.repeat(64) })))).toBe('FT_ERR_CHAIN_BROKEN');
  });

  it('clock skew: flagged beyond the limit in either direction, with its sign', () => {
    expect(clockSkew(T0, T0 + 60_000, 300_000)).toBeUndefined();
    expect(clockSkew(T0, T0 + 300_000, 300_000)).toBeUndefined();
    expect(clockSkew(T0, T0 + 300_001, 300_000)).toBe(-300_001);
    expect(clockSkew(T0 + 3_600_000, T0, 300_000)).toBe(3_600_000);
  });

  it('claimedIdentity reads gateway and seq from a broken envelope without throwing', () => {
    expect(claimedIdentity(Buffer.from('{"batch":{"gateway":"g1","seq":7,"v":9}}'), 1000)).toEqual({ gateway: 'g1', seq: 7 });
    expect(claimedIdentity(Buffer.from('not json'), 1000)).toEqual({});
    expect(claimedIdentity(Buffer.from('{"batch":{"gateway":5,"seq":"x"}}'), 1000)).toEqual({ gateway: undefined, seq: undefined });
    expect(claimedIdentity(Buffer.alloc(2000, 0x20), 1000)).toEqual({});
  });
});
