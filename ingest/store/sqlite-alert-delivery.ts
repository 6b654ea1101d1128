/**
 * Alert events and deliveries of the SQLite store (alert-delivery-types.ts). One connection and
 * synchronous calls: events get ids in commit order, and a channel's compare-and-set and its
 * queued deliveries are one IMMEDIATE transaction.
 */
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
  QUEUE_DELIVERY_SQL,
  RETRY_DELIVERY_SQL,
  toAlertEvent,
  toDeliveryWithEvent,
} from './alert-delivery-sql.js';
import type { AlertDeliveryWithEvent, AlertEvent, DeliveryOutcome, DeliveryQuery, RetryResult } from './alert-delivery-types.js';
import type { SqliteContext } from './sqlite-identity.js';
import type { Row } from './sqlite-rows.js';

export function alertEventsAfter({ sql }: SqliteContext, afterId: number, limit: number): AlertEvent[] {
  return (sql(EVENTS_AFTER_SQL).all(afterId, limit) as Row[]).map(toAlertEvent);
}

export function latestAlertEventId({ sql }: SqliteContext, createdBefore?: number): number {
  const row = (createdBefore === undefined ? sql(LATEST_EVENT_SQL).get() : sql(LATEST_EVENT_BEFORE_SQL).get(createdBefore)) as Row;
  return Number(row.id);
}

export function channelPosition({ sql }: SqliteContext, channel: string): number | undefined {
  const row = sql(CHANNEL_POSITION_SQL).get(channel) as Row | undefined;
  return row ? Number(row.position) : undefined;
}

export function queueDeliveries({ db, sql }: SqliteContext, channel: string, expected: number | undefined, eventIds: readonly number[], throughId: number, at: number): boolean {
  return db
    .transaction((): boolean => {
      const claimed = expected === undefined ? sql(CLAIM_NEW_CHANNEL_SQL).run(channel, throughId) : sql(MOVE_CHANNEL_SQL).run(throughId, channel, expected);
      if (claimed.changes === 0) return false;
      for (const id of eventIds) sql(QUEUE_DELIVERY_SQL).run(channel, id, at, at);
      return true;
    })
    .immediate();
}

export function pendingDeliveries({ sql }: SqliteContext, channel: string, limit: number): AlertDeliveryWithEvent[] {
  return (sql(PENDING_DELIVERIES_SQL).all(channel, limit) as Row[]).map(toDeliveryWithEvent);
}

export function recordDeliveryAttempt({ sql }: SqliteContext, id: number, outcome: DeliveryOutcome): boolean {
  const { sql: text, params } = deliveryAttemptSql(id, outcome);
  return sql(text).run(...params).changes > 0;
}

export function listDeliveries({ sql }: SqliteContext, query: DeliveryQuery): AlertDeliveryWithEvent[] {
  const { sql: text, params } = listDeliveriesSql(query);
  return (sql(text).all(...params) as Row[]).map(toDeliveryWithEvent);
}

export function retryDelivery({ sql }: SqliteContext, id: number, at: number): RetryResult | undefined {
  const retried = sql(RETRY_DELIVERY_SQL).run(at, id).changes > 0;
  const row = sql(DELIVERY_BY_ID_SQL).get(id) as Row | undefined;
  return row ? { delivery: toDeliveryWithEvent(row), retried } : undefined;
}
