/**
 * What the SQLite and PostgreSQL stores share for lot events (migrations 011 / pg 010): SQL
 * with `?` placeholders, the per-event write plan (TLC rule + custody derivation) as a pure
 * function of what the store read, and {@link recordEventSteps}, the reads and writes of
 * recordEvents as a generator that a backend drives with its own connection, in one
 * transaction. The trace is in lot-event-trace.ts.
 */
import { FreshTrailError } from '../../common/errors.js';
import { CanonicalizationError, canonicalJson, type CanonicalValue } from '../../protocol/canonical.js';
import { tlcRole } from '../events/tlc.js';
import type { LotEvent, LotQuantity } from '../events/types.js';
import { toCustody } from './lot-sql.js';
import type { CustodyInterval } from './lot-types.js';
import type { LotLineRole, ReadingSummary, RecordEventResult, StoredLotEvent } from './lot-event-types.js';
import type { Row } from './sqlite-rows.js';
import type { Dialect } from './sql-dialect.js';
import { INSERT_CUSTODY_SQL } from './lot-sql.js';


/** One statement and its parameters. */
export type Query = [sql: string, params: unknown[]];
/**
 * A sequence of statements as a generator: it yields each statement and is resumed with its
 * rows ([] for a statement that returns none). The SQLite store drives it synchronously, the
 * PostgreSQL store with awaits, so the sequence itself is written once.
 */
export type Steps<T> = Generator<Query, T, Row[]>;
/**
 * Reads in rounds: the generator yields the statements of a round, none of which depends on
 * another, and is resumed with the rows of each, in order. The PostgreSQL store runs a round's
 * statements at once on several pooled connections (one round trip of latency per round
 * instead of one per statement), the SQLite store one after the other.
 */
export type ReadRounds<T> = Generator<Query[], T, Row[][]>;

