/**
 * SQL and row assembly the SQLite and PostgreSQL stores share for export reads
 * (export-types.ts). Reads lot_events / lot_event_lots of migration 011 (pg 010) only; the
 * harvest link is the rule of the trace's origins (lot-event-trace.ts `isHarvestOf`).
 */
import type { InitialPackingEvent } from '../events/types.js';
import { EVENT_COLUMNS, toStoredEvent } from './lot-event-sql.js';
import { type Dialect } from './sql-dialect.js';
import type { EventRangePage } from './export-types.js';
import { isHarvestOf } from './lot-event-trace.js';
import type { StoredLotEvent } from './lot-event-types.js';
import type { Row } from './sqlite-rows.js';

/** Events naming any of a set of TLCs, each once (an event may name a lot as input and output). */
export const eventsOfLotsSql = (d: Dialect): string => `
SELECT ${EVENT_COLUMNS}, event_time, event_id FROM lot_events
WHERE event_id IN (SELECT event_id FROM lot_event_lots WHERE ${d.inSet('tlc')})
ORDER BY event_time, event_id`;

/**
 * One page of a time range, keyset-paged on (event_time, event_id). Without an index on
 * lot_events (event_time, event_id) each page scans the table; see docs/events.md §10.
 */
export const RANGE_PAGE_SQL = `
SELECT ${EVENT_COLUMNS} FROM lot_events
WHERE event_time >= ? AND event_time < ? AND (event_time > ? OR (event_time = ? AND event_id > ?))
ORDER BY event_time, event_id LIMIT ?`;

/** Parameters of RANGE_PAGE_SQL; no cursor: from just before the range start. */
export function rangePageParams(page: EventRangePage): unknown[] {
  const after = page.after ?? { eventTime: page.fromTs - 1, eventId: '' };
  return [page.fromTs, page.toTs, after.eventTime, after.eventTime, after.eventId, page.limit];
}

/** The harvest rows that belong to one of the packings (the trace's origins rule, {@link isHarvestOf}). */
export const linkedHarvests = (packings: readonly InitialPackingEvent[], rows: readonly Row[]): Row[] =>
  rows.filter((r) => packings.some((p) => isHarvestOf(p, r)));

/** Byte order of ids, as SQLite's BINARY and PostgreSQL's "C" collation sort them. */
const byteCompare = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Rows of both reads merged into one list in (eventTime, eventId) order, each event once. */
export function mergeEvents(...lists: ReadonlyArray<readonly Row[]>): StoredLotEvent[] {
  const byId = new Map<string, Row>();
  for (const list of lists) for (const r of list) byId.set(String(r.event_id), r);
  return [...byId.values()]
    .sort((a, b) => Number(a.event_time) - Number(b.event_time) || byteCompare(String(a.event_id), String(b.event_id)))
    .map(toStoredEvent);
}
