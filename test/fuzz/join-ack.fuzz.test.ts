/**
 * Fuzz: acknowledgements the edge receives from whatever answers it (protocol/ack.ts parseAck,
 * then edge/forward settle.ts and http-answer.ts, which act on them) and join requests the
 * ingest receives from gateways (protocol/join.ts verifyJoin and keyFingerprint, POST
 * /api/v1/join). Random bytes, hostile JSON and mutated real messages give an Ack or nothing, a
 * settlement and a finite delay, an HTTP verdict, a yes/no signature verdict, and 202 or 4xx
 * from the route: never a throw, never a 5xx.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHttpAnswer } from '../../edge/forward/http-answer.js';
import { retryDelayMs, settlementOf } from '../../edge/forward/settle.js';
import { openTestApi, type TestApi } from '../../ingest/http/test-api.js';
import { T0, TestGateway, testReadings } from '../../ingest/test-helpers.js';
import { parseAck, type Ack } from '../../protocol/ack.js';
import { keyFingerprint, signJoin, verifyJoin, type JoinClaim } from '../../protocol/join.js';
import { applyByteMutations, applyJsonMutations, byteMutations, jsonMutations, jsonText } from './hostile.js';
import { expectCleanProcess, FUZZ_RUNS, FUZZ_TIMEOUT_MS, fuzzParams } from './runs.js';

const HTTP_RUNS = 500;
const ACK_KEYS = ['v', 'gateway', 'seq', 'id', 'status', 'code', 'reason', 'retryAfterS', 'error', 'message'];
const ACK_SCALARS = ['"accepted"', '"duplicate"', '"quarantined"', '"rejected"', '"FT_ERR_RATE_LIMITED"', '"FT_ERR_BAD_SIGNATURE"', '"FT_ERR_UNKNOWN_GATEWAY"', '"__proto__"', '"gw-fuzz"', '1', '1e999'];

const gw = new TestGateway('gw-fuzz', '24'.repeat(32));
const sealed = gw.next(testReadings(1), { createdAt: T0 });
const REAL_ACKS: Ack[] = [
  { v: 1, gateway: gw.id, seq: 1, id: sealed.id, status: 'accepted' },
  { v: 1, gateway: gw.id, seq: 1, id: sealed.id, status: 'duplicate' },
  { v: 1, gateway: gw.id, seq: 1, id: sealed.id, status: 'quarantined', code: 'FT_ERR_UNKNOWN_GATEWAY', reason: 'not enrolled' },
  { v: 1, gateway: gw.id, seq: 1, status: 'rejected', code: 'FT_ERR_RATE_LIMITED', reason: 'slow down', retryAfterS: 3 },
  { v: 1, gateway: gw.id, seq: 1, id: sealed.id, status: 'rejected', code: 'FT_ERR_BAD_SIGNATURE', reason: 'altered' },
];

const ackBytes: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 120 }).map((b) => Buffer.from(b)),
  jsonText({ keys: ACK_KEYS, scalars: ACK_SCALARS }).map((t) => Buffer.from(t, 'utf8')),
  fc.tuple(fc.constantFrom(...REAL_ACKS), byteMutations()).map(([a, m]) => applyByteMutations(Buffer.from(JSON.stringify(a)), m)),
  fc.tuple(fc.constantFrom(...REAL_ACKS), jsonMutations({ keys: ACK_KEYS, scalars: ACK_SCALARS })).map(([a, m]) => Buffer.from(JSON.stringify(applyJsonMutations(a, m)) ?? '', 'utf8')),
);

describe('fuzz: acknowledgements', () => {
  it('parseAck, then settlement and retry delay: an Ack or nothing; a known settlement and a finite delay; never a throw', () => {
    fc.assert(
      fc.property(ackBytes, fc.integer({ min: 0, max: 600_000 }), (bytes, backoff) => {
        const ack = parseAck(bytes);
        if (ack === undefined) return;
        if (typeof ack.gateway !== 'string' || !Number.isSafeInteger(ack.seq) || !['accepted', 'duplicate', 'quarantined', 'rejected'].includes(ack.status)) {
          expect(ack).toMatchObject({ gateway: expect.any(String), seq: expect.any(Number) });
        }
        const settlement = settlementOf(ack);
        if (!['released', 'retry', 'dead-lettered'].includes(settlement)) expect(settlement).toBe('a known settlement');
        const delay = retryDelayMs(ack, backoff);
        if (!(Number.isFinite(delay) && delay >= backoff && delay <= Math.max(backoff, 3_600_000))) expect({ delay, backoff }).toEqual({ delay: backoff, backoff });
      }),
      fuzzParams(),
    );
  }, FUZZ_TIMEOUT_MS);

  it('readHttpAnswer (POST /batches answers, any status and body): an ack or a retry, never a throw', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(200, 201, 202, 400, 401, 404, 409, 413, 422, 429, 500, 502, 503), fc.integer({ min: 100, max: 599 })), ackBytes, (status, body) => {
        const answer = readHttpAnswer(status, body.toString('utf8'), sealed, 'outputs.ingest');
        if (answer.kind === 'ack') {
          if (answer.ack.gateway !== gw.id || answer.ack.seq !== sealed.batch.seq) expect(answer.ack).toMatchObject({ gateway: gw.id, seq: sealed.batch.seq });
        } else if (answer.kind !== 'retry' || typeof answer.reason !== 'string') {
          expect(answer).toMatchObject({ kind: 'retry', reason: expect.any(String) });
        }
      }),
      fuzzParams(),
    );
  }, FUZZ_TIMEOUT_MS);
});

const hex = (length: number): fc.Arbitrary<string> => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });
/** A claim as the route schema lets it through: a 64-hex key (a valid point or not), a token, an id. */
const claimArb: fc.Arbitrary<JoinClaim> = fc.record({
  id: fc.oneof(fc.constant(gw.id), fc.string({ minLength: 1, maxLength: 20 })),
  publicKey: fc.oneof(fc.constant(gw.publicKey), hex(64), fc.constantFrom('0'.repeat(64), 'f'.repeat(64), `${'0'.repeat(62)}80`, `01${'0'.repeat(62)}`)),
  token: fc.oneof(fc.constant('tok'), fc.string({ minLength: 1, maxLength: 16 })),
});

