/**
 * Contract tests of the integrity and retention part of the Store (STYLE.md §5): gaps, forks,
 * alerts, evidence holds and retention steps, run by the SQLite and the PostgreSQL store alike.
 * Call `describeIntegrityContract(name, open)` from a *.test.ts file.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SealedBatch } from '../../protocol/batch.js';
import { T0, TestGateway, testReadings } from '../test-helpers.js';
import type { AlertInput, PruneBatchesResult, PruneBatchesStep } from './integrity-types.js';
import type { OpenedStore } from './store-contract.js';
import type { BatchMeta, Store } from './types.js';

const meta = (receivedAt: number): BatchMeta => ({ receivedAt, transport: 'mqtt', flags: { gap: false } });

/** Runs retention steps until every expired batch was examined; returns each step's result. */
export async function pruneAll(store: Store, step: Omit<PruneBatchesStep, 'after'>): Promise<PruneBatchesResult[]> {
  const steps: PruneBatchesResult[] = [];
  let after: PruneBatchesStep['after'];
  do {
    const result = await store.pruneBatches({ ...step, after });
    steps.push(result);
    after = result.next;
  } while (after);
  return steps;
}

export function describeIntegrityContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`Store integrity contract: ${name}`, () => {
    let opened: OpenedStore;
    let store: Store;
    let gw: TestGateway;
    /** Seqs 1..n of gw's chain, sealed but not committed. */
    let chain: SealedBatch[];

    beforeEach(async () => {
      opened = await open();
      store = opened.store;
      gw = new TestGateway('gw-a');
      await store.enrollGateway({ id: gw.id, publicKey: gw.publicKey, enrolledAt: T0 });
      chain = Array.from({ length: 12 }, () => gw.next(testReadings(3)));
    });
    afterEach(async () => {
      await opened.dispose();
    });

    /** Commits the batches of these seqs, batch seq received at T0 + seq s. */
    const commit = async (...seqs: number[]): Promise<void> => {
      for (const seq of seqs) expect(await store.commitBatch(chain[seq - 1]!, meta(T0 + seq * 1000))).toEqual({ status: 'committed' });
    };

    it('lists missing seqs between the chain start and the highest stored seq; a filled gap disappears', async () => {
      expect(await store.listGaps(gw.id)).toEqual([]);
      await commit(3, 4, 7, 10);
      expect(await store.listGaps(gw.id)).toEqual([
        { gateway: gw.id, fromSeq: 1, toSeq: 2, count: 2, since: T0 + 3000 },
        { gateway: gw.id, fromSeq: 5, toSeq: 6, count: 2, since: T0 + 7000 },
        { gateway: gw.id, fromSeq: 8, toSeq: 9, count: 2, since: T0 + 10_000 },
      ]);
      await commit(1, 2, 5, 9);
      expect(await store.listGaps(gw.id)).toEqual([
        { gateway: gw.id, fromSeq: 6, toSeq: 6, count: 1, since: T0 + 7000 },
        { gateway: gw.id, fromSeq: 8, toSeq: 8, count: 1, since: T0 + 9000 },
      ]);
      await commit(6, 8);
      expect(await store.listGaps(gw.id)).toEqual([]);
    });

    it('lists the gaps of every gateway in one call', async () => {
      const other = new TestGateway('gw-b');
      await store.enrollGateway({ id: other.id, publicKey: other.publicKey, enrolledAt: T0 });
      const [o1, o2, o3] = [other.next(), other.next(), other.next()];
      await store.commitBatch(o1, meta(T0));
      await store.commitBatch(o3, meta(T0 + 5));
      await commit(1, 2, 4);
      expect(await store.listGaps()).toEqual([
        { gateway: gw.id, fromSeq: 3, toSeq: 3, count: 1, since: T0 + 4000 },
        { gateway: other.id, fromSeq: 2, toSeq: 2, count: 1, since: T0 + 5 },
      ]);
      await store.commitBatch(o2, meta(T0 + 9));
      expect((await store.listGaps()).map((g) => g.gateway)).toEqual([gw.id]);
      expect(await store.listGaps('nope')).toEqual([]);
    });

    it('does not count seqs deleted by retention as gaps', async () => {
      await commit(2, 3, 4, 6, 7);
      expect((await store.listGaps(gw.id)).map((g) => [g.fromSeq, g.toSeq])).toEqual([[1, 1], [5, 5]]);
      // Batches 2–4 were received before T0 + 4500.
      const steps = await pruneAll(store, { receivedBefore: T0 + 4500, maxRows: 1000 });
      expect(steps.reduce((n, s) => n + s.deletedBatches, 0)).toBe(3);
      expect(await store.retentionFloor(gw.id)).toBe(4);
      expect(await store.listGaps(gw.id)).toEqual([{ gateway: gw.id, fromSeq: 5, toSeq: 5, count: 1, since: T0 + 6000 }]);
      expect(await store.retentionFloor('gw-b')).toBe(0);
    });

    it('reports forks with the stored batch and every conflicting envelope, and returns the evidence bytes', async () => {
      await commit(1, 2);
      const forkA = gw.seal({ seq: 2, prev: chain[0]!.id, readings: testReadings(1, { sensor: 'x' }) });
      const forkB = gw.seal({ seq: 2, prev: chain[0]!.id, readings: testReadings(1, { sensor: 'y' }) });
      const reject = (s: SealedBatch, receivedAt: number, transport: 'mqtt' | 'http') =>
        store.recordRejection({ code: 'FT_ERR_FORK', reason: 'fork', receivedAt, transport, gateway: gw.id, seq: 2, id: s.id, sig: s.sig, canonical: s.canonical, conflictsWith: chain[1]!.id });
      await reject(forkA, T0 + 50, 'http');
      await store.recordRejection({ code: 'FT_ERR_BAD_SIGNATURE', reason: 'bad', receivedAt: T0 + 60, transport: 'mqtt', gateway: gw.id, seq: 3 });
      await reject(forkB, T0 + 70, 'mqtt');
      const forks = await store.listForks(gw.id);
      expect(forks).toHaveLength(1);
      expect(forks[0]).toMatchObject({
        gateway: gw.id,
        seq: 2,
        stored: { id: chain[1]!.id, receivedAt: T0 + 2000, transport: 'mqtt' },
        conflictsWith: chain[1]!.id,
        conflicting: [
          { id: forkA.id, receivedAt: T0 + 50, transport: 'http' },
          { id: forkB.id, receivedAt: T0 + 70, transport: 'mqtt' },
        ],
      });
      const evidence = await store.getRejection(gw.id, forks[0]!.conflicting[1]!.rejectionId);
      expect(evidence).toMatchObject({ code: 'FT_ERR_FORK', id: forkB.id, sig: forkB.sig, seq: 2, conflictsWith: chain[1]!.id });
      expect(Buffer.compare(evidence!.canonical!, forkB.canonical)).toBe(0);
      expect(await store.getRejection('gw-b', forks[0]!.conflicting[1]!.rejectionId)).toBeUndefined();
      expect(await store.listForks('gw-b')).toEqual([]);
    });

    const alert = (over: Partial<AlertInput> = {}): AlertInput => ({
      kind: 'fork', severity: 'critical', gateway: gw.id, dedupeKey: `fork:${gw.id}:2`, message: 'fork at 2', details: { seq: 2 }, at: T0, ...over,
    });

    it('raises alerts idempotently on the dedupe key, resolves them, and a later raise opens a new one', async () => {
      const first = await store.raiseAlert(alert());
      expect(first.opened).toBe(true);
      expect(first.alert).toEqual({
        id: expect.any(Number), kind: 'fork', severity: 'critical', gateway: gw.id, subject: undefined, dedupeKey: `fork:${gw.id}:2`, status: 'open',
        openedAt: T0, lastSeenAt: T0, occurrences: 1, acknowledgedAt: undefined, acknowledgedBy: undefined, resolvedAt: undefined, resolvedBy: undefined, note: undefined, message: 'fork at 2', details: { seq: 2 },
      });
      const again = await store.raiseAlert(alert({ at: T0 + 500, message: 'fork at 2 again', details: { seq: 2, envelopes: 2 } }));
      expect(again.opened).toBe(false);
      expect(again.alert).toMatchObject({ id: first.alert.id, openedAt: T0, lastSeenAt: T0 + 500, occurrences: 2, message: 'fork at 2 again', details: { seq: 2, envelopes: 2 } });
      // An out-of-order raise never moves lastSeenAt back; a warning never lowers a critical alert.
      const late = await store.raiseAlert(alert({ at: T0 + 100, severity: 'warning' }));
      expect(late.alert).toMatchObject({ lastSeenAt: T0 + 500, occurrences: 3, severity: 'critical' });

      expect(await store.resolveAlert(`fork:${gw.id}:2`, T0 + 900)).toBe(true);
      expect(await store.resolveAlert(`fork:${gw.id}:2`, T0 + 901)).toBe(false);
      const reopened = await store.raiseAlert(alert({ at: T0 + 1000 }));
      expect(reopened.opened).toBe(true);
      expect(reopened.alert.id).not.toBe(first.alert.id);
      const all = await store.listAlerts({ limit: 10 });
      expect(all.map((a) => [a.status, a.occurrences])).toEqual([['open', 1], ['resolved', 3]]);
      expect(all[1]).toMatchObject({ resolvedAt: T0 + 900 });
    });

    it('takes an alert from open to acknowledged to resolved, with who, when and a note, each once', async () => {
      const { alert: opened } = await store.raiseAlert(alert());
      const acked = await store.actOnAlert(opened.id, { action: 'acknowledge', by: 'ana@farm', at: T0 + 10, note: 'checking the reefer' });
      expect(acked).toMatchObject({ changed: true, alert: { status: 'acknowledged', acknowledgedAt: T0 + 10, acknowledgedBy: 'ana@farm', note: 'checking the reefer' } });
      expect(await store.actOnAlert(opened.id, { action: 'acknowledge', by: 'bo', at: T0 + 20 })).toMatchObject({ changed: false, alert: { acknowledgedBy: 'ana@farm' } });
      // Raised again while acknowledged: still acknowledged, one more occurrence.
      expect((await store.raiseAlert(alert({ at: T0 + 30 }))).alert).toMatchObject({ id: opened.id, status: 'acknowledged', occurrences: 2 });
      const resolved = await store.actOnAlert(opened.id, { action: 'resolve', by: 'bo', at: T0 + 40 });
      expect(resolved).toMatchObject({ changed: true, alert: { status: 'resolved', resolvedAt: T0 + 40, resolvedBy: 'bo', note: 'checking the reefer' } });
      expect(await store.actOnAlert(opened.id, { action: 'acknowledge', by: 'cy', at: T0 + 50 })).toMatchObject({ changed: false, alert: { status: 'resolved' } });
      expect(await store.actOnAlert(opened.id, { action: 'resolve', by: 'cy', at: T0 + 50 })).toMatchObject({ changed: false, alert: { resolvedBy: 'bo' } });
      expect(await store.actOnAlert(999_999, { action: 'resolve', by: 'cy', at: T0 })).toBeUndefined();
    });

    it('lists alerts newest first, filtered by status, kind and gateway', async () => {
      await store.raiseAlert(alert({ dedupeKey: 'a', at: T0 + 1 }));
      await store.raiseAlert(alert({ dedupeKey: 'b', kind: 'gap', severity: 'warning', at: T0 + 2, details: undefined }));
      await store.raiseAlert(alert({ dedupeKey: 'c', kind: 'bad_signature', gateway: 'gw-b', subject: 'dock 2', at: T0 + 3 }));
      await store.raiseAlert(alert({ dedupeKey: 'd', kind: 'gap', severity: 'warning', at: T0 + 4 }));
      await store.resolveAlert('d', T0 + 5);
      const keys = async (q: Parameters<Store['listAlerts']>[0]) => (await store.listAlerts(q)).map((a) => a.dedupeKey);
      expect(await keys({ limit: 10 })).toEqual(['d', 'c', 'b', 'a']);
      expect(await keys({ limit: 2 })).toEqual(['d', 'c']);
      expect(await keys({ status: ['open'], limit: 10 })).toEqual(['c', 'b', 'a']);
      expect(await keys({ status: ['open', 'acknowledged'], kind: 'gap', limit: 10 })).toEqual(['b']);
      expect(await keys({ gateway: 'gw-b', limit: 10 })).toEqual(['c']);
      expect(await keys({ status: ['resolved'], gateway: gw.id, limit: 10 })).toEqual(['d']);
      const [c] = await store.listAlerts({ gateway: 'gw-b', limit: 1 });
      expect(c).toMatchObject({ subject: 'dock 2', severity: 'critical' });
      expect(await store.listAlerts({ id: c!.id, limit: 10 })).toEqual([c]);
      expect(await store.listAlerts({ id: 999_999, limit: 10 })).toEqual([]);
      expect((await store.listAlerts({ status: ['open'], kind: 'gap', limit: 1 }))[0]!.details).toEqual({});
    });

    it('stores evidence holds and consumer cursors', async () => {
      const hold = await store.addEvidenceHold({ gateway: gw.id, fromSeq: 3, toSeq: 4, reason: 'epoch 7 anchored', createdAt: T0 });
      await store.addEvidenceHold({ gateway: 'gw-0', fromSeq: 1, toSeq: 1, reason: 'legal hold', createdAt: T0 });
      expect(hold).toEqual({ id: expect.any(Number), gateway: gw.id, fromSeq: 3, toSeq: 4, reason: 'epoch 7 anchored', createdAt: T0 });
      expect((await store.listEvidenceHolds()).map((h) => h.gateway)).toEqual(['gw-0', gw.id]);
      expect(await store.listEvidenceHolds(gw.id)).toEqual([hold]);
      expect(await store.listConsumerCursors()).toEqual([]);
      await store.setConsumerCursor('influx', 5);
      await store.setConsumerCursor('anchor', 2);
      expect(await store.listConsumerCursors()).toEqual([{ name: 'anchor', position: 2 }, { name: 'influx', position: 5 }]);
    });

    it('deletes expired batches with their readings in bounded steps, keeping held, unconsumed and the newest ones', async () => {
      await commit(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
      await store.addEvidenceHold({ gateway: gw.id, fromSeq: 3, toSeq: 4, reason: 'anchored', createdAt: T0 });
      const positions = (await store.committedBatchesAfter(0, 100)).map((b) => b.position);
      // Every batch is expired; a consumer has handled batches 1–9 only.
      const steps = await pruneAll(store, { receivedBefore: T0 + 100_000, maxPosition: positions[8], maxRows: 10 });
      // 3 readings + 1 batch row each: at most 2 batches per 10-row step.
      for (const s of steps) expect(s.deletedBatches + s.deletedReadings).toBeLessThanOrEqual(10);
      expect(steps.length).toBeGreaterThan(3);
      const total = (k: 'deletedBatches' | 'deletedReadings' | 'held' | 'unconsumed') => steps.reduce((n, s) => n + s[k], 0);
      expect([total('deletedBatches'), total('deletedReadings'), total('held'), total('unconsumed')]).toEqual([7, 21, 2, 3]);
      const left = (await store.committedBatchesAfter(0, 100)).map((b) => b.seq);
      expect(left).toEqual([3, 4, 10, 11, 12]);
      expect((await store.queryReadings({ gateway: gw.id, limit: 100 })).map((r) => r.seq).sort((a, b) => a - b)).toEqual([3, 3, 3, 4, 4, 4, 10, 10, 10, 11, 11, 11, 12, 12, 12]);
      expect(await store.counts()).toMatchObject({ batches: 5, readings: 15 });
      expect(await store.retentionFloor(gw.id)).toBe(9);
      expect(await store.listGaps(gw.id)).toEqual([]);

      // Without a consumer limit the newest batch still stays: its position must never be reused.
      await pruneAll(store, { receivedBefore: T0 + 100_000, maxRows: 10 });
      expect((await store.committedBatchesAfter(0, 100)).map((b) => b.seq)).toEqual([3, 4, 12]);
      expect(await store.getBatch(gw.id, 12)).toBeDefined();
    });

    it('keeps batches received after the horizon, and a batch bigger than a step is still deleted alone', async () => {
      const big = gw.seal({ seq: 20, prev: chain[11]!.id, readings: testReadings(30) });
      await commit(1, 2);
      await store.commitBatch(big, meta(T0 + 2500));
      await commit(3);
      const steps = await pruneAll(store, { receivedBefore: T0 + 2600, maxRows: 10 });
      expect(steps.map((s) => [s.deletedBatches, s.deletedReadings])).toEqual([[2, 6], [1, 30]]);
      expect((await store.committedBatchesAfter(0, 10)).map((b) => b.seq)).toEqual([3]);
    });

    it('deletes old rejections (not held ones), quarantine and resolved alerts, oldest first up to a bound', async () => {
      await store.addEvidenceHold({ gateway: gw.id, fromSeq: 2, toSeq: 2, reason: 'fork evidence', createdAt: T0 });
      for (const [seq, at] of [[1, T0], [2, T0 + 1], [3, T0 + 2], [4, T0 + 50]] as const) {
        await store.recordRejection({ code: 'FT_ERR_BAD_SIGNATURE', reason: 'bad', receivedAt: at, transport: 'http', gateway: gw.id, seq });
      }
      await store.recordRejection({ code: 'FT_ERR_MALFORMED', reason: 'not JSON', receivedAt: T0 + 3, transport: 'mqtt' });
      expect(await store.pruneRecords('rejections', T0 + 10, 2)).toBe(2);
      expect(await store.pruneRecords('rejections', T0 + 10, 2)).toBe(1);
      expect(await store.pruneRecords('rejections', T0 + 10, 2)).toBe(0);
      expect((await store.listRejections(gw.id)).map((r) => r.seq)).toEqual([2, 4]);

      const unknown = new TestGateway('gw-unknown');
      for (const at of [T0, T0 + 100]) {
        const s = unknown.next();
        await store.quarantine({ gateway: unknown.id, seq: s.batch.seq, id: s.id, sig: s.sig, canonical: s.canonical, reason: 'not enrolled', receivedAt: at, transport: 'mqtt' });
      }
      expect(await store.pruneRecords('quarantine', T0 + 10, 100)).toBe(1);
      expect((await store.listQuarantine(unknown.id)).map((q) => q.seq)).toEqual([2]);

      await store.raiseAlert(alert({ dedupeKey: 'old', at: T0 }));
      await store.raiseAlert(alert({ dedupeKey: 'open', at: T0 }));
      await store.raiseAlert(alert({ dedupeKey: 'recent', at: T0 }));
      await store.resolveAlert('old', T0 + 1);
      await store.resolveAlert('recent', T0 + 100);
      expect(await store.pruneRecords('resolved_alerts', T0 + 10, 100)).toBe(1);
      expect((await store.listAlerts({ limit: 10 })).map((a) => a.dedupeKey).sort()).toEqual(['open', 'recent']);
    });
  });
}
