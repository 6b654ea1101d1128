/**
 * What the SQLite and PostgreSQL stores share for lot events (migrations 011 / pg 010): SQL
 * with `?` placeholders, the per-event write plan (TLC rule + custody derivation) as a pure
 * function of what the store read, and the row mappers and assembly of a trace. A backend only
 * runs the reads, calls {@link planEvent}, and runs the writes it returns, in one transaction.
 */
import { FreshTrailError } from '../../common/errors.js';
import { tlcRole } from '../events/tlc.js';
import type { LotEvent, LotQuantity } from '../events/types.js';
import type { CustodyInterval } from './lot-types.js';
import type { LotHolder, LotLineRole, LotOrigin, LotVisit, ReadingSummary, ShipmentEdge, StoredLotEvent, TraceDirection, TraceNode, TransformationEdge } from './lot-event-types.js';
import type { Row } from './sqlite-rows.js';

/** A column in a list bound as one parameter: json_each in SQLite, text[] in PostgreSQL. */
export interface Dialect {
  inSet(column: string): string;
  setParam(values: readonly string[]): unknown;
}
export const SQLITE_DIALECT: Dialect = { inSet: (c) => `${c} IN (SELECT value FROM json_each(?))`, setParam: (v) => JSON.stringify(v) };
export const PG_DIALECT: Dialect = { inSet: (c) => `${c} = ANY(?::text[])`, setParam: (v) => [...v] };

export const EVENT_COLUMNS = 'event_id, body, contacts, recorded_at';
export const GET_EVENT_SQL = `SELECT ${EVENT_COLUMNS} FROM lot_events WHERE event_id = ?`;
export const INSERT_EVENT_SQL = `INSERT INTO lot_events (event_id, cte, event_time, location, from_location, to_location, source,
  harvest_farm, harvest_commodity, harvest_day, body, contacts, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
export const INSERT_LINE_SQL = 'INSERT INTO lot_event_lots (event_id, idx, tlc, role, quantity, uom, event_time) VALUES (?, ?, ?, ?, ?, ?, ?)';
export const INSERT_EDGE_SQL = 'INSERT INTO lot_lineage (parent_tlc, child_tlc, event_id) VALUES (?, ?, ?)';
export const INSERT_EVENT_LOT_SQL = 'INSERT INTO lots (id, commodity, label, created_at, product_description, assigned_by) VALUES (?, ?, NULL, ?, ?, ?)';
export const OPEN_INTERVAL_SQL = 'INSERT INTO lot_custody (lot, location, from_ts) VALUES (?, ?, ?)';
/** Closes the lot's open interval at a location, if it began by `at` (custody is not rewritten backwards). */
export const CLOSE_INTERVAL_SQL = 'UPDATE lot_custody SET to_ts = ? WHERE lot = ? AND location = ? AND to_ts IS NULL AND from_ts <= ?';
export const ERASE_CONTACTS_SQL = 'UPDATE lot_events SET contacts = NULL WHERE event_id = ?';
export const EVENTS_OF_LOT_SQL = `
SELECT DISTINCT e.event_id, e.body, e.contacts, e.recorded_at, e.event_time
FROM lot_event_lots l JOIN lot_events e ON e.event_id = l.event_id
WHERE l.tlc = ? ORDER BY e.event_time, e.event_id`;
export const lotsOfSql = (d: Dialect): string => `SELECT id, commodity, product_description, assigned_by, created_at FROM lots WHERE ${d.inSet('id')}`;
export const openCustodyOfSql = (d: Dialect): string => `SELECT lot, location, from_ts, to_ts FROM lot_custody WHERE ${d.inSet('lot')} AND to_ts IS NULL ORDER BY lot, from_ts`;

/**
 * Lineage edges reachable from a lot, each at its smallest depth: one recursive query over the
 * (parent, child) primary key going forward or the (child, parent) index going back. It walks
 * one step beyond maxDepth so that the caller can tell a cut-off walk from a complete one.
 */
export function walkSql(direction: TraceDirection): string {
  const near = direction === 'back' ? 'child_tlc' : 'parent_tlc';
  return `
