/** SQL of recalls shared by the SQLite and PostgreSQL stores (`?` placeholders; PostgreSQL numbers them). */
import type { Recall, RecallClass, RecallNotice, RecallSummary } from './recall-types.js';
import { opt, type Row } from './sqlite-rows.js';

export const INSERT_RECALL_SQL = 'INSERT INTO recalls (reason, classification, initiated_by, created_at, lots, affected_lots, truncated) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id';
export const INSERT_NOTICE_SQL = 'INSERT INTO recall_notices (recall_id, location, lots, held_lots, notified_at) VALUES (?, ?, ?, ?, ?)';
export const RECALL_SQL = 'SELECT * FROM recalls WHERE id = ?';
export const NOTICES_SQL = 'SELECT * FROM recall_notices WHERE recall_id = ? ORDER BY location';
export const NOTICE_SQL = 'SELECT * FROM recall_notices WHERE recall_id = ? AND location = ?';
export const SET_NOTICE_ALERT_SQL = 'UPDATE recall_notices SET alert_id = ? WHERE recall_id = ? AND location = ?';
export const ACKNOWLEDGE_NOTICE_SQL = 'UPDATE recall_notices SET acknowledged_at = ?, acknowledged_by = ?, note = ? WHERE recall_id = ? AND location = ? AND acknowledged_at IS NULL';
export const LIST_RECALLS_SQL = `SELECT r.*,
  (SELECT COUNT(*) FROM recall_notices n WHERE n.recall_id = r.id) AS notice_count,
  (SELECT COUNT(*) FROM recall_notices n WHERE n.recall_id = r.id AND n.acknowledged_at IS NOT NULL) AS acknowledged_count
  FROM recalls r ORDER BY r.id DESC LIMIT ?`;

const list = (value: unknown): string[] => (typeof value === 'string' ? (JSON.parse(value) as string[]) : (value as string[]));

export function toRecallSummary(r: Row): RecallSummary {
  return {
    id: Number(r.id),
    reason: String(r.reason),
    classification: opt(r.classification, (c) => String(c) as RecallClass),
    initiatedBy: String(r.initiated_by),
    createdAt: Number(r.created_at),
    lots: list(r.lots),
    affectedLots: list(r.affected_lots),
    truncated: r.truncated === true || Number(r.truncated) === 1,
  };
}

export function toNotice(r: Row): RecallNotice {
  return {
    location: String(r.location),
    lots: list(r.lots),
    heldLots: list(r.held_lots),
    notifiedAt: Number(r.notified_at),
    alertId: opt(r.alert_id, Number),
    acknowledgedAt: opt(r.acknowledged_at, Number),
    acknowledgedBy: opt(r.acknowledged_by, String),
    note: opt(r.note, String),
  };
}

export const toRecall = (recall: Row, notices: Row[]): Recall => ({ ...toRecallSummary(recall), notices: notices.map(toNotice) });
