/** Export reads of the SQLite store (export-types.ts), with the SQL shared with PostgreSQL (export-sql.ts). */
import { eventsOfLotsSql, linkedHarvests, mergeEvents, RANGE_PAGE_SQL, rangePageParams } from './export-sql.js';
import type { EventRangePage } from './export-types.js';
import { toStoredEvent } from './lot-event-sql.js';
import { SQLITE_DIALECT as D } from './sql-dialect.js';
import { harvestKeysOf, harvestRecordsSql } from './lot-event-trace.js';
import type { StoredLotEvent } from './lot-event-types.js';
import type { SqliteContext } from './sqlite-identity.js';
import type { Row } from './sqlite-rows.js';

/** Two reads: the lots' events, then the harvest records their packings name. */
export function eventsOfLots({ sql }: SqliteContext, tlcs: readonly string[]): StoredLotEvent[] {
  if (tlcs.length === 0) return [];
  const rows = sql(eventsOfLotsSql(D)).all(D.setParam(tlcs)) as Row[];
  const keys = harvestKeysOf(rows.map((r) => toStoredEvent(r).event));
  const harvests = keys.farms.length === 0 || keys.days.length === 0 ? [] : (sql(harvestRecordsSql(D)).all(D.setParam(keys.farms), D.setParam(keys.days)) as Row[]);
  return mergeEvents(rows, linkedHarvests(keys.packings, harvests));
}

export const eventsInRange = ({ sql }: SqliteContext, page: EventRangePage): StoredLotEvent[] =>
  (sql(RANGE_PAGE_SQL).all(...rangePageParams(page)) as Row[]).map(toStoredEvent);