WITH RECURSIVE walk(parent, child, event_id, depth) AS (
  SELECT parent_tlc, child_tlc, event_id, 1 FROM lot_lineage WHERE ${near} = ?
  UNION
  SELECT l.parent_tlc, l.child_tlc, l.event_id, w.depth + 1
  FROM walk w JOIN lot_lineage l ON l.${near} = w.${direction === 'back' ? 'parent' : 'child'}
  WHERE w.depth <= ?
)
SELECT g.parent, g.child, g.event_id, g.depth, e.event_time
FROM (SELECT parent, child, event_id, MIN(depth) AS depth FROM walk GROUP BY parent, child, event_id) g
JOIN lot_events e ON e.event_id = g.event_id
ORDER BY g.depth, g.parent, g.child, g.event_id LIMIT ?`;
}

/** Shipping and receiving events of a set of lots, in time order. */
export const movementsOfSql = (d: Dialect): string => `
SELECT l.tlc, e.event_id, e.cte, e.event_time, e.location, e.from_location, e.to_location
FROM lot_event_lots l JOIN lot_events e ON e.event_id = l.event_id
WHERE ${d.inSet('l.tlc')} AND l.role = 'subject' AND e.cte IN ('shipping', 'receiving')
ORDER BY e.event_time, e.event_id, l.tlc`;
export const eventsByIdSql = (d: Dialect): string => `SELECT event_id, cte, event_time, location, from_location, body FROM lot_events WHERE ${d.inSet('event_id')}`;
/** Harvesting and cooling events at some farms on some days (the harvest_day index). */
export const harvestEventsSql = (d: Dialect): string => `
SELECT event_id, cte, harvest_farm, harvest_commodity, harvest_day FROM lot_events
WHERE ${d.inSet('harvest_farm')} AND ${d.inSet('harvest_day')} AND cte IN ('harvesting', 'cooling')
ORDER BY event_time, event_id`;

/** Aggregates over readings per span: the (location, ts) index of the readings table serves each. */
export const SQLITE_READING_SUMMARIES_SQL = `
SELECT s.key AS i, COUNT(r.ts) AS n, MIN(r.temp_c) AS t_min, MAX(r.temp_c) AS t_max, AVG(r.temp_c) AS t_mean,
  MIN(r.rh) AS rh_min, MAX(r.rh) AS rh_max, AVG(r.rh) AS rh_mean
FROM json_each(?) s
LEFT JOIN readings r ON r.location = json_extract(s.value, '$[0]') AND r.ts >= json_extract(s.value, '$[1]') AND r.ts < json_extract(s.value, '$[2]')
GROUP BY s.key ORDER BY s.key`;
export const PG_READING_SUMMARIES_SQL = `
SELECT s.i, COUNT(r.ts) AS n, MIN(r.temp_c) AS t_min, MAX(r.temp_c) AS t_max, AVG(r.temp_c) AS t_mean,
  MIN(r.rh) AS rh_min, MAX(r.rh) AS rh_max, AVG(r.rh) AS rh_mean
