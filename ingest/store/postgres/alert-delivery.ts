/**
 * Alert events and deliveries of the PostgreSQL store (../alert-delivery-types.ts), with the SQL
 * shared with SQLite (../alert-delivery-sql.ts). Several instances write alert events: every
 * alert change takes one transaction-level advisory lock before it draws an event id, so ids
 * become visible in id order and a reader that remembers the last id it saw misses none.
 */
import type pg from 'pg';
import {
  CHANNEL_POSITION_SQL,
  CLAIM_NEW_CHANNEL_SQL,
  deliveryAttemptSql,
  DELIVERY_BY_ID_SQL,
  EVENTS_AFTER_SQL,
  LATEST_EVENT_BEFORE_SQL,
  LATEST_EVENT_SQL,
  listDeliveriesSql,
  MOVE_CHANNEL_SQL,
  PENDING_DELIVERIES_SQL,
  RETRY_DELIVERY_SQL,
  toAlertEvent,
  toDeliveryWithEvent,
} from '../alert-delivery-sql.js';
import type { AlertChange, AlertDeliveryWithEvent, AlertEvent, DeliveryOutcome, DeliveryQuery, RetryResult } from '../alert-delivery-types.js';
import { numbered } from '../integrity-sql.js';
import type { LocalSignal } from '../local-signal.js';
import type { Row } from '../sqlite-rows.js';
import { inTransaction } from './transaction.js';

/** Advisory lock key ("FTalerts") held by every alert change until it commits. */
const ALERT_EVENTS_LOCK_KEY = '5067795780191155573';

/** All of a change's events in one statement; ids are drawn in the order given (ORDER BY ordinality). */
const INSERT_ALERT_EVENTS_SQL = `INSERT INTO alert_events (alert_id, type, at, alert, created_at)
  SELECT alert_id, type, at, alert, $5 FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::jsonb[]) WITH ORDINALITY AS e(alert_id, type, at, alert, n)
  ORDER BY n`;

/** `change` and the events it reports in one transaction under the alert lock; listeners hear of them after the commit. */
export async function withAlertEvents<T>(pool: pg.Pool, signal: LocalSignal, change: (client: pg.PoolClient) => Promise<AlertChange<T>>): Promise<T> {
  const { result, events } = await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [ALERT_EVENTS_LOCK_KEY]);
    const outcome = await change(client);
    const events = outcome.events;
    if (events.length > 0) {
      await client.query(INSERT_ALERT_EVENTS_SQL, [events.map((e) => e.alert.id), events.map((e) => e.type), events.map((e) => e.at), events.map((e) => JSON.stringify(e.alert)), Date.now()]);
    }
    return outcome;
  });
  if (events.length > 0) signal.emit();
  return result;
}

export async function alertEventsAfter(pool: pg.Pool, afterId: number, limit: number): Promise<AlertEvent[]> {
  return (await rows(pool, EVENTS_AFTER_SQL, [afterId, limit])).map(toAlertEvent);
}

export async function latestAlertEventId(pool: pg.Pool, createdBefore?: number): Promise<number> {
  const [row] = createdBefore === undefined ? await rows(pool, LATEST_EVENT_SQL) : await rows(pool, LATEST_EVENT_BEFORE_SQL, [createdBefore]);
  return Number(row!.id);
}

export async function channelPosition(pool: pg.Pool, channel: string): Promise<number | undefined> {
  const [row] = await rows(pool, CHANNEL_POSITION_SQL, [channel]);
  return row ? Number(row.position) : undefined;
}

export async function queueDeliveries(pool: pg.Pool, channel: string, expected: number | undefined, eventIds: readonly number[], throughId: number, at: number): Promise<boolean> {
  return inTransaction(pool, async (client) => {
    // The UPDATE locks the channel's row: a second instance waits, then finds the position moved.
    const claimed = expected === undefined
      ? await client.query(numbered(CLAIM_NEW_CHANNEL_SQL), [channel, throughId])
      : await client.query(numbered(MOVE_CHANNEL_SQL), [throughId, channel, expected]);
    if ((claimed.rowCount ?? 0) === 0) return false;
    if (eventIds.length > 0) {
      await client.query(
        `INSERT INTO alert_deliveries (channel, event_id, status, attempts, next_attempt_at, created_at)
         SELECT $1, e, 'pending', 0, $3, $3 FROM unnest($2::bigint[]) AS e ON CONFLICT (channel, event_id) DO NOTHING`,
        [channel, eventIds, at],
      );
    }
    return true;
  });
}

export async function pendingDeliveries(pool: pg.Pool, channel: string, limit: number): Promise<AlertDeliveryWithEvent[]> {
  return (await rows(pool, PENDING_DELIVERIES_SQL, [channel, limit])).map(toDeliveryWithEvent);
}

export async function recordDeliveryAttempt(pool: pg.Pool, id: number, outcome: DeliveryOutcome): Promise<boolean> {
  const { sql, params } = deliveryAttemptSql(id, outcome);
  return ((await pool.query(numbered(sql), params)).rowCount ?? 0) > 0;
}

export async function listDeliveries(pool: pg.Pool, query: DeliveryQuery): Promise<AlertDeliveryWithEvent[]> {
  const { sql, params } = listDeliveriesSql(query);
  return (await rows(pool, sql, params)).map(toDeliveryWithEvent);
}

export async function retryDelivery(pool: pg.Pool, id: number, at: number): Promise<RetryResult | undefined> {
  const retried = ((await pool.query(numbered(RETRY_DELIVERY_SQL), [at, id])).rowCount ?? 0) > 0;
  const [row] = await rows(pool, DELIVERY_BY_ID_SQL, [id]);
  return row ? { delivery: toDeliveryWithEvent(row), retried } : undefined;
}

async function rows(pool: pg.Pool, sql: string, params: unknown[] = []): Promise<Row[]> {
  return (await pool.query<Row>(numbered(sql), params)).rows;
}
