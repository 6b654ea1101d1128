/**
 * HTTP routes of chain integrity findings and alerts, in-process (app.inject) on a SQLite store
 * fed through the real pipeline.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IngestPipeline } from '../pipeline.js';
import { TestGateway, envelopeBytes, tamperedEnvelope } from '../test-helpers.js';
import { openTestApi, type TestApi } from './test-api.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('HTTP API: integrity and alerts', () => {
  let api: TestApi;
  let pipeline: IngestPipeline;
  let app: FastifyInstance;
  let gw: TestGateway;

  beforeEach(async () => {
    api = await openTestApi();
    ({ pipeline, app } = api);
    gw = new TestGateway('gw-1');
    await pipeline.enroll({ id: gw.id, publicKey: gw.publicKey });
  });
  afterEach(() => api.close());

  const post = (bytes: Buffer) => app.inject({ method: 'POST', url: '/api/v1/batches', headers: { 'content-type': 'application/json' }, payload: bytes });

  it('reports the gaps of a gateway chain; a filled gap disappears', async () => {
    const chain = Array.from({ length: 5 }, () => gw.next());
    for (const seq of [1, 2, 5]) expect((await post(envelopeBytes(chain[seq - 1]!))).statusCode).toBe(200);
    const gaps = await app.inject('/api/v1/gateways/gw-1/gaps');
    expect(gaps.statusCode).toBe(200);
    expect(gaps.json()).toEqual({ gateway: 'gw-1', retentionFloorSeq: 0, highestSeq: 5, missing: 2, gaps: [{ fromSeq: 3, toSeq: 4, count: 2, since: expect.stringMatching(ISO) }] });
    for (const seq of [3, 4]) await post(envelopeBytes(chain[seq - 1]!));
    expect((await app.inject('/api/v1/gateways/gw-1/gaps')).json()).toMatchObject({ missing: 0, gaps: [] });
    const unknown = await app.inject('/api/v1/gateways/nope/gaps');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('FT_ERR_NOT_FOUND');
  });

  it('reports forks with both batches and serves the refused envelope as evidence', async () => {
    const first = gw.next();
    await post(envelopeBytes(first));
    const fork = gw.seal({ seq: 1, prev: first.batch.prev });
    expect((await post(envelopeBytes(fork))).statusCode).toBe(409);
    const forks = await app.inject('/api/v1/gateways/gw-1/forks');
    expect(forks.statusCode).toBe(200);
    const report = forks.json();
    expect(report).toEqual({
      gateway: 'gw-1',
      forks: [
        {
          seq: 1,
          stored: { id: first.id, receivedAt: expect.stringMatching(ISO), transport: 'http' },
          conflictsWith: first.id,
          conflicting: [{ rejectionId: expect.any(Number), id: fork.id, receivedAt: expect.stringMatching(ISO), transport: 'http', evidence: expect.stringMatching(/^\/api\/v1\/gateways\/gw-1\/rejections\/\d+$/) }],
        },
      ],
    });
    const evidence = await app.inject(report.forks[0].conflicting[0].evidence);
    expect(evidence.statusCode).toBe(200);
    const body = evidence.json();
    expect(body).toMatchObject({ gateway: 'gw-1', code: 'FT_ERR_FORK', seq: 1, id: fork.id, sig: fork.sig, conflictsWith: first.id, transport: 'http' });
    const bytes = Buffer.from(body.canonicalBase64, 'base64');
    expect(Buffer.compare(bytes, fork.canonical)).toBe(0);
    // The batch id is the SHA-256 of the bytes: anyone can tie the evidence to the fork report.
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(fork.id);

    expect((await app.inject(`/api/v1/gateways/gw-2/rejections/${body.rejectionId}`)).statusCode).toBe(404);
    expect((await app.inject('/api/v1/gateways/gw-1/rejections/999')).statusCode).toBe(404);
    expect((await app.inject('/api/v1/gateways/gw-1/rejections/abc')).json().error.code).toBe('FT_ERR_SCHEMA');
  });

  it('lists alerts newest first with ISO times, filtered by status, kind and gateway', async () => {
    const first = gw.next();
    await post(envelopeBytes(first));
    await post(envelopeBytes(gw.seal({ seq: 1, prev: first.batch.prev })));
    await post(tamperedEnvelope(gw.next()));
    const all = await app.inject('/api/v1/alerts');
    expect(all.statusCode).toBe(200);
    const alerts = all.json().alerts;
    expect(alerts.map((a: { kind: string }) => a.kind)).toEqual(['bad_signature', 'fork']);
    expect(alerts[1]).toEqual({
      id: expect.any(Number),
      kind: 'fork',
      severity: 'critical',
      gateway: 'gw-1',
      dedupeKey: 'fork:gw-1:1',
      status: 'open',
      openedAt: expect.stringMatching(ISO),
      lastSeenAt: expect.stringMatching(ISO),
      occurrences: 1,
      message: expect.stringContaining('seq 1'),
      details: expect.objectContaining({ seq: 1, storedId: first.id }),
    });
    const kinds = async (query: string): Promise<string[]> => (await app.inject(`/api/v1/alerts?${query}`)).json().alerts.map((a: { kind: string }) => a.kind);
    expect(await kinds('kind=fork')).toEqual(['fork']);
    expect(await kinds('status=open&gateway=gw-1&limit=1')).toEqual(['bad_signature']);
    expect(await kinds('status=resolved')).toEqual([]);
    expect(await kinds('gateway=other')).toEqual([]);
    const bad = await app.inject('/api/v1/alerts?kind=meltdown');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('FT_ERR_SCHEMA');
    expect((await app.inject('/api/v1/alerts?limit=0')).statusCode).toBe(400);
  });

  it('documents the routes in the OpenAPI document', async () => {
    const paths = Object.keys((await app.inject('/docs/json')).json().paths);
    expect(paths).toEqual(expect.arrayContaining(['/api/v1/gateways/{id}/gaps', '/api/v1/gateways/{id}/forks', '/api/v1/gateways/{id}/rejections/{rid}', '/api/v1/alerts']));
  });
});