FROM unnest(?::text[], ?::bigint[], ?::bigint[]) WITH ORDINALITY AS s(location, from_ts, to_ts, i)
LEFT JOIN readings r ON r.location = s.location AND r.ts >= s.from_ts AND r.ts < s.to_ts
GROUP BY s.i ORDER BY s.i`;

const num = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v));
const str = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));

export function toReadingSummary(r: Row): ReadingSummary {
  const summary: ReadingSummary = { readings: Number(r.n) };
  if (num(r.t_min) !== undefined) summary.tempC = { min: Number(r.t_min), max: Number(r.t_max), mean: Number(r.t_mean) };
  if (num(r.rh_min) !== undefined) summary.rh = { min: Number(r.rh_min), max: Number(r.rh_max), mean: Number(r.rh_mean) };
  return summary;
}

/** JSON with object keys sorted, so that the same content always gives the same text. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** The stored event: everything but `contacts`, which is kept apart (personal data, erasable). */
export function eventBody(event: LotEvent): string {
  const { contacts: _contacts, ...rest } = event;
  return stableJson(rest);
}

export function toStoredEvent(r: Row): StoredLotEvent {
  const body = JSON.parse(String(r.body)) as Omit<LotEvent, 'contacts'>;
  const contacts = r.contacts === null || r.contacts === undefined ? {} : (JSON.parse(String(r.contacts)) as LotEvent['contacts']);
  return { event: { ...body, contacts } as LotEvent, recordedAt: Number(r.recorded_at) };
}

/** What a backend read for one event before planning it. */
export interface EventReads {
  /** The stored body under the event's id, if any. */
  storedBody?: string;
  /** Lots among the event's TLCs that exist, with the event that assigned each (undefined: the lot API). */
  lots: ReadonlyMap<string, { assignedBy?: string }>;
  /** Open custody intervals of the event's TLCs. */
  open: readonly CustodyInterval[];
}

export type Write = [sql: string, params: unknown[]];
export type EventPlan = { status: 'duplicate' } | { status: 'created'; writes: Write[] };

/** The TLCs a backend reads lots and custody of for `event`. */
export const eventTlcs = (event: LotEvent): string[] => {
  const all = event.lots.map((l) => l.tlc);
  if (event.cte === 'transformation') all.push(...event.inputs.map((l) => l.tlc));
  return [...new Set(all)];
};

const describeEvent = (event: LotEvent, index: number): string => `events[${index}] (${event.cte} "${event.eventId}")`;

/**
 * The writes that record one event, or why it must not be recorded. Custody rule
 * (docs/events.md §7): a TLC assigned here (initial packing, transformation output, receiving
 * from an exempt shipper) opens custody at the event's location; shipping closes the lot's open
 * interval at the ship-from location; receiving opens one at the receiving location unless one
 * is open there already; transformation inputs keep their custody (the record says how much was
 * used, not whether anything is left). Harvesting, cooling and observations change no custody.
 */
export function planEvent(event: LotEvent, index: number, reads: EventReads, recordedAt: number): EventPlan {
  const body = eventBody(event);
  const where = describeEvent(event, index);
  if (reads.storedBody !== undefined) {
    if (reads.storedBody === body) return { status: 'duplicate' };
    throw new FreshTrailError('FT_ERR_CONFLICT', `${where}: event "${event.eventId}" is stored with other content; an event id names one event (send a new id for a new event)`);
  }
  const role = tlcRole(event);
  for (const tlc of role.assigns) {
    const lot = reads.lots.get(tlc);
    if (lot && lot.assignedBy !== event.eventId) {
      const by = lot.assignedBy ? `assigned by event "${lot.assignedBy}"` : 'created through POST /api/v1/lots';
      throw new FreshTrailError('FT_ERR_CONFLICT', `${where}: TLC "${tlc}" exists already (${by}); a ${event.cte} event assigns a new TLC, and a TLC is assigned once (21 CFR 1.1320(a))`);
    }
  }
  for (const tlc of role.references) {
    if (!reads.lots.has(tlc)) {
      throw new FreshTrailError(
        'FT_ERR_SCHEMA',
        `${where}: TLC "${tlc}" is unknown; a ${event.cte} event must name a TLC assigned earlier by initial packing, transformation or receiving from an exempt shipper, and may not assign one (21 CFR 1.1320(b)); send that event first, in this request or an earlier one`,
      );
    }
  }

  const writes: Write[] = [];
  const harvest = event.harvest;
  const kdes = event.kdes as Record<string, unknown>;
  const harvestDay = event.cte === 'cooling' ? (kdes.coolingDate as string | undefined) : harvest?.harvestDate;
  writes.push([
    INSERT_EVENT_SQL,
    [event.eventId, event.cte, event.eventTime, event.location, event.from ?? null, event.to ?? null, event.source,
      harvest?.farmLocation ?? null, harvest?.commodity ?? null, harvestDay ?? null, body, contactsJson(event), recordedAt],
  ]);
  const assigned = new Set(role.assigns);
  for (const tlc of role.assigns) {
    const line = event.lots.find((l) => l.tlc === tlc);
    const description = line?.productDescription ?? event.productDescription;
    // lots.commodity feeds the shelf-life model; a commodity it does not know is stored anyway
    // (the consumer skips such lots with a warning).
    const commodity = event.commodity ?? description ?? 'unknown';
    writes.push([INSERT_EVENT_LOT_SQL, [tlc, commodity, event.eventTime, description ?? null, event.eventId]]);
    writes.push([OPEN_INTERVAL_SQL, [tlc, event.location, event.eventTime]]);
  }
  const lines: Array<[LotQuantity, LotLineRole]> =
    event.cte === 'transformation'
      ? [...event.inputs.map((l): [LotQuantity, LotLineRole] => [l, 'input']), ...event.outputs.map((l): [LotQuantity, LotLineRole] => [l, 'output'])]
      : event.lots.map((l): [LotQuantity, LotLineRole] => [l, 'subject']);
  lines.forEach(([l, r], i) => writes.push([INSERT_LINE_SQL, [event.eventId, i, l.tlc, r, l.quantity ?? null, l.unitOfMeasure ?? null, event.eventTime]]));

  if (event.cte === 'transformation') {
    const edges = new Set<string>();
    for (const input of event.inputs) {
      for (const output of event.outputs) {
        const key = JSON.stringify([input.tlc, output.tlc]);
        if (edges.has(key)) continue;
        edges.add(key);
        writes.push([INSERT_EDGE_SQL, [input.tlc, output.tlc, event.eventId]]);
      }
    }
  }
  if (event.cte === 'shipping') {
    const from = event.from ?? event.location;
    for (const tlc of new Set(event.lots.map((l) => l.tlc))) writes.push([CLOSE_INTERVAL_SQL, [event.eventTime, tlc, from, event.eventTime]]);
  }
  if (event.cte === 'receiving' && !assigned.size) {
    const at = event.to ?? event.location;
    for (const tlc of new Set(event.lots.map((l) => l.tlc))) {
      const openHere = reads.open.some((c) => c.lot === tlc && c.location === at);
      if (!openHere) writes.push([OPEN_INTERVAL_SQL, [tlc, at, event.eventTime]]);
    }
  }
  return { status: 'created', writes };
}

function contactsJson(event: LotEvent): string | null {
  return Object.keys(event.contacts).length === 0 ? null : stableJson(event.contacts);
}

export function toTraceNode(r: Row, depth: number): TraceNode {
  const description = str(r.product_description);
  const assignedBy = str(r.assigned_by);
  return {
    tlc: String(r.id),
    commodity: String(r.commodity),
    ...(description === undefined ? {} : { productDescription: description }),
    createdAt: Number(r.created_at),
    ...(assignedBy === undefined ? {} : { assignedBy }),
    depth,
  };
}

export const toTransformationEdge = (r: Row): TransformationEdge & { depth: number } => ({
  kind: 'transformation',
  from: String(r.parent),
  to: String(r.child),
  eventId: String(r.event_id),
  time: Number(r.event_time),
  depth: Number(r.depth),
});

/** Shipping events as shipment edges, and every shipped-to and received-at location as a visit. */
export function movements(rows: readonly Row[]): { shipments: ShipmentEdge[]; visits: LotVisit[] } {
  const shipments: ShipmentEdge[] = [];
  const visits: LotVisit[] = [];
  for (const r of rows) {
    const base = { lot: String(r.tlc), eventId: String(r.event_id), time: Number(r.event_time) };
    if (r.cte === 'shipping') {
      const from = str(r.from_location) ?? String(r.location);
      const to = str(r.to_location);
      if (to !== undefined) {
        shipments.push({ kind: 'shipment', ...base, from, to });
        visits.push({ ...base, location: to, kind: 'shipped_to' });
      }
    } else {
      visits.push({ ...base, location: str(r.to_location) ?? String(r.location), kind: 'received_at' });
    }
  }
  return { shipments, visits };
}

export const toHolder = (r: Row): LotHolder => ({ lot: String(r.lot), location: String(r.location), since: Number(r.from_ts) });

/** Walk rows → edges within maxDepth, the depth of each lot, and whether a limit cut the walk. */
export function walkResult(start: string, rows: readonly Row[], direction: TraceDirection, maxDepth: number, maxEdges: number) {
  const all = rows.map(toTransformationEdge);
  const edges = all.filter((e) => e.depth <= maxDepth);
  const truncated = edges.length < all.length || rows.length > maxEdges;
  const kept = edges.slice(0, maxEdges);
  const depth = new Map<string, number>([[start, 0]]);
  for (const e of kept) {
    const far = direction === 'back' ? e.from : e.to;
    if (!depth.has(far) || depth.get(far)! > e.depth) depth.set(far, e.depth);
  }
  return { edges: kept.map(({ depth: _d, ...e }): TransformationEdge => e), depth, truncated };
}

/** Roots of a back trace: lots with no parent among the edges (a depth-cut lot is no root). */
export function rootsOf(nodes: readonly TraceNode[], edges: readonly TransformationEdge[], maxDepth: number, truncated: boolean): TraceNode[] {
  const withParent = new Set(edges.map((e) => e.to));
  return nodes.filter((n) => !withParent.has(n.tlc) && !(truncated && n.depth >= maxDepth));
}

/** The origin of each root from the event that assigned its TLC and the harvest events that match it. */
export function originsOf(roots: readonly TraceNode[], assigning: ReadonlyMap<string, Row>, harvestRows: readonly Row[]): LotOrigin[] {
  return roots.map((root): LotOrigin => {
    const row = root.assignedBy === undefined ? undefined : assigning.get(root.assignedBy);
    if (!row) return { lot: root.tlc, via: 'lot_api', time: root.createdAt, harvestEvents: [] };
    const event = JSON.parse(String(row.body)) as LotEvent;
    const base = { lot: root.tlc, eventId: event.eventId, location: event.location, time: event.eventTime };
    if (event.cte === 'receiving') return { ...base, via: 'exempt_receiving', harvestEvents: [] };
    if (event.cte !== 'initial_packing') return { ...base, via: 'other', harvestEvents: [] };
    const h = event.harvest;
    const coolingDate = (event.kdes as Record<string, unknown>).coolingDate as string | undefined;
    const harvestEvents = h
      ? harvestRows
          .filter((r) => r.harvest_farm === h.farmLocation && r.harvest_commodity === h.commodity)
          .filter((r) => (r.cte === 'harvesting' ? r.harvest_day === h.harvestDate : r.harvest_day === (coolingDate ?? h.harvestDate)))
          .map((r) => String(r.event_id))
      : [];
    return {
      ...base,
      via: 'initial_packing',
      ...(h ? { farmLocation: h.farmLocation, commodity: h.commodity } : {}),
      ...(h?.fieldName === undefined ? {} : { fieldName: h.fieldName }),
      ...(h?.harvestDate === undefined ? {} : { harvestDate: h.harvestDate }),
      harvestEvents,
    };
  });
}

/** Farms and days whose harvest events a set of assigning events may link to. */
export function harvestKeys(assigning: Iterable<Row>): { farms: string[]; days: string[] } {
  const farms = new Set<string>();
  const days = new Set<string>();
  for (const row of assigning) {
    if (row.cte !== 'initial_packing') continue;
    const event = JSON.parse(String(row.body)) as LotEvent;
    if (!event.harvest) continue;
    farms.add(event.harvest.farmLocation);
    if (event.harvest.harvestDate) days.add(event.harvest.harvestDate);
    const cooling = (event.kdes as Record<string, unknown>).coolingDate;
    if (typeof cooling === 'string') days.add(cooling);
  }
  return { farms: [...farms], days: [...days] };
}
