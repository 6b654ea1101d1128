import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteStore } from '../store/sqlite.js';
import { T0, TestGateway, envelopeBytes, tamperedEnvelope, testReadings } from '../test-helpers.js';
import { openTestApi, type TestApi } from './test-api.js';
import { parseTimeParam } from './routes/readings.js';

describe('HTTP API', () => {
  let api: TestApi;
  let store: SqliteStore;
  let app: FastifyInstance;
  let transportsUp: boolean;

  beforeEach(async () => {
    transportsUp = true;
    api = await openTestApi({ services: { version: '9.9.9-test', startedAt: Date.now() - 5_000, transportsReady: () => transportsUp } });
    ({ store, app } = api);
  });
  afterEach(() => api.close());

  const postBatch = (body: Buffer | string, contentType = 'application/json') =>
    app.inject({ method: 'POST', url: '/api/v1/batches', headers: { 'content-type': contentType }, payload: body });
  const enroll = (gw: TestGateway, label?: string) => app.inject({ method: 'POST', url: '/api/v1/gateways', payload: { id: gw.id, publicKey: gw.publicKey, label } });

  it('reports health and readiness', async () => {
    const health = await app.inject('/api/v1/health');
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: 'ok', version: '9.9.9-test', uptimeS: expect.any(Number), store: 'ok' });
    expect(health.json().uptimeS).toBeGreaterThanOrEqual(5); // started 5 s before the app was built
    expect((await app.inject('/api/v1/ready')).json()).toEqual({ ready: true, store: true, transports: true });
    transportsUp = false;
    const notReady = await app.inject('/api/v1/ready');
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toMatchObject({ ready: false, transports: false });
  });

  it('enrolls a gateway (201), confirms an identical enrollment (200), refuses another key (409)', async () => {
    const gw = new TestGateway('gw-1');
    const created = await enroll(gw, 'dock 4');
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ gateway: { id: 'gw-1', publicKey: gw.publicKey, label: 'dock 4', batches: 0 }, admission: { admitted: 0 } });
    expect(created.json().gateway.enrolledAt).toMatch(/^\d{4}-\d{2}-\d{2}T.*Z$/);
    expect((await enroll(gw)).statusCode).toBe(200);
    const conflict = await enroll(new TestGateway('gw-1'));
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().error.code).toBe('FT_ERR_CONFLICT');
    const list = await app.inject('/api/v1/gateways');
    expect(list.json().gateways.map((g: { id: string }) => g.id)).toEqual(['gw-1']);
    expect((await app.inject('/api/v1/gateways/gw-1')).json()).toMatchObject({ id: 'gw-1', label: 'dock 4' });
    const missing = await app.inject('/api/v1/gateways/nope');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: { code: 'FT_ERR_NOT_FOUND', message: 'no gateway "nope" is enrolled' } });
  });

  it('validates enrollment bodies against the schema, unknown fields included', async () => {
    const badKey = await app.inject({ method: 'POST', url: '/api/v1/gateways', payload: { id: 'gw', publicKey: 'ABC' } });
    expect(badKey.statusCode).toBe(400);
    expect(badKey.json().error.code).toBe('FT_ERR_SCHEMA');
    const extra = await app.inject({ method: 'POST', url: '/api/v1/gateways', payload: { id: 'gw', publicKey: 'a'.repeat(64), role: 'admin' } });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().error.code).toBe('FT_ERR_SCHEMA');
  });

  it('accepts a batch after commit (200), answers a duplicate (200), rejects a tampered one (422)', async () => {
    const gw = new TestGateway('gw-1');
    await enroll(gw);
    const sealed = gw.next(testReadings(3), { createdAt: T0 });
    const accepted = await postBatch(envelopeBytes(sealed));
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json()).toEqual({ v: 1, gateway: 'gw-1', seq: 1, id: sealed.id, status: 'accepted' });
    const duplicate = await postBatch(envelopeBytes(sealed));
    expect(duplicate.statusCode).toBe(200);
    expect(duplicate.json().status).toBe('duplicate');

    const tampered = await postBatch(tamperedEnvelope(gw.next()));
    expect(tampered.statusCode).toBe(422);
    expect(tampered.json()).toMatchObject({ status: 'rejected', code: 'FT_ERR_BAD_SIGNATURE', seq: 2, error: { code: 'FT_ERR_BAD_SIGNATURE' } });
    expect((await app.inject('/api/v1/gateways/gw-1')).json()).toMatchObject({ batches: 1, readings: 3, lastSeq: 1 });
  });

  it('rejects malformed and oversized bodies with stable codes', async () => {
    const malformed = await postBatch('{"batch":');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ status: 'rejected', code: 'FT_ERR_MALFORMED', error: { code: 'FT_ERR_MALFORMED' } });
    const gw = new TestGateway('gw-big');
    const tooBig = await postBatch(envelopeBytes(gw.next(testReadings(800)))); // > 64 KiB envelope limit, < body limit
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json().code).toBe('FT_ERR_TOO_LARGE');
    const beyondBody = await postBatch(Buffer.alloc(200 * 1024, 0x20)); // > http body limit: fastify refuses it
    expect(beyondBody.statusCode).toBe(413);
    expect(beyondBody.json().error.code).toBe('FT_ERR_TOO_LARGE');
    // Any Content-Type is read as bytes: the envelope decides.
    const gw2 = new TestGateway('gw-plain');
    const asText = await postBatch(envelopeBytes(gw2.next()), 'text/plain');
    expect(asText.statusCode).toBe(202);
    const formType = await postBatch('x', 'application/x-www-form-urlencoded');
    expect(formType.statusCode).toBe(400);
    expect(formType.json().error.code).toBe('FT_ERR_MALFORMED');
  });

  it('quarantines a batch of an unknown gateway (202) and admits it on enrollment', async () => {
    const gw = new TestGateway('gw-late');
    const sealed = gw.next(testReadings(2, { location: 'room-9' }));
    const held = await postBatch(envelopeBytes(sealed));
    expect(held.statusCode).toBe(202);
    expect(held.json()).toMatchObject({ status: 'quarantined', code: 'FT_ERR_UNKNOWN_GATEWAY', id: sealed.id });
    expect((await app.inject('/api/v1/readings?location=room-9')).json().count).toBe(0);
    expect((await app.inject('/api/v1/stats')).json()).toMatchObject({ quarantined: 1, quarantinedByGateway: [{ gateway: 'gw-late', batches: 1 }] });

    const enrolled = await enroll(gw);
    expect(enrolled.statusCode).toBe(201);
    expect(enrolled.json().admission).toEqual({ admitted: 1, duplicates: 0, rejected: 0 });
    expect((await app.inject('/api/v1/readings?location=room-9')).json().count).toBe(2);
    expect((await app.inject('/api/v1/stats')).json()).toMatchObject({ gateways: 1, batches: 1, readingsVerified: 2, quarantined: 0 });
  });

  it('queries readings by location and time range, with ISO times and provenance', async () => {
    const gw = new TestGateway('gw-1');
    await enroll(gw);
    const b1 = gw.next(testReadings(3, { location: 'room-1', ts: T0 }));
    const b2 = gw.next(testReadings(3, { location: 'room-2', ts: T0 }));
    await postBatch(envelopeBytes(b1));
    await postBatch(envelopeBytes(b2));
    const from = new Date(T0 + 60_000).toISOString();
    const res = await app.inject(`/api/v1/readings?location=room-1&from=${from}&to=${T0 + 120_001}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.count).toBe(2);
    expect(body.readings[0]).toEqual({
      ts: T0 + 60_000,
      time: '2026-01-15T08:01:00.000Z',
      tsSource: 'device',
      sensor: 's1',
      location: 'room-1',
      tempC: 3.1,
      rh: 92.25,
      src: 'modbus:/dev/ttyUSB0@1',
      gateway: 'gw-1',
      batchId: b1.id,
      seq: 1,
      index: 1,
      verified: true,
    });
    const offset = await app.inject(`/api/v1/readings?location=room-1&from=${encodeURIComponent('2026-01-15T10:02:00+02:00')}`);
    expect(offset.json().readings.map((r: { ts: number }) => r.ts)).toEqual([T0 + 120_000]);
    const limited = await app.inject('/api/v1/readings?gateway=gw-1&limit=4');
    expect(limited.json().count).toBe(4);
  });

  it('refuses ambiguous or invalid query parameters', async () => {
    const local = await app.inject('/api/v1/readings?from=2026-01-15T08:00:00');
    expect(local.statusCode).toBe(400);
    expect(local.json().error).toMatchObject({ code: 'FT_ERR_SCHEMA', message: expect.stringContaining('from must be ISO 8601') });
    expect((await app.inject('/api/v1/readings?limit=0')).json().error.code).toBe('FT_ERR_SCHEMA');
    expect((await app.inject('/api/v1/readings?colour=red')).statusCode).toBe(400);
  });

  it('parses time parameters', () => {
    expect(parseTimeParam('from', undefined)).toBeUndefined();
    expect(parseTimeParam('from', String(T0))).toBe(T0);
    expect(parseTimeParam('from', '2026-01-15T08:00:00Z')).toBe(T0);
    expect(parseTimeParam('from', '2026-01-15T09:00:00.000+01:00')).toBe(T0);
    expect(parseTimeParam('from', '2026-01-15')).toBe(Date.UTC(2026, 0, 15));
    expect(() => parseTimeParam('to', 'yesterday')).toThrow(/to must be ISO 8601/);
  });

  it('serves the OpenAPI document listing the routes', async () => {
    const res = await app.inject('/docs/json');
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of ['/api/v1/batches', '/api/v1/gateways', '/api/v1/gateways/{id}', '/api/v1/readings', '/api/v1/stats', '/api/v1/health', '/api/v1/ready', '/metrics']) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    expect(doc.paths['/api/v1/readings'].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['location', 'from', 'to', 'limit']));
    expect((await app.inject('/docs')).statusCode).toBeLessThan(400);
  });

  it('exposes Prometheus metrics counting rejections by code', async () => {
    const gw = new TestGateway('gw-1');
    await enroll(gw);
    await postBatch(tamperedEnvelope(gw.next()));
    await postBatch(tamperedEnvelope(gw.next()));
    await postBatch('nope');
    await postBatch(envelopeBytes(new TestGateway('gw-1').next()).subarray(0, 10));
    const res = await app.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('freshtrail_ingest_rejections_total{code="FT_ERR_BAD_SIGNATURE"} 2');
    expect(res.body).toContain('freshtrail_ingest_rejections_total{code="FT_ERR_MALFORMED"} 2');
    expect(res.body).toContain('freshtrail_ingest_gateways_enrolled 1');
  });

  it('answers unknown routes and hides internal errors', async () => {
    const missing = await app.inject('/api/v1/nothing');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('FT_ERR_NOT_FOUND');
    await store.close(); // every store call now fails
    const down = await app.inject('/api/v1/gateways');
    expect(down.statusCode).toBe(503);
    expect(down.json()).toEqual({ error: { code: 'FT_ERR_STORE', message: 'the store could not commit; retry later' } });
    expect((await app.inject('/api/v1/health')).json()).toMatchObject({ status: 'degraded', store: 'unavailable' });
  });
});
