/**
 * Lot events of the PostgreSQL store (../lot-event-types.ts): drives the statement sequences
 * shared with SQLite (../lot-event-sql.ts, ../lot-event-trace.ts) with awaits. recordEvents is
 * one transaction; it locks the rows of the lots an event names (FOR UPDATE, PG_DIALECT.lockLots)
 * before planning, so two instances recording events of one lot derive its custody one after
 * the other. Two concurrent requests that assign the same new TLC or send the same new eventId
 * collide on a primary key: the loser fails with FT_ERR_STORE (retryable) and, retried, gets
 * duplicate or conflict.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { LotEvent } from '../../events/types.js';
import { numbered } from '../integrity-sql.js';
import { ERASE_CONTACTS_SQL, EVENTS_OF_LOT_SQL, GET_EVENT_SQL, PG_READING_SUMMARIES_SQL, recordEventSteps, toReadingSummary, toStoredEvent, type ReadRounds, type Steps } from '../lot-event-sql.js';
import { PG_DIALECT as D } from '../sql-dialect.js';
import { traceRounds } from '../lot-event-trace.js';
import type { LotTrace, ReadingSpan, ReadingSummary, RecordEventResult, StoredLotEvent, TraceDirection, TraceLimits } from '../lot-event-types.js';
import type { Row } from '../sqlite-rows.js';
import { inTransaction } from './transaction.js';

const q = async (client: pg.Pool | pg.PoolClient, sql: string, params: unknown[]): Promise<Row[]> => (await client.query<Row>(numbered(sql), params)).rows;

/** Runs each statement of `steps` on `client` and resumes it with the rows. */
async function drive<T>(client: pg.Pool | pg.PoolClient, steps: Steps<T>): Promise<T> {
  let step = steps.next([]);
  while (!step.done) step = steps.next(await q(client, ...step.value));
  return step.value;
}

/**
 * Runs the reads of each round at once, each on a pooled connection, as named prepared
 * statements: the trace's few fixed statements are parsed and planned once per connection
 * instead of at every call (about half the time of a short statement here). Behind PgBouncer
 * in transaction mode this needs its prepared-statement support (max_prepared_statements).
 */
async function driveRounds<T>(pool: pg.Pool, rounds: ReadRounds<T>): Promise<T> {
  let round = rounds.next([]);
  while (!round.done) {
    const results = await Promise.all(round.value.map(([sql, params]) => {
      const text = numbered(sql);
      return pool.query<Row>({ name: statementName(text), text, values: params });
    }));
    round = rounds.next(results.map((r) => r.rows));
  }
  return round.value;
}

const statementNames = new Map<string, string>();
/** A name per statement text (node-pg refuses one name for two texts). */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `ft_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    statementNames.set(text, name);
  }
  return name;
}

export function recordEvents(pool: pg.Pool, events: readonly LotEvent[], recordedAt: number): Promise<RecordEventResult[]> {
  return inTransaction(pool, (client) => drive(client, recordEventSteps(D, events, recordedAt)));
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

export function trace(pool: pg.Pool, tlc: string, direction: TraceDirection, limits: TraceLimits): Promise<LotTrace | undefined> {
  return driveRounds(pool, traceRounds(D, tlc, direction, limits));
}

export async function readingSummaries(pool: pg.Pool, spans: readonly ReadingSpan[]): Promise<ReadingSummary[]> {
  if (spans.length === 0) return [];
  const rows = await q(pool, PG_READING_SUMMARIES_SQL, [spans.map((s) => s.location), spans.map((s) => s.fromTs), spans.map((s) => s.toTs)]);
  return rows.map(toReadingSummary);
}
