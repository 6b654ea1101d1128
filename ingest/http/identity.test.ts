/**
 * Gateway identity over HTTP: revocation, the join flow with one-time tokens, and the
 * per-gateway rate limit (429 with Retry-After). One injected clock drives the pipeline and
 * the API, so expiry and refill are tested without sleeping.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keyFingerprint, signJoin } from '../../protocol/join.js';
import type { SqliteStore } from '../store/sqlite.js';
import { T0, TestGateway, envelopeBytes, testReadings } from '../test-helpers.js';
import { openTestApi, type TestApi } from './test-api.js';

const MINUTE = 60_000;

describe('HTTP API: gateway identity', () => {
  let api: TestApi;
  let store: SqliteStore;
  let app: FastifyInstance;
  let clock: number;

  beforeEach(async () => {
    clock = T0 + 60 * MINUTE;
    api = await openTestApi({ limits: { gatewayRate: { readingsPerSecond: 10, burstReadings: 20 } }, now: () => clock, services: { startedAt: T0 } });
    ({ store, app } = api);
  });
  afterEach(() => api.close());

  const post = (url: string, payload?: object) => app.inject({ method: 'POST', url: `/api/v1${url}`, payload: payload ?? {} });
  const postBatch = (bytes: Buffer) => app.inject({ method: 'POST', url: '/api/v1/batches', headers: { 'content-type': 'application/json' }, payload: bytes });
  const enroll = (gw: TestGateway) => post('/gateways', { id: gw.id, publicKey: gw.publicKey });
  const joinBody = (gw: TestGateway, token: string, signer = gw) => ({ token, id: gw.id, publicKey: gw.publicKey, label: 'pack line 2', signature: signJoin(signer.keys.privateKey, { id: gw.id, publicKey: gw.publicKey, token }) });
  const issueToken = async (payload: object = {}): Promise<string> => {
    const res = await post('/join-tokens', payload);
    expect(res.statusCode).toBe(201);
    return res.json().token as string;
  };

  describe('revocation', () => {
    it('refuses batches created from the effective time on (403, evidence kept), accepts older ones, shows the revocation', async () => {
      const gw = new TestGateway('gw-1');
      await enroll(gw);
      expect((await postBatch(envelopeBytes(gw.next(testReadings(1), { createdAt: T0 })))).statusCode).toBe(200);

      const effectiveAt = new Date(T0 + 10 * MINUTE).toISOString();
      const revoked = await post('/gateways/gw-1/revoke', { reason: 'stolen from truck 7', effectiveAt });
      expect(revoked.statusCode).toBe(200);
      expect(revoked.json()).toMatchObject({ status: 'revoked', gateway: { id: 'gw-1', batches: 1, revocation: { effectiveAt, reason: 'stolen from truck 7', recordedAt: new Date(clock).toISOString() } } });
      expect((await app.inject('/api/v1/gateways/gw-1')).json().revocation.effectiveAt).toBe(effectiveAt);

      expect((await postBatch(envelopeBytes(gw.next(testReadings(1), { createdAt: T0 + 5 * MINUTE })))).statusCode).toBe(200);
      const late = gw.next(testReadings(1), { createdAt: T0 + 11 * MINUTE });
      const refused = await postBatch(envelopeBytes(late));
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toMatchObject({ status: 'rejected', code: 'FT_ERR_REVOKED', seq: 3, error: { code: 'FT_ERR_REVOKED', message: expect.stringContaining('new gateway id') } });
      expect(await store.listRejections('gw-1')).toEqual([expect.objectContaining({ code: 'FT_ERR_REVOKED', id: late.id })]);

      // Idempotent; a later effective time changes nothing.
      const again = await post('/gateways/gw-1/revoke', { reason: 'again', effectiveAt: new Date(T0 + 20 * MINUTE).toISOString() });
      expect(again.json()).toMatchObject({ status: 'unchanged', gateway: { revocation: { effectiveAt, reason: 'stolen from truck 7' } } });
    });

    it('refuses to enroll a revoked id again, whatever the key; 404 for an unknown gateway; validates the body', async () => {
      const gw = new TestGateway('gw-1');
      await enroll(gw);
      expect((await post('/gateways/gw-1/revoke', { reason: 'retired' })).json().gateway.revocation.effectiveAt).toBe(new Date(clock).toISOString());
      for (const key of [gw.publicKey, new TestGateway('gw-1').publicKey]) {
        const res = await post('/gateways', { id: 'gw-1', publicKey: key });
        expect(res.statusCode).toBe(409);
        expect(res.json().error).toMatchObject({ code: 'FT_ERR_CONFLICT', message: expect.stringMatching(/revoked.*enroll it under a new gateway id/) });
      }
      expect((await post('/gateways/nope/revoke', { reason: 'x' })).statusCode).toBe(404);
      expect((await post('/gateways/gw-1/revoke', {})).json().error.code).toBe('FT_ERR_SCHEMA');
      expect((await post('/gateways/gw-1/revoke', { reason: 'x', effectiveAt: 'yesterday' })).statusCode).toBe(400);
    });
  });

  describe('join with a one-time token', () => {
    it('quarantines batches while pending, checks proof of possession, uses a token once, and admits the batches on approval', async () => {
      const gw = new TestGateway('gw-new');
      const issued = await post('/join-tokens', { label: 'farm B', ttlSeconds: 600 });
      expect(issued.statusCode).toBe(201);
      const { token, expiresAt } = issued.json();
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 bytes, base64url
      expect(expiresAt).toBe(new Date(clock + 600_000).toISOString());
      // Only the hash is stored.
      expect(JSON.stringify(store.db.prepare('SELECT * FROM join_tokens').all())).not.toContain(token);

      expect((await postBatch(envelopeBytes(gw.next(testReadings(2, { location: 'room-9' }))))).statusCode).toBe(202);

      // Signed by another key: refused, and the token is not consumed.
      const forged = await post('/join', joinBody(gw, token, new TestGateway('thief')));
      expect(forged.statusCode).toBe(422);
      expect(forged.json().error.code).toBe('FT_ERR_BAD_SIGNATURE');

      const joined = await post('/join', joinBody(gw, token));
      expect(joined.statusCode).toBe(202);
      expect(joined.json()).toMatchObject({ gateway: 'gw-new', publicKey: gw.publicKey, fingerprint: keyFingerprint(gw.publicKey), label: 'pack line 2', tokenLabel: 'farm B', status: 'pending' });
      expect(keyFingerprint(gw.publicKey)).toMatch(/^[0-9a-f]{16}$/);

      const reused = await post('/join', joinBody(new TestGateway('gw-other'), token));
      expect(reused.statusCode).toBe(403);
      expect(reused.json().error).toMatchObject({ code: 'FT_ERR_JOIN_TOKEN', message: expect.stringContaining('already used') });

      // Pending: still unknown, batches still quarantined.
      expect((await postBatch(envelopeBytes(gw.next(testReadings(1, { location: 'room-9' }))))).statusCode).toBe(202);
      const pending = (await app.inject('/api/v1/join-requests')).json().requests;
      expect(pending).toEqual([expect.objectContaining({ id: joined.json().id, gateway: 'gw-new', fingerprint: keyFingerprint(gw.publicKey) })]);

      const approved = await post(`/join-requests/${joined.json().id}/approve`);
      expect(approved.statusCode).toBe(201);
      expect(approved.json()).toMatchObject({ gateway: { id: 'gw-new', publicKey: gw.publicKey, label: 'pack line 2', batches: 2 }, admission: { admitted: 2, duplicates: 0, rejected: 0 } });
      expect((await app.inject('/api/v1/readings?location=room-9')).json().count).toBe(3);
      expect((await app.inject('/api/v1/join-requests')).json().requests).toEqual([]);
      const twice = await post(`/join-requests/${joined.json().id}/approve`);
      expect(twice.statusCode).toBe(409);
      expect(twice.json().error.message).toContain('already approved');
      // An enrolled id cannot join again.
      const rejoin = await post('/join', joinBody(gw, await issueToken()));
      expect(rejoin.statusCode).toBe(409);
    });

    it('refuses an expired token and an unknown one with FT_ERR_JOIN_TOKEN (403)', async () => {
      const gw = new TestGateway('gw-late');
      const token = await issueToken({ ttlSeconds: 60 });
      clock += 60_000;
      const expired = await post('/join', joinBody(gw, token));
      expect(expired.statusCode).toBe(403);
      expect(expired.json().error).toMatchObject({ code: 'FT_ERR_JOIN_TOKEN', message: expect.stringContaining('expired') });
      const unknown = await post('/join', joinBody(gw, 'A'.repeat(43)));
      expect(unknown.statusCode).toBe(403);
      expect(unknown.json().error.message).toContain('not known');
      expect((await post('/join', { ...joinBody(gw, token), role: 'admin' })).statusCode).toBe(400);
    });

    it('rejects a request: the gateway stays unknown and its batches stay in quarantine', async () => {
      const gw = new TestGateway('gw-maybe');
      await postBatch(envelopeBytes(gw.next(testReadings(1))));
      const id = (await post('/join', joinBody(gw, await issueToken()))).json().id as number;
      const rejected = await post(`/join-requests/${id}/reject`);
      expect(rejected.statusCode).toBe(200);
      expect(rejected.json()).toMatchObject({ id, status: 'rejected', decidedAt: new Date(clock).toISOString() });
      expect((await app.inject('/api/v1/gateways/gw-maybe')).statusCode).toBe(404);
      expect(await store.quarantineCount('gw-maybe')).toBe(1);
      expect((await post(`/join-requests/${id}/approve`)).statusCode).toBe(409);
      expect((await post('/join-requests/999/reject')).statusCode).toBe(404);
    });
  });

  describe('rate limit', () => {
    it('answers 429 with Retry-After, stores nothing, and accepts the same batch after the refill', async () => {
      const gw = new TestGateway('gw-fast');
      await enroll(gw);
      expect((await postBatch(envelopeBytes(gw.next(testReadings(15))))).statusCode).toBe(200);
      const next = gw.next(testReadings(10));
      const limited = await postBatch(envelopeBytes(next));
      expect(limited.statusCode).toBe(429);
      expect(limited.headers['retry-after']).toBe('1');
      expect(limited.json()).toMatchObject({ status: 'rejected', code: 'FT_ERR_RATE_LIMITED', retryAfterS: 1, seq: 2, error: { code: 'FT_ERR_RATE_LIMITED' } });
      expect((await app.inject('/api/v1/gateways/gw-fast')).json().batches).toBe(1);
      expect(await store.listRejections('gw-fast')).toEqual([]);
      expect((await app.inject('/metrics')).body).toContain('freshtrail_ingest_rejections_total{code="FT_ERR_RATE_LIMITED"} 1');
      clock += 500;
      expect((await postBatch(envelopeBytes(next))).statusCode).toBe(200);
    });
  });

  it('documents the new routes in the OpenAPI document', async () => {
    const paths = Object.keys((await app.inject('/docs/json')).json().paths);
    for (const path of ['/api/v1/gateways/{id}/revoke', '/api/v1/join-tokens', '/api/v1/join', '/api/v1/join-requests', '/api/v1/join-requests/{id}/approve', '/api/v1/join-requests/{id}/reject']) {
      expect(paths).toContain(path);
    }
  });
});
