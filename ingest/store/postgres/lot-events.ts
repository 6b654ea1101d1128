/**
 * Lot events of the PostgreSQL store (../lot-event-types.ts), with the SQL and the per-event
 * plan shared with SQLite (../lot-event-sql.ts). recordEvents is one transaction; it locks the
 * rows of the lots an event names (FOR UPDATE) before planning, so two instances recording
 * events of one lot derive its custody one after the other. Two concurrent requests that
 * assign the same new TLC or send the same new eventId collide on a primary key: the loser
 * fails with FT_ERR_STORE (retryable) and, retried, gets duplicate or conflict.
 */
import type pg from 'pg';
import type { LotEvent } from '../../events/types.js';
import { numbered } from '../integrity-sql.js';
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
  PG_DIALECT as D,
  PG_READING_SUMMARIES_SQL,
  planEvent,
  rootsOf,
  toHolder,
  toReadingSummary,
  toStoredEvent,
  toTraceNode,
  walkResult,
  walkSql,
} from '../lot-event-sql.js';
import type { LotTrace, ReadingSpan, ReadingSummary, RecordEventResult, StoredLotEvent, TraceDirection, TraceLimits } from '../lot-event-types.js';
import { toCustody } from '../lot-sql.js';
import type { Row } from '../sqlite-rows.js';
import { inTransaction } from './transaction.js';

const q = async (client: pg.Pool | pg.PoolClient, sql: string, params: unknown[]): Promise<Row[]> => (await client.query<Row>(numbered(sql), params)).rows;

export function recordEvents(pool: pg.Pool, events: readonly LotEvent[], recordedAt: number): Promise<RecordEventResult[]> {
  return inTransaction(pool, async (client) => {
    const results: RecordEventResult[] = [];
    for (const [index, event] of events.entries()) {
      const tlcs = D.setParam(eventTlcs(event));
      const stored = (await q(client, GET_EVENT_SQL, [event.eventId]))[0];
      // Sorted, so that two transactions lock the rows of shared lots in the same order.
      const lotRows = await q(client, `${lotsOfSql(D)} ORDER BY id FOR UPDATE`, [tlcs]);
      const lots = new Map(lotRows.map((r) => [String(r.id), r.assigned_by === null ? {} : { assignedBy: String(r.assigned_by) }]));
      const open = (await q(client, openCustodyOfSql(D), [tlcs])).map(toCustody);
      const plan = planEvent(event, index, { ...(stored ? { storedBody: String(stored.body) } : {}), lots, open }, recordedAt);
      if (plan.status === 'created') for (const [text, params] of plan.writes) await q(client, text, params);
      results.push({ eventId: event.eventId, status: plan.status });
    }
    return results;
  });
}

export async function getEvent(pool: pg.Pool, eventId: string): Promise<StoredLotEvent | undefined> {
  const row = (await q(pool, GET_EVENT_SQL, [eventId]))[0];
  return row ? toStoredEvent(row) : undefined;
}

export async function lotEvents(pool: pg.Pool, tlc: string): Promise<StoredLotEvent[]> {
  return (await q(pool, EVENTS_OF_LOT_SQL, [tlc])).map(toStoredEvent);
}

export async function eraseEventContacts(pool: pg.Pool, eventId: string): Promise<boolean> {
  return (await pool.query(numbered(ERASE_CONTACTS_SQL), [eventId])).rowCount === 1;
}

/** One recursive query, then at most three batched reads (nodes, movements, holders or origins). */
export async function trace(pool: pg.Pool, tlc: string, direction: TraceDirection, limits: TraceLimits): Promise<LotTrace | undefined> {
  const walk = walkResult(tlc, await q(pool, walkSql(direction), [tlc, limits.maxDepth, limits.maxEdges + 1]), direction, limits.maxDepth, limits.maxEdges);
  const ids = D.setParam([...walk.depth.keys()]);
  const nodes = (await q(pool, lotsOfSql(D), [ids])).map((r) => toTraceNode(r, walk.depth.get(String(r.id))!));
  if (!nodes.some((n) => n.tlc === tlc)) return undefined;
  nodes.sort((a, b) => a.depth - b.depth || (a.tlc < b.tlc ? -1 : 1));
  const moved = movements(await q(pool, movementsOfSql(D), [ids]));
  const result: LotTrace = {
    lot: tlc, direction, maxDepth: limits.maxDepth, truncated: walk.truncated, nodes,
    edges: [...walk.edges, ...moved.shipments], locations: moved.visits, holders: [], origins: [],
  };
  if (direction === 'forward') {
    result.holders = (await q(pool, openCustodyOfSql(D), [ids])).map(toHolder);
  } else {
    const roots = rootsOf(nodes, walk.edges, limits.maxDepth, walk.truncated);
    const assigningIds = roots.flatMap((r) => (r.assignedBy === undefined ? [] : [r.assignedBy]));
    const assigning = new Map((await q(pool, eventsByIdSql(D), [D.setParam(assigningIds)])).map((r) => [String(r.event_id), r]));
    const keys = harvestKeys(assigning.values());
    const harvests = keys.farms.length === 0 ? [] : await q(pool, harvestEventsSql(D), [D.setParam(keys.farms), D.setParam(keys.days)]);
    result.origins = originsOf(roots, assigning, harvests);
  }
  return result;
}

export async function readingSummaries(pool: pg.Pool, spans: readonly ReadingSpan[]): Promise<ReadingSummary[]> {
  if (spans.length === 0) return [];
  const rows = await q(pool, PG_READING_SUMMARIES_SQL, [spans.map((s) => s.location), spans.map((s) => s.fromTs), spans.map((s) => s.toTs)]);
  return rows.map(toReadingSummary);
}
