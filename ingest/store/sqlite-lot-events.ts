/**
 * Lot events of the SQLite store (lot-event-types.ts): drives the statement sequences shared
 * with PostgreSQL (lot-event-sql.ts, lot-event-trace.ts) synchronously on the one connection.
 * recordEvents is one IMMEDIATE transaction: each event's reads see the writes of the events
 * before it in the call.
 */
import type { LotEvent } from '../events/types.js';
import { ERASE_CONTACTS_SQL, EVENTS_OF_LOT_SQL, GET_EVENT_SQL, recordEventSteps, SQLITE_READING_SUMMARIES_SQL, toReadingSummary, toStoredEvent, type ReadRounds, type Steps } from './lot-event-sql.js';
import { SQLITE_DIALECT as D } from './sql-dialect.js';
import { traceRounds } from './lot-event-trace.js';
import type { LotTrace, ReadingSpan, ReadingSummary, RecordEventResult, StoredLotEvent, TraceDirection, TraceLimits } from './lot-event-types.js';
import type { SqliteContext } from './sqlite-identity.js';
import type { Row } from './sqlite-rows.js';

/** Runs each statement of `steps` and resumes it with the rows (none for a statement that returns none). */
function drive<T>({ sql }: SqliteContext, steps: Steps<T>): T {
  let step = steps.next([]);
  while (!step.done) {
    const [text, params] = step.value;
    const statement = sql(text);
    step = steps.next(statement.reader ? (statement.all(...params) as Row[]) : (statement.run(...params), []));
  }
  return step.value;
}

/** Runs the reads of each round one after the other (one connection) and resumes `rounds` with their rows. */
function driveRounds<T>({ sql }: SqliteContext, rounds: ReadRounds<T>): T {
  let round = rounds.next([]);
  while (!round.done) round = rounds.next(round.value.map(([text, params]) => sql(text).all(...params) as Row[]));
  return round.value;
}

export function recordEvents(ctx: SqliteContext, events: readonly LotEvent[], recordedAt: number): RecordEventResult[] {
  return ctx.db.transaction(() => drive(ctx, recordEventSteps(D, events, recordedAt))).immediate();
}

export function getEvent({ sql }: SqliteContext, eventId: string): StoredLotEvent | undefined {
  const row = sql(GET_EVENT_SQL).get(eventId) as Row | undefined;
  return row ? toStoredEvent(row) : undefined;
}

export const lotEvents = ({ sql }: SqliteContext, tlc: string): StoredLotEvent[] => (sql(EVENTS_OF_LOT_SQL).all(tlc) as Row[]).map(toStoredEvent);

export const eraseEventContacts = ({ sql }: SqliteContext, eventId: string): boolean => sql(ERASE_CONTACTS_SQL).run(eventId).changes === 1;

export const trace = (ctx: SqliteContext, tlc: string, direction: TraceDirection, limits: TraceLimits): LotTrace | undefined =>
  driveRounds(ctx, traceRounds(D, tlc, direction, limits));

export function readingSummaries({ sql }: SqliteContext, spans: readonly ReadingSpan[]): ReadingSummary[] {
  if (spans.length === 0) return [];
  const rows = sql(SQLITE_READING_SUMMARIES_SQL).all(JSON.stringify(spans.map((s) => [s.location, s.fromTs, s.toTs]))) as Row[];
  return rows.map(toReadingSummary);
}
