/**
 * The contract test suite every Store implementation runs (STYLE.md §5): SQLite now,
 * PostgreSQL later. Call `describeStoreContract(name, open)` from a *.test.ts file; `open`
 * returns a fresh, empty store and a function that disposes of it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { T0, TestGateway, testReading, testReadings } from '../test-helpers.js';
import type { BatchMeta, ReadingQuery, Store, StoredReading } from './types.js';

export interface OpenedStore {
  store: Store;
  dispose(): Promise<void>;
}

/** Opens a fresh store before each test of the enclosing describe (handed to `use`) and disposes of it after. */
export function storePerTest(open: () => Promise<OpenedStore>, use: (store: Store) => void): void {
  let opened: OpenedStore | undefined;
  beforeEach(async () => {
    opened = await open();
    use(opened.store);
  });
  afterEach(async () => {
    await opened?.dispose();
    opened = undefined;
  });
}

const meta = (over: Partial<BatchMeta> = {}): BatchMeta => ({ receivedAt: T0 + 1000, transport: 'mqtt', flags: { gap: false }, ...over });

export function describeStoreContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`Store contract: ${name}`, () => {
    let opened: OpenedStore;
    let store: Store;
    let gw: TestGateway;

    beforeEach(async () => {
      opened = await open();
      store = opened.store;
      gw = new TestGateway('gw-a');
      await store.enrollGateway({ id: gw.id, publicKey: gw.publicKey, label: 'dock 1', enrolledAt: T0 });
    });
    afterEach(async () => {
      await opened.dispose();
    });

    it('enrolls a gateway once: identical is unchanged, another key is a conflict', async () => {
      expect((await store.enrollGateway({ id: gw.id, publicKey: gw.publicKey, enrolledAt: T0 + 5 })).status).toBe('unchanged');
      const other = new TestGateway('gw-a');
      const conflict = await store.enrollGateway({ id: gw.id, publicKey: other.publicKey, enrolledAt: T0 + 5 });
      expect(conflict).toMatchObject({ status: 'conflict', gateway: { publicKey: gw.publicKey, enrolledAt: T0 } });
      expect(await store.getGateway(gw.id)).toMatchObject({ id: gw.id, publicKey: gw.publicKey, label: 'dock 1', enrolledAt: T0 });
      expect(await store.getGateway('nope')).toBeUndefined();
    });

    it('commits a batch with its exact bytes and one row per reading', async () => {
      const sealed = gw.next(testReadings(4, { location: 'room-1' }), { createdAt: T0 });
      expect(await store.commitBatch(sealed, meta({ flags: { gap: false, clockSkewMs: -7000 } }))).toEqual({ status: 'committed' });
      const stored = await store.getBatch(gw.id, 1);
      expect(stored).toMatchObject({ gateway: gw.id, seq: 1, id: sealed.id, sig: sealed.sig, readingCount: 4, transport: 'mqtt', receivedAt: T0 + 1000 });
      expect(stored?.flags).toEqual({ gap: false, clockSkewMs: -7000 });
      expect(Buffer.compare(stored!.canonical, sealed.canonical)).toBe(0);
      expect(await store.getBatchHeader(gw.id, 1)).toMatchObject({ id: sealed.id, prev: sealed.batch.prev });
      const rows = await store.queryReadings({ gateway: gw.id, limit: 100 });
      expect(rows).toHaveLength(4);
      expect(rows[0]).toEqual({ batchId: sealed.id, index: 0, gateway: gw.id, seq: 1, ...sealed.batch.readings[0] });
    });

    it('is idempotent on (gateway, seq): same id is duplicate, another id a fork that writes nothing', async () => {
      const first = gw.next();
      await store.commitBatch(first, meta());
      expect(await store.commitBatch(first, meta())).toEqual({ status: 'duplicate' });
      const fork = gw.seal({ seq: 1, prev: first.batch.prev, readings: testReadings(2, { sensor: 'other' }) });
      expect(await store.commitBatch(fork, meta())).toEqual({ status: 'fork', existingId: first.id });
      expect((await store.counts()).readings).toBe(3);
      expect(await store.queryReadings({ sensor: 'other', limit: 10 })).toEqual([]);
    });

    it('commits several batches in one call, each as commitBatch would', async () => {
      const b1 = gw.next(testReadings(2));
      const b2 = gw.next(testReadings(3, { ts: T0 + 600_000 }));
      const fork = gw.seal({ seq: 2, prev: b1.id, readings: testReadings(1, { sensor: 'other' }) });
      const results = await store.commitBatches([
        { sealed: b1, meta: meta() },
        { sealed: b2, meta: meta({ flags: { gap: false, clockSkewMs: 9000 } }) },
        { sealed: b2, meta: meta() },
        { sealed: fork, meta: meta() },
      ]);
      expect(results).toEqual([{ status: 'committed' }, { status: 'committed' }, { status: 'duplicate' }, { status: 'fork', existingId: b2.id }]);
      expect((await store.getBatchHeader(gw.id, 2))?.flags).toEqual({ gap: false, clockSkewMs: 9000 });
      expect((await store.queryReadings({ gateway: gw.id, limit: 10 })).map((r) => [r.seq, r.index])).toEqual([[1, 0], [1, 1], [2, 0], [2, 1], [2, 2]]);
      expect(await store.commitBatches([])).toEqual([]);
      expect((await store.counts()).readings).toBe(5);
    });

    it('writes a batch with checked neighbours only while they are still those stored, else answers stale', async () => {
      const [b1, b2, b3] = [gw.next(), gw.next(), gw.next()];
      await store.commitBatch(b1, meta());
      // As if another instance had stored b3 after b2's chain checks saw no seq 3.
      await store.commitBatch(b3, meta());
      const results = await store.commitBatches([
        { sealed: b2, meta: meta(), checkedNeighbours: { previous: b1.id, following: null } },
      ]);
      expect(results).toEqual([{ status: 'stale' }]);
      expect(await store.getBatchHeader(gw.id, 2)).toBeUndefined();
      expect(await store.commitBatches([{ sealed: b2, meta: meta(), checkedNeighbours: { previous: b1.id, following: b3.id } }])).toEqual([{ status: 'committed' }]);
      // Duplicate and fork are decided first: the (gateway, seq) is taken whatever the neighbours.
      expect(await store.commitBatches([{ sealed: b2, meta: meta(), checkedNeighbours: { previous: null, following: null } }])).toEqual([{ status: 'duplicate' }]);

      // A batch of the call sees the earlier ones of the call, as the group's checks did.
      const [b4, b5] = [gw.next(), gw.next()];
      expect(
        await store.commitBatches([
          { sealed: b4, meta: meta(), checkedNeighbours: { previous: b3.id, following: null } },
          { sealed: b5, meta: meta(), checkedNeighbours: { previous: b4.id, following: null } },
        ]),
      ).toEqual([{ status: 'committed' }, { status: 'committed' }]);
    });

    it('reads the headers next to a seq in one call', async () => {
      const [b1, b2, b3] = [gw.next(), gw.next(), gw.next()];
      for (const b of [b1, b3]) await store.commitBatch(b, meta());
      expect(await store.getChainNeighbours(gw.id, 2)).toEqual({ previous: await store.getBatchHeader(gw.id, 1), following: await store.getBatchHeader(gw.id, 3) });
      await store.commitBatch(b2, meta());
      const around2 = await store.getChainNeighbours(gw.id, 2);
      expect([around2.previous?.id, around2.current?.id, around2.following?.id]).toEqual([b1.id, b2.id, b3.id]);
      expect(await store.getChainNeighbours(gw.id, 1)).toMatchObject({ current: { id: b1.id }, following: { id: b2.id } });
      expect(await store.getChainNeighbours(gw.id, 9)).toEqual({});
      expect(await store.getChainNeighbours('gw-b', 2)).toEqual({});
    });

    it('reads a range of one gateway\'s batches in seq order, as getBatch returns each, in one call', async () => {
      const other = new TestGateway('gw-b');
      await store.enrollGateway({ id: other.id, publicKey: other.publicKey, enrolledAt: T0 });
      const mine = Array.from({ length: 6 }, (_, i) => gw.next(testReadings(1 + i)));
      // Committed out of seq order, seq 4 left out, and another gateway's batches under the same seqs.
      await store.commitBatches([5, 2, 0, 1].map((i) => ({ sealed: mine[i]!, meta: meta() })));
      await store.commitBatch(mine[4]!, meta({ receivedAt: T0 + 9, flags: { gap: true, clockSkewMs: 4000 } }));
      for (let i = 0; i < 6; i++) await store.commitBatch(other.next(), meta());

      const range = await store.batchRange(gw.id, 2, 6);
      expect(range.map((b) => b.seq)).toEqual([2, 3, 5, 6]);
      for (const stored of range) {
        expect(stored).toEqual(await store.getBatch(gw.id, stored.seq));
        const sealed = mine[stored.seq - 1]!;
        expect(stored).toMatchObject({ gateway: gw.id, id: sealed.id, sig: sealed.sig });
        expect(Buffer.compare(stored.canonical, sealed.canonical)).toBe(0);
      }
      expect(range[2]).toMatchObject({ receivedAt: T0 + 9, flags: { gap: true, clockSkewMs: 4000 } });
      expect((await store.batchRange(gw.id, 1, 1)).map((b) => b.id)).toEqual([mine[0]!.id]);
      expect((await store.batchRange(gw.id, 0, 100)).map((b) => b.seq)).toEqual([1, 2, 3, 5, 6]);
      expect(await store.batchRange(gw.id, 4, 4)).toEqual([]);
      expect(await store.batchRange(gw.id, 5, 2)).toEqual([]);
      expect(await store.batchRange('nope', 1, 6)).toEqual([]);
    });

    it('keeps rejected envelopes as evidence and counts them by code', async () => {
      const first = gw.next();
      const fork = gw.seal({ seq: 1, prev: first.batch.prev, readings: testReadings(1) });
      await store.recordRejection({ code: 'FT_ERR_FORK', reason: 'fork', receivedAt: T0, transport: 'http', gateway: gw.id, seq: 1, id: fork.id, sig: fork.sig, canonical: fork.canonical, conflictsWith: first.id });
      await store.recordRejection({ code: 'FT_ERR_MALFORMED', reason: 'not JSON', receivedAt: T0, transport: 'mqtt' });
      const evidence = await store.listRejections(gw.id);
      expect(evidence).toHaveLength(1);
      expect(evidence[0]).toMatchObject({ code: 'FT_ERR_FORK', id: fork.id, conflictsWith: first.id });
      expect(Buffer.compare(evidence[0]!.canonical!, fork.canonical)).toBe(0);
      expect((await store.counts()).rejectedByCode).toEqual({ FT_ERR_FORK: 1, FT_ERR_MALFORMED: 1 });
    });

    it('reports the last batch and gateway summaries', async () => {
      expect(await store.lastBatch(gw.id)).toBeUndefined();
      const b1 = gw.next(testReadings(2));
      const b2 = gw.next(testReadings(5));
      await store.commitBatch(b1, meta({ receivedAt: T0 + 1 }));
      await store.commitBatch(b2, meta({ receivedAt: T0 + 2 }));
      expect((await store.lastBatch(gw.id))?.id).toBe(b2.id);
      const idle = new TestGateway('gw-b');
      await store.enrollGateway({ id: idle.id, publicKey: idle.publicKey, enrolledAt: T0 });
      const list = await store.listGateways();
      expect(list.map((g) => g.id)).toEqual(['gw-a', 'gw-b']);
      expect(list[0]).toMatchObject({ batches: 2, readings: 7, lastSeq: 2, lastSeenAt: T0 + 2 });
      expect(list[1]).toMatchObject({ batches: 0, readings: 0 });
      expect(list[1]!.lastSeenAt).toBeUndefined();
      expect(await store.getGatewaySummary('gw-b')).toMatchObject({ id: 'gw-b', batches: 0 });
      expect(await store.getGatewaySummary('nope')).toBeUndefined();
    });

    it('quarantines envelopes once, lists them in seq order and removes them', async () => {
      const unknown = new TestGateway('gw-unknown');
      const b1 = unknown.next();
      const b2 = unknown.next();
      const entry = (s: typeof b1, receivedAt: number) => ({ gateway: unknown.id, seq: s.batch.seq, id: s.id, sig: s.sig, canonical: s.canonical, reason: 'not enrolled', receivedAt, transport: 'mqtt' as const });
      expect(await store.quarantine(entry(b2, T0 + 1))).toBe(true);
      expect(await store.quarantine(entry(b1, T0 + 2))).toBe(true);
      expect(await store.quarantine(entry(b1, T0 + 3))).toBe(false);
      expect(await store.quarantineCount(unknown.id)).toBe(2);
      expect(await store.isQuarantined(unknown.id, b1.id)).toBe(true);
      expect(await store.isQuarantined(gw.id, b1.id)).toBe(false);
      const held = await store.listQuarantine(unknown.id);
      expect(held.map((h) => h.seq)).toEqual([1, 2]);
      expect(Buffer.compare(held[0]!.canonical, b1.canonical)).toBe(0);
      expect(held[0]!.receivedAt).toBe(T0 + 2);
      expect(await store.quarantineByGateway()).toEqual([{ gateway: unknown.id, batches: 2 }]);
      expect(await store.removeFromQuarantine(unknown.id, b1.id)).toBe(true);
      expect(await store.removeFromQuarantine(unknown.id, b1.id)).toBe(false);
      expect((await store.counts()).quarantined).toBe(1);
    });

    it('queries readings by location, sensor and time range, ordered by ts', async () => {
      // Two batches whose readings interleave in time: the answer must be ordered by ts, not by batch.
      const a = testReadings(3, { location: 'room-1', sensor: 's1', ts: T0 });
      const b = testReadings(3, { location: 'room-1', sensor: 's2', ts: T0 + 30_000 });
      const c = testReadings(2, { location: 'truck-7', sensor: 's3', ts: T0 });
      await store.commitBatch(gw.next(a), meta());
      await store.commitBatch(gw.next([...b, ...c]), meta());
      const room = await store.queryReadings({ location: 'room-1', limit: 100 });
      expect(room.map((r) => r.ts)).toEqual([T0, T0 + 30_000, T0 + 60_000, T0 + 90_000, T0 + 120_000, T0 + 150_000]);
      const window = await store.queryReadings({ location: 'room-1', from: T0 + 60_000, to: T0 + 120_000, limit: 100 });
      expect(window.map((r) => [r.sensor, r.ts])).toEqual([['s1', T0 + 60_000], ['s2', T0 + 90_000]]);
      expect(await store.queryReadings({ sensor: 's3', limit: 100 })).toHaveLength(2);
      expect(await store.queryReadings({ location: 'room-1', limit: 2 })).toHaveLength(2);
      expect(await store.queryReadings({ location: 'nowhere', limit: 10 })).toEqual([]);
    });

    it('answers queries as a filter over all readings would, ties in ts in arrival order', async () => {
      // Two gateways, batches whose time ranges overlap and repeat, three locations, four sensors.
      const other = new TestGateway('gw-b');
      await store.enrollGateway({ id: other.id, publicKey: other.publicKey, enrolledAt: T0 });
      const committed: StoredReading[] = [];
      for (let b = 0; b < 12; b++) {
        const gateway = b % 3 === 2 ? other : gw;
        const readings = Array.from({ length: 5 + (b % 4) }, (_, i) =>
          testReading({ location: `room-${(b + i) % 3}`, sensor: `s${i % 4}`, ts: T0 + ((b * 7 + i * 5) % 23) * 60_000 }),
        );
        const sealed = gateway.next(readings);
        await store.commitBatch(sealed, meta());
        readings.forEach((r, index) => committed.push({ batchId: sealed.id, index, gateway: gateway.id, seq: sealed.batch.seq, ...r }));
      }
      const queries: ReadingQuery[] = [];
      for (const filter of [{}, { location: 'room-1' }, { sensor: 's2' }, { gateway: other.id }, { gateway: gw.id, location: 'room-0' }, { location: 'room-2', sensor: 's1' }]) {
        for (const range of [{}, { from: T0 + 5 * 60_000 }, { to: T0 + 9 * 60_000 }, { from: T0 + 3 * 60_000, to: T0 + 17 * 60_000 }]) {
          for (const limit of [1, 4, 15, 1000]) queries.push({ ...filter, ...range, limit });
        }
      }
      const key = (r: StoredReading): string => `${r.batchId}#${r.index}`;
      for (const q of queries) {
        const expected = committed
          .filter((r) => (q.location === undefined || r.location === q.location) && (q.sensor === undefined || r.sensor === q.sensor))
          .filter((r) => (q.gateway === undefined || r.gateway === q.gateway) && (q.from === undefined || r.ts >= q.from) && (q.to === undefined || r.ts < q.to))
          .sort((x, y) => x.ts - y.ts) // stable: equal ts stay in arrival order
          .slice(0, q.limit);
        const actual = await store.queryReadings(q);
        expect({ q, rows: actual.map(key) }).toEqual({ q, rows: expected.map(key) });
        expect(actual).toEqual(expected);
      }
    });

    it('answers ping and counts', async () => {
      await store.ping();
      await store.commitBatch(gw.next(testReadings(3)), meta());
      expect(await store.counts()).toEqual({ gateways: 1, batches: 1, readings: 3, quarantined: 0, rejectedByCode: {} });
    });

    it('lists committed batches after a position in commit order, with their readings, and their backlog', async () => {
      expect(await store.committedBatchesAfter(0, 10)).toEqual([]);
      const b1 = gw.next(testReadings(2, { location: 'room-1' }));
      const other = new TestGateway('gw-b');
      await store.enrollGateway({ id: other.id, publicKey: other.publicKey, enrolledAt: T0 });
      const o1 = other.next(testReadings(1, { sensor: 's9' }));
      const b2 = gw.next(testReadings(3));
      await store.commitBatch(b1, meta());
      await store.commitBatches([{ sealed: o1, meta: meta() }, { sealed: b2, meta: meta() }, { sealed: b2, meta: meta() }]);
      const all = await store.committedBatchesAfter(0, 10);
      expect(all.map((b) => b.id)).toEqual([b1.id, o1.id, b2.id]);
      expect(all[0]!.position).toBeGreaterThan(0);
      expect(all[1]!.position).toBeGreaterThan(all[0]!.position);
      expect(all[2]!.position).toBeGreaterThan(all[1]!.position);
      expect(all[2]).toMatchObject({ gateway: gw.id, seq: 2, readingCount: 3, transport: 'mqtt' });
      expect(all[2]!.readings).toEqual(b2.batch.readings.map((r, index) => ({ batchId: b2.id, index, gateway: gw.id, seq: 2, ...r })));
      expect(all[1]!.readings).toEqual([{ batchId: o1.id, index: 0, gateway: other.id, seq: 1, ...o1.batch.readings[0] }]);
      expect((await store.committedBatchesAfter(all[0]!.position, 1)).map((b) => b.id)).toEqual([o1.id]);
      expect(await store.committedBatchesAfter(all[2]!.position, 10)).toEqual([]);
      expect(await store.backlogAfter(0)).toEqual({ batches: 3, readings: 6 });
      expect(await store.backlogAfter(all[1]!.position)).toEqual({ batches: 1, readings: 3 });
    });

    it('stores consumer cursors: 0 by default, moved forward and rewound by name', async () => {
      expect(await store.getConsumerCursor('influx')).toBe(0);
      await store.setConsumerCursor('influx', 42);
      await store.setConsumerCursor('other', 7);
      expect(await store.getConsumerCursor('influx')).toBe(42);
      await store.setConsumerCursor('influx', 3);
      expect(await store.getConsumerCursor('influx')).toBe(3);
      expect(await store.getConsumerCursor('other')).toBe(7);
    });

    it('advances a consumer cursor only from the position it still has', async () => {
      expect(await store.advanceConsumerCursor('influx', 0, 10)).toBe(true);
      expect(await store.advanceConsumerCursor('influx', 0, 20)).toBe(false);
      expect(await store.advanceConsumerCursor('influx', 10, 20)).toBe(true);
      await store.setConsumerCursor('influx', 5); // an operator's rewind during a round
      expect(await store.advanceConsumerCursor('influx', 20, 30)).toBe(false);
      expect(await store.getConsumerCursor('influx')).toBe(5);
      await store.setConsumerCursor('influx', 0); // rewound to the start: the row stays at 0
      expect(await store.advanceConsumerCursor('influx', 0, 3)).toBe(true);
      expect(await store.advanceConsumerCursor('never-seen', 4, 9)).toBe(false);
      expect(await store.getConsumerCursor('never-seen')).toBe(0);
    });
  });
}
