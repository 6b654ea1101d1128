/**
 * The PostgreSQL store: the shared contract suite (../store-contract.ts) on a database created
 * for this run and dropped afterwards, then what only PostgreSQL has: migrations of a shared
 * database, commits racing on two connections, driver errors. Needs PostgreSQL on
 * 127.0.0.1:5432 (skipped with a notice locally, a failure under CI=true).
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FreshTrailError } from '../../../common/errors.js';
import { verifyAuditChain } from '../../auth/audit-chain.js';
import type { SealedBatch } from '../../../protocol/batch.js';
import { skipWithoutService } from '../../../test/support/tools.js';
import { defaultIngestConfig } from '../../config.js';
import { openStore } from '../../service.js';
import { T0, TestGateway, testReadings } from '../../test-helpers.js';
import type { Migration } from '../migrations/index.js';
import { describeAlertDeliveryContract } from '../alert-delivery-contract.js';
import { describeRecallContract } from '../recall-contract.js';
import { describeEpochContract } from '../epoch-contract.js';
import { describeAnchorContract } from '../anchor-contract.js';
import { describeAuthContract } from '../auth-contract.js';
import { describeIdentityContract } from '../identity-contract.js';
import { describeIntegrityContract } from '../integrity-contract.js';
import { describeLotContract } from '../lot-contract.js';
import { describeLotListingContract } from '../lot-listing-contract.js';
import { describeLotEventContract } from '../lot-event-contract.js';
import { describeExportContract } from '../export-contract.js';
import { describeSensorActivityContract } from '../sensor-activity-contract.js';
import { describeStoreContract } from '../store-contract.js';
import type { BatchMeta, CommitResult } from '../types.js';
import { PG_MIGRATIONS } from './migrations/index.js';
import { COMMIT_ORDER_LOCK_KEY } from './commit.js';
import { openPostgresStore, PostgresStore } from './store.js';
import { createTestDatabase, PG_HOST, PG_PORT, truncateStore, type TestDatabase } from './test-database.js';

const skip = await skipWithoutService('PostgreSQL', PG_HOST, PG_PORT);
const meta: BatchMeta = { receivedAt: T0, transport: 'mqtt', flags: { gap: false } };

describe.skipIf(skip)('PostgreSQL store', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  /** A store on the test database, emptied. */
  const freshStore = async () => {
    const store = await openPostgresStore({ url: db.url, poolSize: 4 });
    await truncateStore(db.url);
    return { store, dispose: () => store.close() };
  };
  describeStoreContract('PostgreSQL', freshStore);
  describeIdentityContract('PostgreSQL', freshStore);
  describeIntegrityContract('PostgreSQL', freshStore);
  describeLotContract('PostgreSQL', freshStore);
  describeLotListingContract('PostgreSQL', freshStore);
  describeLotEventContract('PostgreSQL', freshStore);
  describeExportContract('PostgreSQL', freshStore);
  describeAlertDeliveryContract('PostgreSQL', freshStore);
  describeRecallContract('PostgreSQL', freshStore);
  describeEpochContract('PostgreSQL', freshStore);
  describeSensorActivityContract('PostgreSQL', freshStore);
  describeAnchorContract('PostgreSQL', freshStore);
  describeAuthContract('PostgreSQL', freshStore, async (store, sql) => void (await (store as PostgresStore).pool.query(sql)));

  describe('migrations', () => {
    const versions = async (store: PostgresStore): Promise<Array<{ version: number; name: string }>> =>
      (await store.pool.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version')).rows;

    it('gives a fresh database every version, and applies each migration once on reopen', async () => {
      const fresh = await createTestDatabase();
      try {
        const first = await openPostgresStore({ url: fresh.url });
        expect(await versions(first)).toEqual(PG_MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
        await first.close();
        // A second run of this migration would fail: the table would exist.
        const extra: Migration = { version: PG_MIGRATIONS.length + 1, name: 'test-extra', sql: 'CREATE TABLE test_extra (x INTEGER)' };
        for (let i = 0; i < 2; i++) {
          const again = await openPostgresStore({ url: fresh.url, migrations: [...PG_MIGRATIONS, extra] });
          expect((await versions(again)).map((v) => v.version)).toEqual([...PG_MIGRATIONS.map((m) => m.version), extra.version]);
          await again.close();
        }
      } finally {
        await fresh.drop();
      }
    });

    it('migrates once when several instances open a fresh database at once', async () => {
      const fresh = await createTestDatabase();
      try {
        const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore({ url: fresh.url, poolSize: 1 })));
        expect((await versions(stores[0]!)).length).toBe(PG_MIGRATIONS.length);
        await Promise.all(stores.map((s) => s.close()));
      } finally {
        await fresh.drop();
      }
    });

    it('has the indexes the queries rely on', async () => {
      const store = await openPostgresStore({ url: db.url, poolSize: 1 });
      const { rows } = await store.pool.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname");
      expect(rows.map((r) => r.indexname)).toEqual(expect.arrayContaining(['batches_gateway_min_ts', 'batches_max_ts', 'readings_location_ts', 'readings_sensor_ts', 'quarantine_gateway_seq', 'rejections_gateway', 'rejections_code']));
      await store.close();
    });

    it('refuses a database written by a newer FreshTrail, naming the URL without its password', async () => {
      const future = await createTestDatabase();
      try {
        const client = new pg.Client({ connectionString: future.url });
        await client.connect();
        await client.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
        await client.query("INSERT INTO schema_migrations VALUES (99, 'future', 0)");
        await client.end();
        await expect(openPostgresStore({ url: future.url })).rejects.toThrow(/schema is version 99.*upgrade FreshTrail/);
        const withPassword = new URL(future.url);
        withPassword.password = 's3cret';
        const err = await openPostgresStore({ url: withPassword.toString() }).catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'FT_ERR_STORE' });
        expect((err as Error).message).not.toContain('s3cret');
        expect((err as Error).message).toContain(`${PG_HOST}:${PG_PORT}/`);
      } finally {
        await future.drop();
      }
    });
  });

  describe('commits racing on two connections', () => {
    let a: PostgresStore;
    let b: PostgresStore;
    let gw: TestGateway;
    beforeAll(async () => {
      // Two pools: as two ingest instances would be.
      a = await openPostgresStore({ url: db.url, poolSize: 4 });
      b = await openPostgresStore({ url: db.url, poolSize: 4 });
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
    });
    const enroll = async (): Promise<void> => {
      await truncateStore(db.url);
      gw = new TestGateway('gw-race');
      await a.enrollGateway({ id: gw.id, publicKey: gw.publicKey, enrolledAt: T0 });
    };

    /** Inserts the batch row of `sealed` in a transaction left open on its own connection. */
    async function holdInsert(sealed: SealedBatch): Promise<pg.Client> {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO batches (gateway, seq, id, prev, created_at, received_at, transport, sig, canonical, reading_count, gap, min_ts, max_ts)
         VALUES ($1, $2, $3, $4, $5, $6, 'http', $7, $8, 0, FALSE, $5, $5)`,
        [gw.id, sealed.batch.seq, sealed.id, sealed.batch.prev, sealed.batch.createdAt, T0, sealed.sig, sealed.canonical],
      );
      return client;
    }
    const settlesWithin = (p: Promise<unknown>, ms: number): Promise<boolean> =>
      Promise.race([p.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);

    it('waits for an uncommitted insert of the same (gateway, seq), then reports a duplicate or a fork', async () => {
      await enroll();
      const sealed = gw.next();
      const fork = gw.seal({ seq: 1, prev: sealed.batch.prev, readings: testReadings(1) });
      const other = await holdInsert(sealed);
      const same = a.commitBatch(sealed, meta);
      const forked = b.commitBatch(fork, meta);
      expect(await settlesWithin(Promise.race([same, forked]), 300)).toBe(false); // both wait on the open transaction
      await other.query('COMMIT');
      await other.end();
      expect(await same).toEqual({ status: 'duplicate' });
      expect(await forked).toEqual({ status: 'fork', existingId: sealed.id });
      expect((await a.counts()).batches).toBe(1);
    });

    it('commits when the transaction it waited for rolls back', async () => {
      await enroll();
      const sealed = gw.next();
      const other = await holdInsert(sealed);
      const pending = a.commitBatch(sealed, meta);
      expect(await settlesWithin(pending, 300)).toBe(false);
      await other.query('ROLLBACK');
      await other.end();
      expect(await pending).toEqual({ status: 'committed' });
      expect((await b.queryReadings({ gateway: gw.id, limit: 10 })).length).toBe(3);
    });

    it('never lets a consumer skip a batch that commits after a later-drawn rid', async () => {
      await enroll();
      const first = gw.next();
      const second = gw.next();
      // A commit in flight: it holds the commit-order lock shared and has drawn the lower rid.
      const slow = new pg.Client({ connectionString: db.url });
      await slow.connect();
      await slow.query('BEGIN');
      await slow.query('SELECT pg_advisory_xact_lock_shared($1::bigint)', [COMMIT_ORDER_LOCK_KEY]);
      await slow.query(
        `INSERT INTO batches (gateway, seq, id, prev, created_at, received_at, transport, sig, canonical, reading_count, gap, min_ts, max_ts)
         VALUES ($1, $2, $3, $4, $5, $6, 'http', $7, $8, 0, FALSE, $5, $5)`,
        [gw.id, first.batch.seq, first.id, first.batch.prev, first.batch.createdAt, T0, first.sig, first.canonical],
      );
      expect(await b.commitBatch(second, meta)).toEqual({ status: 'committed' }); // higher rid, committed first
      const page = a.committedBatchesAfter(0, 10);
      expect(await settlesWithin(page, 300)).toBe(false); // waits for the commit in flight
      await slow.query('COMMIT');
      await slow.end();
      expect((await page).map((batch) => batch.seq)).toEqual([1, 2]);
    });

    it('yields exactly one commit per (gateway, seq) when two instances commit at once', async () => {
      await enroll();
      const rounds = 25;
      const batches = Array.from({ length: rounds }, () => gw.next(testReadings(2)));
      const forks = batches.map((s) => gw.seal({ seq: s.batch.seq, prev: s.batch.prev, readings: testReadings(1, { sensor: 'fork' }) }));
      const outcomes = await Promise.all(
        batches.map(async (s, i): Promise<CommitResult[]> => Promise.all([a.commitBatch(s, meta), b.commitBatch(i % 2 ? s : forks[i]!, meta)])),
      );
      for (const [i, [first, second]] of outcomes.entries()) {
        const statuses = [first!.status, second!.status].sort();
        if (i % 2) expect(statuses).toEqual(['committed', 'duplicate']);
        else expect(statuses).toEqual(['committed', 'fork']);
        const stored = await a.getBatchHeader(gw.id, batches[i]!.batch.seq);
        const loser = first!.status === 'committed' ? second! : first!;
        if (loser.status === 'fork') expect(loser.existingId).toBe(stored!.id);
      }
      const counts = await a.counts();
      expect(counts.batches).toBe(rounds);
      // Every reading row belongs to the one stored batch of its seq.
      const storedReadings = (await Promise.all(batches.map((s) => a.getBatchHeader(gw.id, s.batch.seq)))).reduce((n, h) => n + h!.readingCount, 0);
      expect(counts.readings).toBe(storedReadings);
      expect((await a.queryReadings({ gateway: gw.id, limit: 1000 })).length).toBe(storedReadings);
    });
  });

  describe('audit log appended by two instances', () => {
    const entry = (i: number) => ({ at: T0 + i, actor: `key:k${i % 3}`, action: 'lot.trace', resource: `LOT-${i}`, outcome: '200' });

    it('keeps one unforked chain when each instance chains to a tail the other has moved', async () => {
      await truncateStore(db.url);
      const a = await openPostgresStore({ url: db.url, poolSize: 2 });
      const b = await openPostgresStore({ url: db.url, poolSize: 2 });
      try {
        // Alternating: each append after the first finds its cached tail stale, loses on the
        // primary key, and chains again under the lock.
        for (let i = 0; i < 6; i++) await (i % 2 === 0 ? a : b).appendAudit([entry(i)]);
        // Racing: both optimistic inserts aim at the same id.
        await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).appendAudit([entry(10 + i), entry(20 + i)])));
        // A lone writer after the race: one INSERT each, chained to its own last entry.
        for (let i = 0; i < 3; i++) await a.appendAudit([entry(40 + i)]);
        const all = await a.listAudit({ limit: 100 });
        expect(all.map((e) => e.id)).toEqual(Array.from({ length: 29 }, (_, i) => i + 1));
        expect(verifyAuditChain(all)).toEqual([]);
        expect(all.slice(-3).map((e) => e.resource)).toEqual(['LOT-40', 'LOT-41', 'LOT-42']);
      } finally {
        await a.close();
        await b.close();
      }
    });
  });

  describe('errors', () => {
    it('turns driver failures into retryable FT_ERR_STORE errors, and a failed group commit stores nothing', async () => {
      const store = await openPostgresStore({ url: db.url, poolSize: 2 });
      await truncateStore(db.url);
      const stranger = new TestGateway('not-enrolled');
      // The foreign key from batches to gateways refuses a batch of an unknown gateway.
      const err = await store.commitBatch(stranger.next(), meta).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FreshTrailError);
      expect((err as FreshTrailError).code).toBe('FT_ERR_STORE');
      expect((err as FreshTrailError).errorClass).toBe('retryable');
      const enrolled = new TestGateway('gw-a');
      await store.enrollGateway({ id: enrolled.id, publicKey: enrolled.publicKey, enrolledAt: T0 });
      await expect(store.commitBatches([{ sealed: enrolled.next(), meta }, { sealed: stranger.next(), meta }])).rejects.toMatchObject({ code: 'FT_ERR_STORE' });
      expect(await store.counts()).toMatchObject({ batches: 0, readings: 0 });
      await store.close();
      await store.close();
      await expect(store.ping()).rejects.toThrow(/closed/);
    });

    it('names an unreachable server without the password', async () => {
      const err = await openPostgresStore({ url: 'postgres://ingest:s3cret@127.0.0.1:1/freshtrail', connectTimeoutMs: 2000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FreshTrailError);
      expect((err as Error).message).toMatch(/cannot open the PostgreSQL store postgres:\/\/ingest:\*\*\*@127\.0\.0\.1:1\/freshtrail/);
      expect((err as Error).message).not.toContain('s3cret');
    });
  });

  describe('configuration (store.postgres)', () => {
    it('opens PostgreSQL from the sample file example once uncommented', async () => {
      const sample = readFileSync(new URL('../../ingest.sample.yaml', import.meta.url), 'utf8');
      const uncommented = sample.replace(/^  # (postgres:|  url:|  poolSize:|  leaderCheckIntervalMs:)/gm, '  $1');
      const config = defaultIngestConfig(parseYaml(uncommented));
      expect(config.store.postgres).toEqual({ url: 'postgres://freshtrail@127.0.0.1:5432/freshtrail', poolSize: 10, leaderCheckIntervalMs: 2000 });
      const store = await openStore(defaultIngestConfig({ store: { postgres: { url: db.url, poolSize: 2 } } }));
      try {
        expect(store).toBeInstanceOf(PostgresStore);
        await store.ping();
      } finally {
        await store.close();
      }
    });

    it('keeps SQLite the default and rejects an incomplete or misspelt postgres section', () => {
      expect(defaultIngestConfig().store.postgres).toBeUndefined();
      expect(() => defaultIngestConfig({ store: { postgres: {} } })).toThrow(/url/);
      expect(() => defaultIngestConfig({ store: { postgres: { url: 'mysql://x/y' } } })).toThrow(/store\.postgres\.url/);
      expect(() => defaultIngestConfig({ store: { postgres: { url: 'postgres://x/y', pool: 3 } } })).toThrow('store.postgres.pool: unknown key');
    });

    it('fails to start with FT_ERR_STORE naming the unreachable URL without its password', async () => {
      const config = defaultIngestConfig({ store: { postgres: { url: 'postgres://ingest:s3cret@localhost:1/freshtrail' } } });
      const err = await openStore(config).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'FT_ERR_STORE' });
      expect((err as Error).message).toMatch(/^cannot open the PostgreSQL store postgres:\/\/ingest:\*\*\*@localhost:1\/freshtrail: .*ECONNREFUSED/);
      expect((err as Error).message).not.toContain('s3cret');
    });
  });
});
