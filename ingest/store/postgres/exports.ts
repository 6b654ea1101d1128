/** Export reads of the PostgreSQL store (../export-types.ts), with the SQL shared with SQLite (../export-sql.ts). */
import type pg from 'pg';
import { eventsOfLotsSql, linkedHarvests, mergeEvents, RANGE_PAGE_SQL, rangePageParams } from '../export-sql.js';
import type { EventRangePage } from '../export-types.js';
import { numbered } from '../integrity-sql.js';
import { toStoredEvent } from '../lot-event-sql.js';
import { PG_DIALECT as D } from '../sql-dialect.js';
import { harvestKeysOf, harvestRecordsSql } from '../lot-event-trace.js';
import type { StoredLotEvent } from '../lot-event-types.js';
import type { Row } from '../sqlite-rows.js';

const q = async (pool: pg.Pool, sql: string, params: unknown[]): Promise<Row[]> => (await pool.query<Row>(numbered(sql), params)).rows;

/** Two reads: the lots' events, then the harvest records their packings name. */
export async function eventsOfLots(pool: pg.Pool, tlcs: readonly string[]): Promise<StoredLotEvent[]> {
  if (tlcs.length === 0) return [];
  const rows = await q(pool, eventsOfLotsSql(D), [D.setParam(tlcs)]);
  const keys = harvestKeysOf(rows.map((r) => toStoredEvent(r).event));
  const harvests = keys.farms.length === 0 || keys.days.length === 0 ? [] : await q(pool, harvestRecordsSql(D), [D.setParam(keys.farms), D.setParam(keys.days)]);
  return mergeEvents(rows, linkedHarvests(keys.packings, harvests));
}

export async function eventsInRange(pool: pg.Pool, page: EventRangePage): Promise<StoredLotEvent[]> {
  return (await q(pool, RANGE_PAGE_SQL, rangePageParams(page))).map(toStoredEvent);
}
