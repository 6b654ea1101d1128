/**
 * SQL and row assembly the SQLite and PostgreSQL stores share for export reads
 * (export-types.ts). Reads lot_events / lot_event_lots of migration 011 (pg 010) only; the
 * harvest link is the rule of the trace's origins (lot-event-sql.ts `originsOf`).
 */
import type { InitialPackingEvent, LotEvent } from '../events/types.js';
import { EVENT_COLUMNS, toStoredEvent, type Dialect } from './lot-event-sql.js';
import type { EventRangePage } from './export-types.js';
import type { StoredLotEvent } from './lot-event-types.js';
import type { Row } from './sqlite-rows.js';

/** Events naming any of a set of TLCs, each once (an event may name a lot as input and output). */
export const eventsOfLotsSql = (d: Dialect): string => `
SELECT ${EVENT_COLUMNS}, event_time, event_id FROM lot_events
WHERE event_id IN (SELECT event_id FROM lot_event_lots WHERE ${d.inSet('tlc')})
ORDER BY event_time, event_id`;

/** Harvesting and cooling records of some farms on some days (the lot_events_by_harvest index). */
export const harvestRecordsSql = (d: Dialect): string => `
SELECT ${EVENT_COLUMNS}, event_time, event_id, cte, harvest_farm, harvest_commodity, harvest_day FROM lot_events
WHERE ${d.inSet('harvest_farm')} AND ${d.inSet('harvest_day')} AND cte IN ('harvesting', 'cooling')`;

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

/** Farms and days to read harvest records of, from the initial packing events among `events`. */
export function harvestKeysOf(events: readonly LotEvent[]): { farms: string[]; days: string[]; packings: InitialPackingEvent[] } {
  const packings = events.filter((e): e is InitialPackingEvent => e.cte === 'initial_packing' && e.harvest !== undefined);
  const farms = new Set<string>();
  const days = new Set<string>();
  for (const p of packings) {
    farms.add(p.harvest!.farmLocation);
    if (p.harvest!.harvestDate) days.add(p.harvest!.harvestDate);
    if (p.kdes.coolingDate) days.add(p.kdes.coolingDate);
  }
  return { farms: [...farms], days: [...days], packings };
}

/** The harvest rows that belong to one of the packings: same farm and commodity, harvest date
 * for harvesting, cooling date (else harvest date) for cooling — as the trace's origins. */
export function linkedHarvests(packings: readonly InitialPackingEvent[], rows: readonly Row[]): Row[] {
  return rows.filter((r) =>
    packings.some((p) => {
      const h = p.harvest!;
      if (r.harvest_farm !== h.farmLocation || r.harvest_commodity !== h.commodity) return false;
      return r.cte === 'harvesting' ? r.harvest_day === h.harvestDate : r.harvest_day === (p.kdes.coolingDate ?? h.harvestDate);
    }),
  );
}

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