export const EVENT_COLUMNS = 'event_id, body, contacts, recorded_at';
export const GET_EVENT_SQL = `SELECT ${EVENT_COLUMNS} FROM lot_events WHERE event_id = ?`;
export const INSERT_EVENT_SQL = `INSERT INTO lot_events (event_id, cte, event_time, location, from_location, to_location, source,
  harvest_farm, harvest_commodity, harvest_day, body, contacts, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
export const INSERT_LINE_SQL = 'INSERT INTO lot_event_lots (event_id, idx, tlc, role, quantity, uom, event_time) VALUES (?, ?, ?, ?, ?, ?, ?)';
export const INSERT_EDGE_SQL = 'INSERT INTO lot_lineage (parent_tlc, child_tlc, event_id) VALUES (?, ?, ?)';
export const INSERT_EVENT_LOT_SQL = 'INSERT INTO lots (id, commodity, label, created_at, product_description, assigned_by) VALUES (?, ?, NULL, ?, ?, ?)';
/** Closes the lot's open interval at a location, if it began by `at` (custody is not rewritten backwards). */
export const CLOSE_INTERVAL_SQL = 'UPDATE lot_custody SET to_ts = ? WHERE lot = ? AND location = ? AND to_ts IS NULL AND from_ts <= ?';
export const ERASE_CONTACTS_SQL = 'UPDATE lot_events SET contacts = NULL WHERE event_id = ?';
export const EVENTS_OF_LOT_SQL = `
SELECT DISTINCT e.event_id, e.body, e.contacts, e.recorded_at, e.event_time
FROM lot_event_lots l JOIN lot_events e ON e.event_id = l.event_id
WHERE l.tlc = ? ORDER BY e.event_time, e.event_id`;
export const lotsOfSql = (d: Dialect): string => `SELECT id, commodity, product_description, assigned_by, created_at FROM lots WHERE ${d.inSet('id')}`;
export const openCustodyOfSql = (d: Dialect): string => `SELECT lot, location, from_ts, to_ts FROM lot_custody WHERE ${d.inSet('lot')} AND to_ts IS NULL ORDER BY lot, from_ts`;

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

export function toReadingSummary(r: Row): ReadingSummary {
  const summary: ReadingSummary = { readings: Number(r.n) };
  if (num(r.t_min) !== undefined) summary.tempC = { min: Number(r.t_min), max: Number(r.t_max), mean: Number(r.t_mean) };
  if (num(r.rh_min) !== undefined) summary.rh = { min: Number(r.rh_min), max: Number(r.rh_max), mean: Number(r.rh_mean) };
  return summary;
}

/** The stored event: everything but `contacts`, which is kept apart (personal data, erasable). */
export function eventBody(event: LotEvent): string {
  const { contacts: _contacts, ...rest } = event;
  return canonicalJson(rest as unknown as CanonicalValue);
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

export type EventPlan = { status: 'duplicate' } | { status: 'created'; writes: Query[] };

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
  const where = describeEvent(event, index);
  let body: string;
  let contacts: string | null;
  try {
    body = eventBody(event);
    contacts = contactsJson(event);
  } catch (err) {
    if (err instanceof CanonicalizationError) throw new FreshTrailError('FT_ERR_SCHEMA', `${where}: cannot store the event: ${err.message}`);
    throw err;
  }
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

  const writes: Query[] = [];
  const harvest = event.harvest;
  const kdes = event.kdes as Record<string, unknown>;
  const harvestDay = event.cte === 'cooling' ? (kdes.coolingDate as string | undefined) : harvest?.harvestDate;
  writes.push([
    INSERT_EVENT_SQL,
    [event.eventId, event.cte, event.eventTime, event.location, event.from ?? null, event.to ?? null, event.source,
      harvest?.farmLocation ?? null, harvest?.commodity ?? null, harvestDay ?? null, body, contacts, recordedAt],
  ]);
  const assigned = new Set(role.assigns);
  for (const tlc of role.assigns) {
    const line = event.lots.find((l) => l.tlc === tlc);
    const description = line?.productDescription ?? event.productDescription;
    // lots.commodity feeds the shelf-life model; a commodity it does not know is stored anyway
    // (the consumer skips such lots with a warning).
    const commodity = event.commodity ?? description ?? 'unknown';
    writes.push([INSERT_EVENT_LOT_SQL, [tlc, commodity, event.eventTime, description ?? null, event.eventId]]);
    writes.push([INSERT_CUSTODY_SQL, [tlc, event.location, event.eventTime]]);
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
      if (!openHere) writes.push([INSERT_CUSTODY_SQL, [tlc, at, event.eventTime]]);
    }
  }
  return { status: 'created', writes };
}

function contactsJson(event: LotEvent): string | null {
  return Object.keys(event.contacts).length === 0 ? null : canonicalJson(event.contacts as CanonicalValue);
}

/**
 * recordEvents (lot-event-types.ts) for a backend to drive inside one transaction: per event,
 * three reads (the stored body, the lots it names, their open custody), then {@link planEvent}'s
 * writes. Each event's reads see the writes of the events before it in the call.
 */
export function* recordEventSteps(d: Dialect, events: readonly LotEvent[], recordedAt: number): Steps<RecordEventResult[]> {
  const results: RecordEventResult[] = [];
  for (const [index, event] of events.entries()) {
    const tlcs = d.setParam(eventTlcs(event));
    const [stored] = yield [GET_EVENT_SQL, [event.eventId]];
    const lotRows = yield [`${lotsOfSql(d)}${d.lockLots}`, [tlcs]];
    const lots = new Map(lotRows.map((r) => [String(r.id), r.assigned_by === null ? {} : { assignedBy: String(r.assigned_by) }]));
    const open = (yield [openCustodyOfSql(d), [tlcs]]).map(toCustody);
    const plan = planEvent(event, index, { ...(stored ? { storedBody: String(stored.body) } : {}), lots, open }, recordedAt);
    if (plan.status === 'created') for (const write of plan.writes) yield write;
    results.push({ eventId: event.eventId, status: plan.status });
  }
  return results;
}