describe('fuzz: join requests', () => {
  const realClaim: JoinClaim = { id: gw.id, publicKey: gw.publicKey, token: 'tok' };
  const realSignature = signJoin(gw.keys.privateKey, realClaim);

  it('verifyJoin and keyFingerprint: a yes/no verdict for any key and signature; yes only for the real proof', () => {
    const signature = fc.oneof(fc.constant(realSignature), hex(128), fc.string({ maxLength: 130 }), byteMutations(2).map((m) => applyByteMutations(Buffer.from(realSignature), m).toString('latin1')));
    fc.assert(
      fc.property(claimArb, signature, (claim, sig) => {
        const verdict = verifyJoin(claim, sig);
        if (typeof verdict !== 'boolean') expect(verdict).toBeTypeOf('boolean');
        const real = claim.id === realClaim.id && claim.publicKey === realClaim.publicKey && claim.token === realClaim.token && sig === realSignature;
        if (verdict !== real) expect({ claim, sig, verdict }).toEqual({ claim, sig, verdict: real });
        if (!/^[0-9a-f]{16}$/.test(keyFingerprint(claim.publicKey))) expect(keyFingerprint(claim.publicKey)).toMatch(/^[0-9a-f]{16}$/);
      }),
      fuzzParams(),
    );
  }, FUZZ_TIMEOUT_MS);

  describe('POST /api/v1/join on a real store', () => {
    let api: TestApi;
    let token: string;
    beforeAll(async () => {
      api = await openTestApi();
      const issued = await api.app.inject({ method: 'POST', url: '/api/v1/join-tokens', payload: { label: 'fuzz' } });
      expect(issued.statusCode).toBe(201);
      token = issued.json().token as string;
    });
    afterAll(() => api.close());

    it(`${HTTP_RUNS} hostile and mutated join bodies: 202 or 4xx, never 5xx`, async () => {
      const body = (): fc.Arbitrary<unknown> => {
        const claim = { id: gw.id, publicKey: gw.publicKey, token };
        const valid = { ...claim, label: 'dock 3', signature: signJoin(gw.keys.privateKey, claim) };
        return fc.oneof(
          jsonText({ keys: ['token', 'id', 'publicKey', 'label', 'signature'] }).map((t): unknown => JSON.parse(t)),
          jsonMutations({ keys: ['token', 'id', 'publicKey', 'label', 'signature'] }).map((m) => applyJsonMutations(valid, m)),
          fc.tuple(claimArb, hex(128)).map(([c, signature]) => ({ ...c, signature })),
        );
      };
      await fc.assert(
        fc.asyncProperty(body(), async (b) => {
          const res = await api.app.inject({ method: 'POST', url: '/api/v1/join', payload: JSON.stringify(b) ?? '', headers: { 'content-type': 'application/json' } });
          if (res.statusCode >= 500) expect({ status: res.statusCode, body: res.body, sent: b }).toMatchObject({ status: 400 });
        }),
        fuzzParams(Math.max(HTTP_RUNS, Math.floor(FUZZ_RUNS / 20))),
      );
    }, FUZZ_TIMEOUT_MS);
  });
});

expectCleanProcess();
