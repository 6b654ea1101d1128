/**
 * The integrity monitor on a real SQLite store with an injected clock: gaps alert only after
 * the grace period, repeated passes bump one alert, and an alert is resolved once its gap is
 * filled or retention has deleted the seqs around it.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.js';
import type { SealedBatch } from '../../protocol/batch.js';
import { IngestMetrics } from '../metrics.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite.js';
import { T0, TestGateway, tempDir } from '../test-helpers.js';
import { DEFAULT_GAP_GRACE_MS, IntegrityMonitor } from './integrity-monitor.js';

describe('IntegrityMonitor', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: SqliteStore;
  let metrics: IngestMetrics;
  let monitor: IntegrityMonitor;
  let chain: SealedBatch[];
  let gw: TestGateway;

  beforeEach(async () => {
    tmp = tempDir();
    store = openSqliteStore({ path: join(tmp.dir, 'ingest.sqlite') });
    metrics = new IngestMetrics();
    monitor = new IntegrityMonitor({ store, metrics, logger: silentLogger() });
    gw = new TestGateway('gw-1');
    await store.enrollGateway({ id: gw.id, publicKey: gw.publicKey, enrolledAt: T0 });
    chain = Array.from({ length: 6 }, () => gw.next());
  });
  afterEach(async () => {
    await store.close();
    tmp.cleanup();
  });

  /** Batch seq received at T0 + seq s. */
  const commit = async (...seqs: number[]): Promise<void> => {
    for (const seq of seqs) await store.commitBatch(chain[seq - 1]!, { receivedAt: T0 + seq * 1000, transport: 'http', flags: { gap: false } });
  };
  const gauge = async (): Promise<string> => (await metrics.registry.getSingleMetricAsString('freshtrail_ingest_chain_gaps')).split('\n').at(-1)!;
  const gapAlerts = () => store.listAlerts({ kind: 'gap', limit: 10 });

  it('waits for the grace period, then raises one warning per gap and bumps it on later passes', async () => {
    await commit(1, 2, 5);
    const since = T0 + 5000;
    expect(await monitor.runOnce(since + 60_000)).toEqual({ gaps: 1, missing: 2, withinGrace: 1, raised: 0, resolved: 0 });
    expect(await gapAlerts()).toEqual([]);
    expect(await gauge()).toBe('freshtrail_ingest_chain_gaps 2');

    expect(await monitor.runOnce(since + DEFAULT_GAP_GRACE_MS)).toMatchObject({ withinGrace: 0, raised: 1 });
    expect(await monitor.runOnce(since + DEFAULT_GAP_GRACE_MS + 60_000)).toMatchObject({ raised: 1 });
    const [alert] = await gapAlerts();
    expect(alert).toMatchObject({
      kind: 'gap',
      severity: 'warning',
      gateway: gw.id,
      dedupeKey: 'gap:gw-1:3',
      status: 'open',
      openedAt: since + DEFAULT_GAP_GRACE_MS,
      lastSeenAt: since + DEFAULT_GAP_GRACE_MS + 60_000,
      occurrences: 2,
      details: { fromSeq: 3, toSeq: 4, count: 2, since: new Date(since).toISOString() },
    });
    expect(alert!.message).toContain('batches 3–4 are missing');
  });

  it('resolves a gap alert when its gap is filled, and follows a gap that shrinks', async () => {
    await commit(1, 2, 5, 6);
    const late = T0 + 3_600_000;
    await monitor.runOnce(late);
    await commit(3);
    expect(await monitor.runOnce(late + 1)).toEqual({ gaps: 1, missing: 1, withinGrace: 0, raised: 1, resolved: 1 });
    expect((await gapAlerts()).map((a) => [a.dedupeKey, a.status])).toEqual([['gap:gw-1:4', 'open'], ['gap:gw-1:3', 'resolved']]);
    await commit(4);
    expect(await monitor.runOnce(late + 2)).toEqual({ gaps: 0, missing: 0, withinGrace: 0, raised: 0, resolved: 1 });
    expect((await gapAlerts()).map((a) => a.status)).toEqual(['resolved', 'resolved']);
    expect((await gapAlerts())[0]!.resolvedAt).toBe(late + 2);
    expect(await gauge()).toBe('freshtrail_ingest_chain_gaps 0');
  });

  it('resolves a gap alert once retention has deleted the batches around the gap', async () => {
    await commit(1, 3, 4);
    await monitor.runOnce(T0 + 3_600_000);
    expect((await gapAlerts()).map((a) => a.status)).toEqual(['open']);
    // Batches 1 and 3 expire; 4, the newest, stays.
    let after;
    do after = (await store.pruneBatches({ receivedBefore: T0 + 3500, maxRows: 100, after })).next;
    while (after);
    expect(await store.retentionFloor(gw.id)).toBe(3);
    expect(await monitor.runOnce(T0 + 3_600_001)).toMatchObject({ gaps: 0, resolved: 1 });
    expect((await gapAlerts()).map((a) => a.status)).toEqual(['resolved']);
  });

  it('uses the grace period it is given', async () => {
    const quick = new IntegrityMonitor({ store, metrics, logger: silentLogger(), gapGraceMs: 0 });
    await commit(2);
    expect(await quick.runOnce(T0 + 2000)).toMatchObject({ gaps: 1, raised: 1 });
    expect((await gapAlerts())[0]!.message).toContain('batch 1 is missing');
  });
});
