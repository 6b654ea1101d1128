import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { FreshTrailError } from '../../common/errors.js';
import { T0, TestGateway, tempDir } from '../test-helpers.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';
import { openSqliteStore } from './sqlite.js';
import { describeAlertDeliveryContract } from './alert-delivery-contract.js';
import { describeRecallContract } from './recall-contract.js';
import { describeEpochContract } from './epoch-contract.js';
import { describeAnchorContract } from './anchor-contract.js';
import { describeAuthContract } from './auth-contract.js';
import type { SqliteStore } from './sqlite.js';
import { describeIdentityContract } from './identity-contract.js';
import { describeIntegrityContract } from './integrity-contract.js';
import { describeLotContract } from './lot-contract.js';
import { describeLotListingContract } from './lot-listing-contract.js';
import { describeLotEventContract } from './lot-event-contract.js';
import { describeExportContract } from './export-contract.js';
import { describeSensorActivityContract } from './sensor-activity-contract.js';
import { describeStoreContract } from './store-contract.js';

async function openTempSqlite() {
  const tmp = tempDir();
  const store = openSqliteStore({ path: join(tmp.dir, 'ingest.sqlite') });
  return {
    store,
    dispose: async () => {
      await store.close();
      tmp.cleanup();
    },
  };
}

describeStoreContract('SQLite', openTempSqlite);
describeIdentityContract('SQLite', openTempSqlite);
describeIntegrityContract('SQLite', openTempSqlite);
describeLotContract('SQLite', openTempSqlite);
describeLotListingContract('SQLite', openTempSqlite);
describeLotEventContract('SQLite', openTempSqlite);
describeExportContract('SQLite', openTempSqlite);
describeAlertDeliveryContract('SQLite', openTempSqlite);
describeRecallContract('SQLite', openTempSqlite);
describeSensorActivityContract('SQLite', openTempSqlite);
describeAnchorContract('SQLite', openTempSqlite);
describeAuthContract('SQLite', openTempSqlite, async (store, sql) => void (store as SqliteStore).db.exec(sql));
describeEpochContract('SQLite', openTempSqlite);

describe('SQLite store', () => {
  const dirs: Array<() => void> = [];
  afterEach(() => dirs.splice(0).forEach((cleanup) => cleanup()));
  const newPath = (): string => {
    const tmp = tempDir();
    dirs.push(tmp.cleanup);
    return join(tmp.dir, 'ingest.sqlite');
  };

  it('opens in WAL mode with synchronous FULL by default, a new file with 8 KiB pages', async () => {
    const store = openSqliteStore({ path: newPath() });
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('synchronous', { simple: true })).toBe(2); // 2 = FULL (sqlite.org/pragma.html#pragma_synchronous)
    expect(store.db.pragma('page_size', { simple: true })).toBe(8192); // a new file
    await store.close();
  });

  it('keeps committed batches across a reopen and applies each migration once', async () => {
    const path = newPath();
    const gw = new TestGateway('gw-a');
    const first = openSqliteStore({ path });
    await first.enrollGateway({ id: gw.id, publicKey: gw.publicKey, enrolledAt: T0 });
    const sealed = gw.next();
    await first.commitBatch(sealed, { receivedAt: T0, transport: 'http', flags: { gap: false } });
    await first.close();

    const extra: Migration = { version: MIGRATIONS.length + 1, name: 'test-extra', sql: 'CREATE TABLE test_extra (x INTEGER)' };
    const second = openSqliteStore({ path, migrations: [...MIGRATIONS, extra] });
    expect((await second.getBatch(gw.id, 1))?.id).toBe(sealed.id);
    const versions = second.db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
    expect(versions).toEqual([...MIGRATIONS.map((m) => ({ version: m.version, name: m.name })), { version: extra.version, name: 'test-extra' }]);
    await second.close();

    // Reopening again applies nothing new (a re-run of the extra migration would fail: the table exists).
    const third = openSqliteStore({ path, migrations: [...MIGRATIONS, extra] });
    expect(third.db.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get()).toEqual({ n: MIGRATIONS.length + 1 });
    await third.close();
  });

  it('refuses a database written by a newer FreshTrail', async () => {
    const path = newPath();
    const db = new Database(path);
    db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    db.prepare('INSERT INTO schema_migrations VALUES (99, ?, 0)').run('future');
    db.close();
    expect(() => openSqliteStore({ path })).toThrow(/schema is version 99.*upgrade FreshTrail/);
  });

  it('turns driver failures into retryable FT_ERR_STORE errors', async () => {
    const store = openSqliteStore({ path: newPath() });
    const gw = new TestGateway('not-enrolled');
    // The foreign key from batches to gateways refuses a batch of an unknown gateway.
    const err = await store.commitBatch(gw.next(), { receivedAt: T0, transport: 'mqtt', flags: { gap: false } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FreshTrailError);
    expect((err as FreshTrailError).code).toBe('FT_ERR_STORE');
    expect((err as FreshTrailError).errorClass).toBe('retryable');
    // One failing batch in commitBatches stores none of them.
    const enrolled = new TestGateway('gw-a');
    await store.enrollGateway({ id: enrolled.id, publicKey: enrolled.publicKey, enrolledAt: T0 });
    const meta = { receivedAt: T0, transport: 'mqtt' as const, flags: { gap: false } };
    await expect(store.commitBatches([{ sealed: enrolled.next(), meta }, { sealed: gw.next(), meta }])).rejects.toMatchObject({ code: 'FT_ERR_STORE' });
    expect(await store.counts()).toMatchObject({ batches: 0, readings: 0 });
    await store.close();
    await expect(store.ping()).rejects.toThrow(/closed/);
  });

  it('writes the commits of one event-loop turn in one transaction, a failing one rolled back alone', async () => {
    const path = newPath();
    const store = openSqliteStore({ path });
    const [a, b] = [new TestGateway('gw-a'), new TestGateway('gw-b')];
    for (const gw of [a, b]) await store.enrollGateway({ id: gw.id, publicKey: gw.publicKey, enrolledAt: T0 });
    const meta = { receivedAt: T0, transport: 'mqtt' as const, flags: { gap: false } };
    const unknown = new TestGateway('not-enrolled');
    // Called in one turn: coalesced into one transaction, each call in its own savepoint.
    const [first, failing, second] = await Promise.allSettled([
      store.commitBatches([{ sealed: a.next(), meta }, { sealed: a.next(), meta }]),
      store.commitBatches([{ sealed: b.next(), meta }, { sealed: unknown.next(), meta }]),
      store.commitBatches([{ sealed: a.next(), meta }]),
    ]);
    expect(first).toEqual({ status: 'fulfilled', value: [{ status: 'committed' }, { status: 'committed' }] });
    expect(failing).toMatchObject({ status: 'rejected', reason: { code: 'FT_ERR_STORE' } });
    expect(second).toEqual({ status: 'fulfilled', value: [{ status: 'committed' }] });
    expect((await store.queryReadings({ gateway: 'gw-b', limit: 10 })).length).toBe(0);
    expect(await store.counts()).toMatchObject({ batches: 3, readings: 9 });
    // A commit queued when the store closes is written first.
    const queued = store.commitBatches([{ sealed: a.next(), meta }]);
    await store.close();
    expect(await queued).toEqual([{ status: 'committed' }]);
    const reopened = openSqliteStore({ path });
    expect(await reopened.counts()).toMatchObject({ batches: 4 });
    await reopened.close();
  });
});
