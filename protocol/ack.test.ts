import { describe, expect, it } from 'vitest';
import { ackReleasesBatch, ackTopic, BATCH_TOPIC_FILTER, batchTopic, gatewayFromBatchTopic, parseAck } from './ack.js';
import { GATEWAY_ID_PATTERN } from './batch.js';

/** MQTT topic filter matching (MQTT 5 §4.7) for the `+` wildcard only, written out for the test. */
function matches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  return f.length === t.length && f.every((level, i) => level === '+' || level === t[i]);
}

describe('topics', () => {
  it('puts the gateway id in one topic level', () => {
    expect(batchTopic('gw-1')).toBe('freshtrail/v1/gateways/gw-1/batches');
    expect(ackTopic('gw-1')).toBe('freshtrail/v1/gateways/gw-1/acks');
    expect(matches(BATCH_TOPIC_FILTER, batchTopic('gw-1'))).toBe(true);
    expect(matches(BATCH_TOPIC_FILTER, ackTopic('gw-1'))).toBe(false);
  });

  it('round-trips every character a gateway id may hold', () => {
    const chars = [...Array(0x7f).keys()].map((c) => String.fromCharCode(c)).filter((c) => GATEWAY_ID_PATTERN.test(c));
    const id = chars.join('');
    expect(GATEWAY_ID_PATTERN.test(id)).toBe(true);
    expect(gatewayFromBatchTopic(batchTopic(id))).toBe(id);
    expect(matches(BATCH_TOPIC_FILTER, batchTopic(id))).toBe(true);
  });

  it('finds no gateway in other topics', () => {
    for (const topic of ['freshtrail/v1/gateways//batches', 'freshtrail/v1/gateways/a/b/batches', 'freshtrail/v1/gateways/a/acks', 'other/v1/gateways/a/batches']) {
      expect(gatewayFromBatchTopic(topic)).toBeUndefined();
    }
  });
});

describe('acks', () => {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v));

  it('parses each status and keeps code and reason', () => {
    for (const status of ['accepted', 'duplicate', 'quarantined', 'rejected'] as const) {
      expect(parseAck(enc({ v: 1, gateway: 'gw-1', seq: 3, id: 'ab'.repeat(32), status }))?.status).toBe(status);
    }
    const ack = parseAck(enc({ v: 1, gateway: 'gw-1', seq: 4, status: 'rejected', code: 'FT_ERR_FORK', reason: 'seq 4 exists' }));
    expect(ack).toMatchObject({ code: 'FT_ERR_FORK', reason: 'seq 4 exists' });
  });

  it('returns undefined for anything that is not an ack', () => {
    for (const bytes of [Buffer.from('not json'), enc([]), enc({ gateway: 'g', seq: 1 }), enc({ gateway: 'g', seq: '1', status: 'accepted' }), enc({ gateway: 1, seq: 1, status: 'accepted' }), enc({ gateway: 'g', seq: 1, status: 'ok' })]) {
      expect(parseAck(bytes)).toBeUndefined();
    }
  });

  it('returns undefined when an optional member is not of its type, rather than an ack the forwarder cannot print (found by test/fuzz)', () => {
    const base = { v: 1, gateway: 'gw-1', seq: 3, status: 'rejected' };
    for (const extra of [{ code: { toString: 1 } }, { id: ['ab'] }, { reason: 7 }, { retryAfterS: '3' }, { code: { valueOf: {} } }]) {
      expect(parseAck(enc({ ...base, ...extra }))).toBeUndefined();
    }
    expect(parseAck(enc({ ...base, code: 'FT_ERR_RATE_LIMITED', retryAfterS: 2, id: null }))).toMatchObject({ code: 'FT_ERR_RATE_LIMITED', retryAfterS: 2 });
  });

  it('releases a batch from the outbox only when the ingest holds it', () => {
    expect((['accepted', 'duplicate', 'quarantined', 'rejected'] as const).map(ackReleasesBatch)).toEqual([true, true, true, false]);
  });
});
