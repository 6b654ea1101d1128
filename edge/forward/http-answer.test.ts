import { describe, expect, it } from 'vitest';
import { TestGateway } from '../../ingest/test-helpers.js';
import type { Ack } from '../../protocol/ack.js';
import { readHttpAnswer } from './http-answer.js';
import { settlementOf } from './settle.js';

const gw = new TestGateway('gw-answer', '55'.repeat(32));
const sealed = gw.next();
const ack = (fields: Record<string, unknown>) => JSON.stringify({ v: 1, gateway: 'gw-answer', seq: 1, id: sealed.id, ...fields });
const read = (status: number, body: string) => readHttpAnswer(status, body, sealed, 'forward.http');

describe('readHttpAnswer (docs/protocol.md §7.4)', () => {
  it('takes the Ack the ingest sends after its commit', () => {
    expect(read(200, ack({ status: 'accepted' }))).toMatchObject({ kind: 'ack', ack: { status: 'accepted' } });
    expect(read(200, ack({ status: 'duplicate' }))).toMatchObject({ kind: 'ack', ack: { status: 'duplicate' } });
    expect(read(202, ack({ status: 'quarantined', code: 'FT_ERR_UNKNOWN_GATEWAY' }))).toMatchObject({ kind: 'ack', ack: { status: 'quarantined' } });
    const rejected = read(422, ack({ status: 'rejected', code: 'FT_ERR_BAD_SIGNATURE', reason: 'no', error: { code: 'FT_ERR_BAD_SIGNATURE', message: 'no' } }));
    expect(rejected).toMatchObject({ kind: 'ack', ack: { status: 'rejected', code: 'FT_ERR_BAD_SIGNATURE' } });
  });

  it('takes the ingest Ack of a rate limit (429, retryable) and of a revoked key (403, final)', () => {
    const limited = read(429, ack({ status: 'rejected', code: 'FT_ERR_RATE_LIMITED', retryAfterS: 2, reason: 'slow', error: { code: 'FT_ERR_RATE_LIMITED', message: 'slow' } }));
    expect(limited).toMatchObject({ kind: 'ack', ack: { code: 'FT_ERR_RATE_LIMITED', retryAfterS: 2 } });
    expect(settlementOf((limited as { ack: Ack }).ack)).toBe('retry');
    const revoked = read(403, ack({ status: 'rejected', code: 'FT_ERR_REVOKED', reason: 'revoked', error: { code: 'FT_ERR_REVOKED', message: 'revoked' } }));
    expect(settlementOf((revoked as { ack: Ack }).ack)).toBe('dead-lettered');
  });

  it('turns a catalogued 4xx rejection without an Ack (the body limit) into a final rejection', () => {
    const answer = read(413, JSON.stringify({ error: { code: 'FT_ERR_TOO_LARGE', message: 'the request body exceeds http.bodyLimitBytes' } }));
    expect(answer).toMatchObject({ kind: 'ack', ack: { status: 'rejected', code: 'FT_ERR_TOO_LARGE', seq: 1 } });
  });

  it.each([
    [503, JSON.stringify({ error: { code: 'FT_ERR_STORE', message: 'the store could not commit; retry later' } }), /HTTP 503 FT_ERR_STORE/],
    [500, JSON.stringify({ error: { code: 'FT_ERR_INTERNAL', message: 'x' } }), /HTTP 500/],
    [502, '<html>bad gateway</html>', /HTTP 502/],
    [429, '', /HTTP 429/],
    [401, JSON.stringify({ error: { code: 'FT_ERR_MALFORMED', message: 'who are you' } }), /credentials.*bearerToken/],
    [403, 'forbidden', /credentials/],
    [404, JSON.stringify({ error: { code: 'FT_ERR_NOT_FOUND', message: 'no route' } }), /check forward\.http\.url/],
    [400, '<html>proxy says no</html>', /not an acknowledgement/],
    [200, '<html>captive portal</html>', /not an acknowledgement/],
  ])('retries HTTP %i that says nothing final about the batch', (status, body, reason) => {
    const answer = read(status, body);
    expect(answer.kind).toBe('retry');
    expect(answer.kind === 'retry' && answer.reason).toMatch(reason);
  });

  it('does not trust an Ack for another seq, gateway or batch id', () => {
    expect(read(200, ack({ status: 'accepted', seq: 2 })).kind).toBe('retry');
    expect(read(200, ack({ status: 'accepted', gateway: 'other' })).kind).toBe('retry');
    expect(read(200, ack({ status: 'accepted', id: 'f'.repeat(64) })).kind).toBe('retry');
  });
});
