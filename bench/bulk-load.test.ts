/**
 * The bulk loader writes what recordEvents writes: a small generated network (about 2,000
 * events) recorded through the store and bulk-loaded into a second store gives the same rows in
 * every lot-event table (modulo row order) and the same traces, on SQLite and on PostgreSQL
 * (skipped with a notice when 127.0.0.1:5432 does not answer, a failure under CI=true).
 */
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCteRecord } from '../ingest/events/cte.js';
import type { LotEvent } from '../ingest/events/types.js';
import { openPostgresStore } from '../ingest/store/postgres/store.js';
import { createTestDatabase, PG_HOST, PG_PORT, type TestDatabase } from '../ingest/store/postgres/test-database.js';
import { openSqliteStore } from '../ingest/store/sqlite.js';
import type { Store } from '../ingest/store/types.js';
import { tempDir } from '../ingest/test-helpers.js';
import { skipWithoutService } from '../test/support/tools.js';
import { BulkPlanner, pgBulkSink, sqliteBulkSink, type BulkSink } from './bulk-load.js';
import { supplyNetwork } from './supply-network.js';

const RECORDED_AT = Date.parse('2025-02-01T00:00:00Z');
const TABLES: Record<string, string> = {
  lot_events: 'event_id, cte, event_time, location, from_location, to_location, source, harvest_farm, harvest_commodity, harvest_day, body, contacts, recorded_at',
  lots: 'id, commodity, label, created_at, product_description, assigned_by',
  lot_event_lots: 'event_id, idx, tlc, role, quantity, uom, event_time',
  lot_lineage: 'parent_tlc, child_tlc, event_id',
  lot_custody: 'lot, location, from_ts, to_ts',
};

function smallNetwork(): { events: LotEvent[]; lots: string[] } {
  const events: LotEvent[] = [];
  const lots: string[] = [];
  for (const chunk of supplyNetwork({ seed: 7, processingRuns: 8, wholeLots: 60, days: 5 })) {
    events.push(...chunk.records.map(parseCteRecord));
    lots.push(...chunk.lots);
  }
  return { events, lots };
}

async function recordThroughStore(store: Store, events: readonly LotEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += 500) await store.recordEvents(events.slice(i, i + 500), RECORDED_AT);
}

async function bulkLoad(sink: BulkSink, events: readonly LotEvent[]): Promise<void> {
  const planner = new BulkPlanner();
  for (let i = 0; i < events.length; i += 700) await sink.write(planner.plan(events.slice(i, i + 700), RECORDED_AT));
  await sink.finish(planner.custodyRows());
}

const sorted = (rows: unknown[]): string[] => rows.map((r) => JSON.stringify(r)).sort();

async function expectSameTraces(a: Store, b: Store, lots: readonly string[]): Promise<void> {
  for (const tlc of lots.filter((_l, i) => i % 5 === 0)) {
    for (const direction of ['back', 'forward'] as const) {
      const limits = { maxDepth: 20, maxEdges: 10_000 };
      expect(await b.trace(tlc, direction, limits)).toEqual(await a.trace(tlc, direction, limits));
    }
  }
}

const network = smallNetwork();

describe('bulk loading a generated supply network', () => {
  it('generates about 2,000 events in which every lot is assigned once', () => {
    expect(network.events.length).toBeGreaterThan(1_800);
    expect(new Set(network.lots).size).toBe(network.lots.length);
  });

  it('SQLite: the same table contents and traces as recordEvents', async () => {
    const tmp = tempDir('freshtrail-bulk-');
    const honest = openSqliteStore({ path: join(tmp.dir, 'honest.sqlite') });
    const bulk = openSqliteStore({ path: join(tmp.dir, 'bulk.sqlite') });
    try {
      await recordThroughStore(honest, network.events);
      await bulkLoad(sqliteBulkSink(bulk.db), network.events);
      for (const [table, columns] of Object.entries(TABLES)) {
        const read = (s: typeof honest) => sorted(s.db.prepare(`SELECT ${columns} FROM ${table}`).raw().all());
        expect(read(bulk), table).toEqual(read(honest));
      }
      await expectSameTraces(honest, bulk, network.lots);
    } finally {
      await honest.close();
      await bulk.close();
      tmp.cleanup();
    }
  });
});

const skipPg = await skipWithoutService('PostgreSQL', PG_HOST, PG_PORT);

describe.skipIf(skipPg)('bulk loading into PostgreSQL', () => {
  const databases: TestDatabase[] = [];
  afterAll(async () => {
    for (const d of databases) await d.drop();
  });

  it('the same table contents and traces as recordEvents', async () => {
    databases.push(await createTestDatabase(), await createTestDatabase());
    const [honestDb, bulkDb] = databases as [TestDatabase, TestDatabase];
    const honest = await openPostgresStore({ url: honestDb.url });
    const bulk = await openPostgresStore({ url: bulkDb.url });
    const bulkPool = new pg.Pool({ connectionString: bulkDb.url, max: 1 });
    try {
      await recordThroughStore(honest, network.events);
      await bulkLoad(pgBulkSink(bulkPool), network.events);
      for (const [table, columns] of Object.entries(TABLES)) {
        const read = async (url: string) => {
          const client = new pg.Client({ connectionString: url });
          await client.connect();
          try {
            return sorted((await client.query({ text: `SELECT ${columns} FROM ${table}`, rowMode: 'array' })).rows);
          } finally {
            await client.end();
          }
        };
        expect(await read(bulkDb.url), table).toEqual(await read(honestDb.url));
      }
      await expectSameTraces(honest, bulk, network.lots);
    } finally {
      await bulkPool.end();
      await honest.close();
      await bulk.close();
    }
  }, 120_000);
});
