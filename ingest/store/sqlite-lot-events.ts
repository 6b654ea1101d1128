/**
 * Lot events of the SQLite store (lot-event-types.ts), with the SQL and the per-event plan
 * shared with PostgreSQL (lot-event-sql.ts). recordEvents is one IMMEDIATE transaction: each
 * event's reads see the writes of the events before it in the call.
 */
import type { LotEvent } from '../events/types.js';
import {
  ERASE_CONTACTS_SQL,
  eventsByIdSql,
  EVENTS_OF_LOT_SQL,
  eventTlcs,
  GET_EVENT_SQL,
  harvestEventsSql,
  harvestKeys,
  lotsOfSql,
  movements,
  movementsOfSql,
  openCustodyOfSql,
  originsOf,
  planEvent,
  rootsOf,
  SQLITE_DIALECT as D,
  SQLITE_READING_SUMMARIES_SQL,
  toHolder,
  toReadingSummary,
  toStoredEvent,
  toTraceNode,
  walkResult,
  walkSql,
} from './lot-event-sql.js';
import type { LotTrace, ReadingSpan, ReadingSummary, RecordEventResult, StoredLotEvent, TraceDirection, TraceLimits } from './lot-event-types.js';
import { toCustody } from './lot-sql.js';
import type { SqliteContext } from './sqlite-identity.js';
import type { Row } from './sqlite-rows.js';

export function recordEvents({ db, sql }: SqliteContext, events: readonly LotEvent[], recordedAt: number): RecordEventResult[] {
  return db
    .transaction((): RecordEventResult[] =>
      events.map((event, index): RecordEventResult => {
        const tlcs = D.setParam(eventTlcs(event));
        const stored = sql(GET_EVENT_SQL).get(event.eventId) as Row | undefined;
        const lots = new Map((sql(lotsOfSql(D)).all(tlcs) as Row[]).map((r) => [String(r.id), r.assigned_by === null ? {} : { assignedBy: String(r.assigned_by) }]));
        const open = (sql(openCustodyOfSql(D)).all(tlcs) as Row[]).map(toCustody);
        const plan = planEvent(event, index, { ...(stored ? { storedBody: String(stored.body) } : {}), lots, open }, recordedAt);
        if (plan.status === 'created') for (const [text, params] of plan.writes) sql(text).run(...params);
        return { eventId: event.eventId, status: plan.status };
      }),
    )
    .immediate();
}

export function getEvent({ sql }: SqliteContext, eventId: string): StoredLotEvent | undefined {
  const row = sql(GET_EVENT_SQL).get(eventId) as Row | undefined;
  return row ? toStoredEvent(row) : undefined;
}

export const lotEvents = ({ sql }: SqliteContext, tlc: string): StoredLotEvent[] => (sql(EVENTS_OF_LOT_SQL).all(tlc) as Row[]).map(toStoredEvent);

export const eraseEventContacts = ({ sql }: SqliteContext, eventId: string): boolean => sql(ERASE_CONTACTS_SQL).run(eventId).changes === 1;

/** One recursive query, then at most three batched reads (nodes, movements, holders or origins). */
export function trace({ sql }: SqliteContext, tlc: string, direction: TraceDirection, limits: TraceLimits): LotTrace | undefined {
  const walk = walkResult(tlc, sql(walkSql(direction)).all(tlc, limits.maxDepth, limits.maxEdges + 1) as Row[], direction, limits.maxDepth, limits.maxEdges);
  const ids = D.setParam([...walk.depth.keys()]);
  const nodes = (sql(lotsOfSql(D)).all(ids) as Row[]).map((r) => toTraceNode(r, walk.depth.get(String(r.id))!));
  if (!nodes.some((n) => n.tlc === tlc)) return undefined;
  nodes.sort((a, b) => a.depth - b.depth || (a.tlc < b.tlc ? -1 : 1));
  const moved = movements(sql(movementsOfSql(D)).all(ids) as Row[]);
  const result: LotTrace = {
    lot: tlc, direction, maxDepth: limits.maxDepth, truncated: walk.truncated, nodes,
    edges: [...walk.edges, ...moved.shipments], locations: moved.visits, holders: [], origins: [],
  };
  if (direction === 'forward') {
    result.holders = (sql(openCustodyOfSql(D)).all(ids) as Row[]).map(toHolder);
  } else {
    const roots = rootsOf(nodes, walk.edges, limits.maxDepth, walk.truncated);
    const assigningIds = roots.flatMap((r) => (r.assignedBy === undefined ? [] : [r.assignedBy]));
    const assigning = new Map((sql(eventsByIdSql(D)).all(D.setParam(assigningIds)) as Row[]).map((r) => [String(r.event_id), r]));
    const keys = harvestKeys(assigning.values());
    const harvests = keys.farms.length === 0 ? [] : (sql(harvestEventsSql(D)).all(D.setParam(keys.farms), D.setParam(keys.days)) as Row[]);
    result.origins = originsOf(roots, assigning, harvests);
  }
  return result;
}

export function readingSummaries({ sql }: SqliteContext, spans: readonly ReadingSpan[]): ReadingSummary[] {
  if (spans.length === 0) return [];
  const rows = sql(SQLITE_READING_SUMMARIES_SQL).all(JSON.stringify(spans.map((s) => [s.location, s.fromTs, s.toTs]))) as Row[];
  return rows.map(toReadingSummary);
}
