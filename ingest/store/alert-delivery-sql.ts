/**
 * SQL of alert events and deliveries shared by the SQLite and PostgreSQL stores (`?`
 * placeholders; PostgreSQL numbers them with integrity-sql.ts `numbered`).
 */
import type { AlertDelivery, AlertDeliveryWithEvent, AlertEvent, AlertEventDraft, AlertEventType, DeliveryOutcome, DeliveryQuery, DeliveryStatus } from './alert-delivery-types.js';
import type { Alert } from './integrity-types.js';
import { whereOf } from './sql-where.js';
import type { Row } from './sqlite-rows.js';

export const INSERT_ALERT_EVENT_SQL = 'INSERT INTO alert_events (alert_id, type, at, alert, created_at) VALUES (?, ?, ?, ?, ?)';

/** The parameters of INSERT_ALERT_EVENT_SQL for one event. */
export function alertEventParams(e: AlertEventDraft, createdAt: number): Array<string | number> {
  return [e.alert.id, e.type, e.at, JSON.stringify(e.alert), createdAt];
}

/** The event a raise writes: opened for a new alert, escalated when a warning became critical, none for a bump. */
export function raiseEventType(opened: boolean, severityBefore: string | undefined, after: Alert): AlertEventType | undefined {
  if (opened) return 'opened';
  return severityBefore === 'warning' && after.severity === 'critical' ? 'escalated' : undefined;
}

export const EVENTS_AFTER_SQL = 'SELECT * FROM alert_events WHERE id > ? ORDER BY id LIMIT ?';
export const LATEST_EVENT_SQL = 'SELECT COALESCE(MAX(id), 0) AS id FROM alert_events';
export const LATEST_EVENT_BEFORE_SQL = 'SELECT COALESCE(MAX(id), 0) AS id FROM alert_events WHERE created_at < ?';

export const CHANNEL_POSITION_SQL = 'SELECT position FROM alert_channels WHERE channel = ?';
/** Compare-and-set of a channel's position: a new channel (one row changed) … */
export const CLAIM_NEW_CHANNEL_SQL = 'INSERT INTO alert_channels (channel, position) VALUES (?, ?) ON CONFLICT (channel) DO NOTHING';
/** … or a known one still at the expected position. */
export const MOVE_CHANNEL_SQL = 'UPDATE alert_channels SET position = ? WHERE channel = ? AND position = ?';
export const QUEUE_DELIVERY_SQL = "INSERT INTO alert_deliveries (channel, event_id, status, attempts, next_attempt_at, created_at) VALUES (?, ?, 'pending', 0, ?, ?) ON CONFLICT (channel, event_id) DO NOTHING";

const WITH_EVENT = 'SELECT d.*, e.alert_id AS e_alert_id, e.type AS e_type, e.at AS e_at, e.alert AS e_alert, e.created_at AS e_created_at FROM alert_deliveries d JOIN alert_events e ON e.id = d.event_id';
export const PENDING_DELIVERIES_SQL = `${WITH_EVENT} WHERE d.channel = ? AND d.status = 'pending' ORDER BY d.event_id LIMIT ?`;
export const DELIVERY_BY_ID_SQL = `${WITH_EVENT} WHERE d.id = ?`;
export const RETRY_DELIVERY_SQL = "UPDATE alert_deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?, finished_at = NULL WHERE id = ? AND status = 'dead'";

/** The UPDATE of one attempt's outcome with its parameters; only a pending delivery changes. */
export function deliveryAttemptSql(id: number, o: DeliveryOutcome): { sql: string; params: Array<string | number> } {
  switch (o.status) {
    case 'delivered':
      return { sql: "UPDATE alert_deliveries SET status = 'delivered', attempts = attempts + 1, finished_at = ?, last_error = NULL WHERE id = ? AND status = 'pending'", params: [o.at, id] };
    case 'pending':
      return { sql: "UPDATE alert_deliveries SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ? AND status = 'pending'", params: [o.nextAttemptAt, o.error, id] };
    case 'dead':
      return { sql: "UPDATE alert_deliveries SET status = 'dead', attempts = attempts + 1, finished_at = ?, last_error = ? WHERE id = ? AND status = 'pending'", params: [o.at, o.error, id] };
  }
}

/** SELECT of listDeliveries with its parameters: newest first. */
export function listDeliveriesSql(q: DeliveryQuery): { sql: string; params: Array<string | number> } {
  const { where, params } = whereOf([q.channel !== undefined && ['d.channel = ?', q.channel], q.status !== undefined && ['d.status = ?', q.status]]);
  return { sql: `${WITH_EVENT} ${where} ORDER BY d.id DESC LIMIT ?`, params: [...params, q.limit] };
}

function parsed(value: unknown): Alert {
  // SQLite returns JSON text, pg parses JSONB itself.
  return (typeof value === 'string' ? JSON.parse(value) : value) as Alert;
}

export function toAlertEvent(r: Row): AlertEvent {
  return { id: Number(r.id), type: r.type as AlertEventType, at: Number(r.at), createdAt: Number(r.created_at), alert: parsed(r.alert) };
}

export function toDeliveryWithEvent(r: Row): AlertDeliveryWithEvent {
  const delivery: AlertDelivery = {
    id: Number(r.id),
    channel: String(r.channel),
    eventId: Number(r.event_id),
    status: r.status as DeliveryStatus,
    attempts: Number(r.attempts),
    nextAttemptAt: Number(r.next_attempt_at),
    createdAt: Number(r.created_at),
    ...(r.finished_at === null || r.finished_at === undefined ? {} : { finishedAt: Number(r.finished_at) }),
    ...(r.last_error === null || r.last_error === undefined ? {} : { lastError: String(r.last_error) }),
  };
  const event: AlertEvent = { id: delivery.eventId, type: r.e_type as AlertEventType, at: Number(r.e_at), createdAt: Number(r.e_created_at), alert: parsed(r.e_alert) };
  return { ...delivery, event };
}
