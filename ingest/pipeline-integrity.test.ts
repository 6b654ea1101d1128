/**
 * Integrity alerts raised by the pipeline when it refuses a batch (ingest/integrity-alerts.ts):
 * a fork, a bad signature, a broken chain; and a store that cannot raise alerts does not change
 * the batch's acknowledgement.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../common/log.js';
import { IngestMetrics } from './metrics.js';
import { IngestPipeline, type PipelineLimits } from './pipeline.js';
import type { Store } from './store/types.js';
import { openSqliteStore, type SqliteStore } from './store/sqlite.js';
import { T0, TestGateway, envelopeBytes, tamperedEnvelope, tempDir } from './test-helpers.js';

const LIMITS: PipelineLimits = { maxEnvelopeBytes: 64 * 1024, maxClockSkewMs: 300_000, maxQuarantinePerGateway: 3 };

describe('IngestPipeline integrity alerts', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: SqliteStore;
  let metrics: IngestMetrics;
  let pipeline: IngestPipeline;
  let clock: number;
  let gw: TestGateway;

  const start = async (storeForPipeline: Store): Promise<void> => {
    pipeline = new IngestPipeline({ store: storeForPipeline, metrics, logger: silentLogger(), limits: LIMITS, now: () => clock });
    await pipeline.init();
    await pipeline.enroll({ id: gw.id, publicKey: gw.publicKey });
  };

  beforeEach(() => {
    tmp = tempDir();
    store = openSqliteStore({ path: join(tmp.dir, 'ingest.sqlite') });
    metrics = new IngestMetrics();
    clock = T0;
    gw = new TestGateway('gw-1');
  });
  afterEach(async () => {
    await pipeline.close();
    await store.close();
    tmp.cleanup();
  });

  const submit = (bytes: Buffer) => pipeline.submit(bytes, { transport: 'http' });
  const metric = async (name: string): Promise<string> => (await metrics.registry.getSingleMetricAsString(name)).split('\n').filter((l) => !l.startsWith('#')).join('\n');

  it('raises one critical fork alert per forked seq, bumped by every further conflicting envelope', async () => {
    await start(store);
    const first = gw.next();
    expect((await submit(envelopeBytes(first))).status).toBe('accepted');
    const forkA = gw.seal({ seq: 1, prev: first.batch.prev });
    const forkB = gw.seal({ seq: 1, prev: first.batch.prev });
    clock = T0 + 1000;
    expect(await submit(envelopeBytes(forkA))).toMatchObject({ status: 'rejected', code: 'FT_ERR_FORK' });
    clock = T0 + 2000;
    expect(await submit(envelopeBytes(forkB))).toMatchObject({ status: 'rejected', code: 'FT_ERR_FORK' });
    const alerts = await store.listAlerts({ limit: 10 });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      kind: 'fork',
      severity: 'critical',
      gateway: gw.id,
      dedupeKey: 'fork:gw-1:1',
      status: 'open',
      openedAt: T0 + 1000,
      lastSeenAt: T0 + 2000,
      occurrences: 2,
      details: { seq: 1, storedId: first.id, conflictingId: forkB.id, transport: 'http' },
    });
    // Both sides of the fork are kept.
    expect((await store.getBatch(gw.id, 1))?.id).toBe(first.id);
    expect((await store.listForks(gw.id))[0]!.conflicting.map((c) => c.id)).toEqual([forkA.id, forkB.id]);
    expect(await metric('freshtrail_ingest_alerts_raised_total')).toContain('kind="fork",outcome="opened"} 1');
    expect(await metric('freshtrail_ingest_alerts_raised_total')).toContain('kind="fork",outcome="repeated"} 1');
  });

  it('raises a critical bad_signature alert per gateway and a chain_broken alert', async () => {
    await start(store);
    const b1 = gw.next();
    await submit(envelopeBytes(b1));
    await submit(tamperedEnvelope(gw.next()));
    await submit(tamperedEnvelope(gw.next()));
    const rewritten = gw.seal({ seq: 2, prev: 'f'.repeat(64) });
    expect(await submit(envelopeBytes(rewritten))).toMatchObject({ code: 'FT_ERR_CHAIN_BROKEN' });
    const alerts = await store.listAlerts({ limit: 10 });
    expect(alerts.map((a) => [a.kind, a.severity, a.dedupeKey, a.occurrences])).toEqual([
      ['chain_broken', 'critical', 'chain_broken:gw-1', 1],
      ['bad_signature', 'critical', 'bad_signature:gw-1', 2],
    ]);
    expect(alerts[1]!.details).toMatchObject({ seq: 3 });
  });

  it('raises a critical revoked_key_use alert for a batch signed after the revocation', async () => {
    await start(store);
    await pipeline.revoke({ id: gw.id, reason: 'stolen', effectiveAt: T0 });
    expect(await submit(envelopeBytes(gw.next(undefined, { createdAt: T0 + 1 })))).toMatchObject({ code: 'FT_ERR_REVOKED' });
    expect(await store.listAlerts({ limit: 10 })).toMatchObject([{ kind: 'revoked_key_use', severity: 'critical', dedupeKey: 'revoked_key_use:gw-1', details: { seq: 1 } }]);
  });

  it('raises no alert for a sender bug (malformed envelope) or an unknown gateway', async () => {
    await start(store);
    await submit(Buffer.from('{"batch":'));
    await submit(envelopeBytes(new TestGateway('gw-unknown').next()));
    expect(await store.listAlerts({ limit: 10 })).toEqual([]);
  });

  it('keeps the rejection and its Ack when the alert cannot be stored, and counts the failure', async () => {
    const failing = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'raiseAlert') return () => Promise.reject(new Error('disk full'));
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    await start(failing);
    const ack = await submit(tamperedEnvelope(gw.next()));
    expect(ack).toMatchObject({ status: 'rejected', code: 'FT_ERR_BAD_SIGNATURE' });
    expect(await store.listRejections(gw.id)).toHaveLength(1);
    expect(await store.listAlerts({ limit: 10 })).toEqual([]);
    expect(await metric('freshtrail_ingest_alert_errors_total')).toContain('freshtrail_ingest_alert_errors_total 1');
    expect(await metric('freshtrail_ingest_store_errors_total')).toContain('freshtrail_ingest_store_errors_total 0');
  });
});
