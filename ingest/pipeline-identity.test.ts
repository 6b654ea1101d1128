/**
 * The pipeline's side of gateway identity: revocation checked inside the gateway's serial
 * queue, and the per-gateway rate limit checked before verification.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../common/log.js';
import { IngestMetrics } from './metrics.js';
import { IngestPipeline, type PipelineLimits } from './pipeline.js';
import { openSqliteStore, type SqliteStore } from './store/sqlite.js';
import { T0, TestGateway, envelopeBytes, tempDir, testReadings } from './test-helpers.js';

const LIMITS: PipelineLimits = { maxEnvelopeBytes: 64 * 1024, maxClockSkewMs: 300_000, maxQuarantinePerGateway: 3, gatewayRate: { readingsPerSecond: 10, burstReadings: 20 } };
const MINUTE = 60_000;

describe('IngestPipeline: gateway identity', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: SqliteStore;
  let metrics: IngestMetrics;
  let pipeline: IngestPipeline;
  let clock: number;
  let gw: TestGateway;

  beforeEach(async () => {
    tmp = tempDir();
    store = openSqliteStore({ path: join(tmp.dir, 'ingest.sqlite') });
    metrics = new IngestMetrics();
    clock = T0 + 60 * MINUTE;
    pipeline = new IngestPipeline({ store, metrics, logger: silentLogger(), limits: LIMITS, now: () => clock });
    await pipeline.init();
    gw = new TestGateway('gw-1');
    await pipeline.enroll({ id: gw.id, publicKey: gw.publicKey });
  });
  afterEach(async () => {
    await pipeline.close();
    await store.close();
    tmp.cleanup();
  });

  const submit = (bytes: Buffer, topicGateway?: string) => pipeline.submit(bytes, { transport: topicGateway ? 'mqtt' : 'http', topicGateway });
  const counter = async (name: string): Promise<string> => (await metrics.registry.getSingleMetricAsString(name)).split('\n').filter((l) => !l.startsWith('#')).join('\n');

  describe('revocation', () => {
    it('refuses batches created at or after the effective time, keeps earlier ones and stored ones valid', async () => {
      const stored = gw.next(testReadings(1), { createdAt: T0 });
      expect((await submit(envelopeBytes(stored))).status).toBe('accepted');
      const result = await pipeline.revoke({ id: gw.id, reason: 'gateway stolen from truck 7', effectiveAt: T0 + 10 * MINUTE });
      expect(result).toMatchObject({ status: 'revoked', gateway: { revocation: { effectiveAt: T0 + 10 * MINUTE, reason: 'gateway stolen from truck 7', recordedAt: clock } } });

      // The outbox delivering its backlog: created before the effective time, still accepted.
      const backlog = gw.next(testReadings(1), { createdAt: T0 + 10 * MINUTE - 1 });
      expect((await submit(envelopeBytes(backlog), gw.id)).status).toBe('accepted');
      const after = gw.next(testReadings(1), { createdAt: T0 + 10 * MINUTE });
      const refused = await submit(envelopeBytes(after), gw.id);
      expect(refused).toMatchObject({ status: 'rejected', code: 'FT_ERR_REVOKED', seq: 3, id: after.id });
      expect(refused.reason).toMatch(/revoked with effect from 2026-01-15T08:10:00.000Z \(gateway stolen from truck 7\).*enroll it under a new gateway id/);
      // Evidence: the refused envelope with its bytes.
      const [rejection] = await store.listRejections(gw.id);
      expect(rejection).toMatchObject({ code: 'FT_ERR_REVOKED', seq: 3, id: after.id });
      expect(Buffer.compare(rejection!.canonical!, after.canonical)).toBe(0);
      // Stored batches stay; a redelivery of one is still a duplicate, not a refusal.
      expect((await submit(envelopeBytes(stored))).status).toBe('duplicate');
      expect((await store.counts()).batches).toBe(2);
      expect(await counter('freshtrail_ingest_rejections_total')).toContain('code="FT_ERR_REVOKED"} 1');
    });

    it('defaults the effective time to now, is idempotent, and answers undefined for an unknown gateway', async () => {
      const first = await pipeline.revoke({ id: gw.id, reason: 'decommissioned' });
      expect(first?.gateway.revocation?.effectiveAt).toBe(clock);
      clock += MINUTE;
      expect(await pipeline.revoke({ id: gw.id, reason: 'decommissioned' })).toMatchObject({ status: 'unchanged', gateway: { revocation: { effectiveAt: clock - MINUTE } } });
      expect(await pipeline.revoke({ id: 'nope', reason: 'x' })).toBeUndefined();
      expect((await submit(envelopeBytes(gw.next(testReadings(1), { createdAt: clock })))).code).toBe('FT_ERR_REVOKED');
    });

    it('is ordered with the batches in the gateway queue: a batch behind the revocation is refused, one before it is accepted', async () => {
      const before = gw.next(testReadings(1), { createdAt: clock });
      const behind = gw.next(testReadings(1), { createdAt: clock });
      // The revocation queues behind the group already holding `before`; `behind` arrives
      // while the revocation is still queued or running, so it waits for it.
      const first = submit(envelopeBytes(before));
      const revoked = pipeline.revoke({ id: gw.id, reason: 'key leaked', effectiveAt: T0 });
      expect((await first).status).toBe('accepted');
      const second = submit(envelopeBytes(behind));
      expect((await revoked)?.status).toBe('revoked');
      expect((await second).code).toBe('FT_ERR_REVOKED');
    });
  });

  describe('rate limit', () => {
    it('answers a batch beyond the bucket with FT_ERR_RATE_LIMITED (MQTT ack), stores nothing, keeps no evidence, and accepts it after the refill', async () => {
      expect((await submit(envelopeBytes(gw.next(testReadings(15), { createdAt: clock })), gw.id)).status).toBe('accepted');
      const next = gw.next(testReadings(10), { createdAt: clock });
      const limited = await submit(envelopeBytes(next), gw.id);
      // 5 readings left in the bucket, 10 needed at 10/s: 0.5 s, rounded up to whole seconds.
      expect(limited).toMatchObject({ v: 1, gateway: gw.id, seq: 2, id: next.id, status: 'rejected', code: 'FT_ERR_RATE_LIMITED', retryAfterS: 1 });
      expect(limited.reason).toMatch(/limits\.gatewayRate.*send it again in 1 s/);
      expect((await store.counts()).batches).toBe(1);
      expect(await store.listRejections(gw.id)).toEqual([]);
      expect(await counter('freshtrail_ingest_rejections_total')).toContain('code="FT_ERR_RATE_LIMITED"} 1');
      expect(await counter('freshtrail_ingest_batches_total')).toContain('status="rejected",transport="mqtt"} 1');
      clock += 499;
      expect((await submit(envelopeBytes(next), gw.id)).code).toBe('FT_ERR_RATE_LIMITED');
      clock += 1;
      expect(await submit(envelopeBytes(next), gw.id)).toEqual({ v: 1, gateway: gw.id, seq: 2, id: next.id, status: 'accepted' });
    });

    it('limits before verification: an unknown gateway and a tampered batch are charged too', async () => {
      const stranger = new TestGateway('gw-unknown');
      expect((await submit(envelopeBytes(stranger.next(testReadings(20))))).status).toBe('quarantined');
      expect((await submit(envelopeBytes(stranger.next(testReadings(1))))).code).toBe('FT_ERR_RATE_LIMITED');
      expect(await store.quarantineCount(stranger.id)).toBe(1);
    });

    it('is off when limits.gatewayRate is absent', async () => {
      const unlimited = new IngestPipeline({ store, metrics: new IngestMetrics(), logger: silentLogger(), limits: { ...LIMITS, gatewayRate: undefined }, now: () => clock });
      for (let i = 0; i < 3; i++) expect((await unlimited.submit(envelopeBytes(gw.next(testReadings(20))), { transport: 'http' })).status).toBe('accepted');
      await unlimited.close();
    });
  });
});
