/**
 * The retention job on both stores (SQLite, and PostgreSQL when it runs on 127.0.0.1:5432),
 * with an injected clock and horizons of days: expired batches go with their readings in
 * bounded transactions, held and unconsumed ones stay, and so do recent records.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.js';
import type { SealedBatch } from '../../protocol/batch.js';
import { skipWithoutService } from '../../test/support/tools.js';
import { IngestMetrics } from '../metrics.js';
import { openPostgresStore } from '../store/postgres/store.js';
import { createTestDatabase, PG_HOST, PG_PORT, truncateStore, type TestDatabase } from '../store/postgres/test-database.js';
import { openSqliteStore } from '../store/sqlite.js';
import type { OpenedStore } from '../store/store-contract.js';
import type { Store } from '../store/types.js';
import { T0, TestGateway, tempDir, testReadings } from '../test-helpers.js';
import { RetentionJob, retentionHorizons, type RetentionJobOptions } from './retention.js';

const DAY = 86_400_000;
const NOW = T0 + 20 * DAY;

function describeRetentionJob(name: string, open: () => Promise<OpenedStore>): void {
  describe(`RetentionJob: ${name}`, () => {
    let opened: OpenedStore;
    let store: Store;
    let metrics: IngestMetrics;
    let gw: TestGateway;
    let chain: SealedBatch[];
    let steps: number;

    beforeEach(async () => {
      opened = await open();
      metrics = new IngestMetrics();
      steps = 0;
      // Counts the transactions the job runs over batches.
      store = new Proxy(opened.store, {
        get(target, prop, receiver) {
          const value: unknown = Reflect.get(target, prop, receiver);
          if (typeof value !== 'function') return value;
          if (prop === 'pruneBatches') return (...args: unknown[]) => ((steps += 1), (value as (...a: unknown[]) => unknown).apply(target, args));
          return value.bind(target);
        },
      });
      gw = new TestGateway('gw-1');
      await store.enrollGateway({ id: gw.id, publicKey: gw.publicKey, enrolledAt: T0 });
      // Batch seq is received on day seq: with a 10-day horizon at NOW, batches 1–9 are expired.
      chain = Array.from({ length: 12 }, () => gw.next(testReadings(3)));
      for (const [i, sealed] of chain.entries()) await store.commitBatch(sealed, { receivedAt: T0 + (i + 1) * DAY, transport: 'mqtt', flags: { gap: false } });
    });
    afterEach(async () => {
      await opened.dispose();
    });

    const job = (over: Partial<RetentionJobOptions> = {}) =>
      new RetentionJob({ store, metrics, logger: silentLogger(), readingsMs: 10 * DAY, rejectionsMs: 10 * DAY, quarantineMs: 5 * DAY, resolvedAlertsMs: 10 * DAY, maxRowsPerTransaction: 5, ...over });
    const seqsLeft = async (): Promise<number[]> => (await store.committedBatchesAfter(0, 100)).map((b) => b.seq);
    const positionOf = async (seq: number): Promise<number> => (await store.committedBatchesAfter(0, 100)).find((b) => b.seq === seq)!.position;

    it('deletes expired batches and readings in bounded transactions, keeping held and unconsumed ones', async () => {
      await store.addEvidenceHold({ gateway: gw.id, fromSeq: 2, toSeq: 3, reason: 'epoch 1 anchored', createdAt: T0 });
      await store.setConsumerCursor('influx', await positionOf(7));
      const summary = await job({ consumers: ['influx'] }).runOnce(NOW);
      expect(summary).toEqual({ batches: 5, readings: 15, rejections: 0, quarantine: 0, resolvedAlerts: 0, alertDeliveries: 0, alertEvents: 0, keptHeld: 2, keptUnconsumed: 2 });
      // 3 readings + the batch row = 4 rows: one batch per 5-row transaction.
      expect(steps).toBeGreaterThanOrEqual(5);
      expect(await seqsLeft()).toEqual([2, 3, 8, 9, 10, 11, 12]);
      expect(await store.counts()).toMatchObject({ batches: 7, readings: 21 });
      // Deleted seqs are not gaps; the held ones below the floor do not matter.
      expect(await store.retentionFloor(gw.id)).toBe(7);
      expect(await store.listGaps(gw.id)).toEqual([]);
      const deleted = await metrics.registry.getSingleMetricAsString('freshtrail_ingest_retention_deleted_total');
      expect(deleted).toContain('record="batches"} 5');
      expect(deleted).toContain('record="readings"} 15');

      // The consumer catches up: the rest of the expired, unheld batches go on the next run.
      await store.setConsumerCursor('influx', await positionOf(12));
      expect(await job({ consumers: ['influx'] }).runOnce(NOW)).toMatchObject({ batches: 2, keptHeld: 2, keptUnconsumed: 0 });
      expect(await seqsLeft()).toEqual([2, 3, 10, 11, 12]);
      expect(await store.retentionFloor(gw.id)).toBe(9);
    });

    it('keeps every batch for a configured consumer that has stored no cursor yet', async () => {
      await store.setConsumerCursor('influx', await positionOf(12));
      expect(await job({ consumers: ['influx', 'anchor'] }).runOnce(NOW)).toMatchObject({ batches: 0, keptUnconsumed: 9 });
      expect(await seqsLeft()).toHaveLength(12);
    });

    it('without consumers deletes every expired unheld batch', async () => {
      expect(await job().runOnce(NOW)).toMatchObject({ batches: 9, readings: 27, keptHeld: 0, keptUnconsumed: 0 });
      expect(await seqsLeft()).toEqual([10, 11, 12]);
    });

    it('deletes old rejections, quarantine and resolved alerts, keeping recent and open ones', async () => {
      for (const day of [1, 2, 15]) await store.recordRejection({ code: 'FT_ERR_MALFORMED', reason: 'x', receivedAt: T0 + day * DAY, transport: 'http', gateway: gw.id });
      const unknown = new TestGateway('gw-x');
      for (const day of [10, 16]) {
        const s = unknown.next();
        await store.quarantine({ gateway: unknown.id, seq: s.batch.seq, id: s.id, sig: s.sig, canonical: s.canonical, reason: 'not enrolled', receivedAt: T0 + day * DAY, transport: 'mqtt' });
      }
      const alert = (key: string) => store.raiseAlert({ kind: 'gap', severity: 'warning', gateway: gw.id, dedupeKey: key, message: key, at: T0 });
      for (const key of ['old', 'recent', 'open']) await alert(key);
      await store.resolveAlert('old', T0 + DAY);
      await store.resolveAlert('recent', T0 + 15 * DAY);
      const summary = await job({ maxRowsPerTransaction: 1 }).runOnce(NOW);
      expect(summary).toMatchObject({ rejections: 2, quarantine: 1, resolvedAlerts: 1 });
      expect((await store.listRejections(gw.id)).map((r) => r.receivedAt)).toEqual([T0 + 15 * DAY]);
      expect(await store.quarantineCount(unknown.id)).toBe(1);
      expect((await store.listAlerts({ limit: 10 })).map((a) => a.dedupeKey).sort()).toEqual(['open', 'recent']);
    });

    it('takes its horizons in days from the config', () => {
      expect(retentionHorizons({ enabled: true, intervalMinutes: 60, readingsDays: 730, rejectionsDays: 365, quarantineDays: 90, resolvedAlertsDays: 1 })).toEqual({
        readingsMs: 730 * DAY,
        rejectionsMs: 365 * DAY,
        quarantineMs: 90 * DAY,
        resolvedAlertsMs: DAY,
      });
    });
  });
}

describeRetentionJob('SQLite', async () => {
  const tmp = tempDir();
  const store = openSqliteStore({ path: join(tmp.dir, 'ingest.sqlite') });
  return {
    store,
    dispose: async () => {
      await store.close();
      tmp.cleanup();
    },
  };
});

const skipPg = await skipWithoutService('PostgreSQL', PG_HOST, PG_PORT);
describe.skipIf(skipPg)('on PostgreSQL', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });
  describeRetentionJob('PostgreSQL', async () => {
    const store = await openPostgresStore({ url: db.url, poolSize: 2 });
    await truncateStore(db.url);
    return { store, dispose: () => store.close() };
  });
});
