/**
 * Migration 2 on a database written by a version-1 ingest: every batch, reading, quarantined
 * envelope and rejection survives, and reading queries answer what they answered before.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SealedBatch } from '../../../protocol/batch.js';
import { T0, TestGateway, tempDir, testReading } from '../../test-helpers.js';
import { applyMigrations, openSqliteStore } from '../sqlite.js';
import { toReading, type Row } from '../sqlite-rows.js';
import type { BatchMeta, ReadingQuery, StoredReading } from '../types.js';
import { initial } from './001-initial.js';
import { MIGRATIONS } from './index.js';

/** What the version-1 store wrote for one batch (its commitBatch, as released). */
function writeV1Batch(db: Database.Database, sealed: SealedBatch, meta: BatchMeta): void {
  const { batch } = sealed;
  db.transaction(() => {
    db.prepare(
      `INSERT INTO batches (gateway, seq, id, prev, created_at, received_at, transport, sig, canonical, reading_count, gap, clock_skew_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(batch.gateway, batch.seq, sealed.id, batch.prev, batch.createdAt, meta.receivedAt, meta.transport, sealed.sig, sealed.canonical,
      batch.readings.length, meta.flags.gap ? 1 : 0, meta.flags.clockSkewMs ?? null);
    const insert = db.prepare(
      `INSERT INTO readings (batch_id, idx, gateway, seq, sensor, location, ts, ts_source, temp_c, rh, battery, link, src)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    batch.readings.forEach((r, i) => {
      insert.run(sealed.id, i, batch.gateway, batch.seq, r.sensor, r.location, r.ts, r.tsSource, r.tempC ?? null, r.rh ?? null, r.battery ?? null, r.link ?? null, r.src);
    });
  })();
}

/** The version-1 reading query (its queryReadings, as released). */
function queryV1(db: Database.Database, q: ReadingQuery): StoredReading[] {
  const where: string[] = [];
  const params: Array<string | number> = [];
  const add = (clause: string, value: string | number | undefined): void => {
    if (value === undefined) return;
    where.push(clause);
    params.push(value);
  };
  add('location = ?', q.location);
  add('sensor = ?', q.sensor);
  add('gateway = ?', q.gateway);
  add('ts >= ?', q.from);
  add('ts < ?', q.to);
  const sql = `SELECT * FROM readings ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ts, batch_id, idx LIMIT ?`;
  return (db.prepare(sql).all(...params, q.limit) as Row[]).map(toReading);
}

const QUERIES: ReadingQuery[] = [
  { limit: 1000 },
  { limit: 7 },
  { location: 'room-1', limit: 1000 },
  { location: 'room-2', from: T0 + 10 * 60_000, to: T0 + 40 * 60_000, limit: 1000 },
  { sensor: 's3', limit: 5 },
  { gateway: 'gw-b', limit: 1000 },
  { gateway: 'gw-a', from: T0 + 20 * 60_000, limit: 6 },
  { from: T0 + 30 * 60_000, to: T0 + 50 * 60_000, limit: 1000 },
  { location: 'room-0', sensor: 's1', gateway: 'gw-a', limit: 1000 },
];

describe('migration 2: readings keyed by batch row id', () => {
  let tmp: ReturnType<typeof tempDir>;
  let path: string;
  beforeEach(() => {
    tmp = tempDir();
    path = join(tmp.dir, 'ingest.sqlite');
  });
  afterEach(() => tmp.cleanup());

  it('upgrades a version-1 database with its rows, and queries answer as before', async () => {
    const gwA = new TestGateway('gw-a');
    const gwB = new TestGateway('gw-b');
    const v1 = new Database(path);
    v1.pragma('journal_mode = WAL');
    v1.pragma('foreign_keys = ON');
    expect(applyMigrations(v1, [initial])).toEqual([1]);
    v1.prepare('INSERT INTO gateways (id, public_key, label, enrolled_at) VALUES (?, ?, ?, ?)').run(gwA.id, gwA.publicKey, 'dock 1', T0);
    v1.prepare('INSERT INTO gateways (id, public_key, label, enrolled_at) VALUES (?, ?, ?, ?)').run(gwB.id, gwB.publicKey, null, T0);
    // Distinct timestamps (minute k of the hour, each used once): ties would be ordered by
    // batch id before and by arrival now, the one documented difference.
    let minute = 0;
    const sealed: SealedBatch[] = [];
    for (let b = 0; b < 8; b++) {
      const gateway = b % 3 === 1 ? gwB : gwA;
      const readings = Array.from({ length: 3 + (b % 3) }, (_, i) =>
        testReading({ location: `room-${(b + i) % 3}`, sensor: `s${(b * 2 + i) % 4}`, ts: T0 + ((minute++ * 37) % 60) * 60_000, battery: i === 1 ? 88.5 : undefined, link: b }),
      );
      const batch = gateway.next(readings, { createdAt: T0 + b });
      writeV1Batch(v1, batch, { receivedAt: T0 + 100 + b, transport: b % 2 ? 'mqtt' : 'http', flags: { gap: b === 3, clockSkewMs: b === 5 ? -9000 : undefined } });
      sealed.push(batch);
    }
    v1.prepare(`INSERT INTO quarantine (gateway, seq, id, sig, canonical, reason, received_at, transport) VALUES ('gw-x', 1, 'qid', ?, ?, 'not enrolled', ?, 'mqtt')`).run('ab'.repeat(64), Buffer.from('{}'), T0);
    v1.prepare(`INSERT INTO rejections (code, reason, received_at, transport, gateway, seq) VALUES ('FT_ERR_FORK', 'fork', ?, 'http', 'gw-a', 2)`).run(T0);
    const before = QUERIES.map((q) => queryV1(v1, q));
    v1.close();

    const store = openSqliteStore({ path });
    try {
      expect(store.db.prepare('SELECT version FROM schema_migrations ORDER BY version').all()).toEqual(MIGRATIONS.map((m) => ({ version: m.version }))); // 2 and every later one
      expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(store.db.pragma('page_size', { simple: true })).toBe(4096); // an existing file keeps its page size
      expect(store.db.pragma('foreign_key_check')).toEqual([]);

      expect(await store.counts()).toEqual({ gateways: 2, batches: 8, readings: sealed.reduce((n, s) => n + s.batch.readings.length, 0), quarantined: 1, rejectedByCode: { FT_ERR_FORK: 1 } });
      for (const [b, s] of sealed.entries()) {
        const stored = await store.getBatch(s.batch.gateway, s.batch.seq);
        expect(stored).toMatchObject({ id: s.id, prev: s.batch.prev, sig: s.sig, createdAt: T0 + b, receivedAt: T0 + 100 + b, readingCount: s.batch.readings.length });
        expect(stored?.flags).toEqual({ gap: b === 3, clockSkewMs: b === 5 ? -9000 : undefined });
        expect(Buffer.compare(stored!.canonical, s.canonical)).toBe(0);
      }
      for (const [i, q] of QUERIES.entries()) expect({ q, rows: await store.queryReadings(q) }).toEqual({ q, rows: before[i] });
      expect(before[0]).toHaveLength(31);

      // Each batch knows the time range of its readings.
      const ranges = store.db.prepare('SELECT id, min_ts, max_ts FROM batches ORDER BY rid').all() as Row[];
      expect(ranges).toEqual(sealed.map((s) => ({ id: s.id, min_ts: Math.min(...s.batch.readings.map((r) => r.ts)), max_ts: Math.max(...s.batch.readings.map((r) => r.ts)) })));

      // The chains go on where they stopped.
      const next = gwA.next([testReading({ location: 'room-1', ts: T0 + 3_600_000 })]);
      expect(await store.commitBatch(next, { receivedAt: T0, transport: 'http', flags: { gap: false } })).toEqual({ status: 'committed' });
      expect((await store.getBatchHeader(gwA.id, next.batch.seq - 1))?.id).toBe(next.batch.prev);
      expect((await store.queryReadings({ location: 'room-1', limit: 1000 })).at(-1)).toMatchObject({ batchId: next.id, index: 0, seq: next.batch.seq });
      expect(await store.commitBatch(sealed[0]!, { receivedAt: T0, transport: 'http', flags: { gap: false } })).toEqual({ status: 'duplicate' });
    } finally {
      await store.close();
    }
  });

  it('upgrades an empty version-1 database', async () => {
    const v1 = new Database(path);
    applyMigrations(v1, [initial]);
    v1.close();
    const store = openSqliteStore({ path });
    expect(await store.counts()).toEqual({ gateways: 0, batches: 0, readings: 0, quarantined: 0, rejectedByCode: {} });
    expect(await store.queryReadings({ limit: 10 })).toEqual([]);
    await store.close();
  });
});
