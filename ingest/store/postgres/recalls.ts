/** Recalls of the PostgreSQL store (../recall-types.ts), with the SQL shared with SQLite (../recall-sql.ts). */
import type pg from 'pg';
import { numbered } from '../integrity-sql.js';
import {
  ACKNOWLEDGE_NOTICE_SQL,
  INSERT_NOTICE_SQL,
  INSERT_RECALL_SQL,
  LIST_RECALLS_SQL,
  NOTICE_SQL,
  NOTICES_SQL,
  RECALL_SQL,
  SET_NOTICE_ALERT_SQL,
  toNotice,
  toRecall,
  toRecallSummary,
} from '../recall-sql.js';
import type { NewRecall, Recall, RecallAcknowledgement, RecallNotice, RecallSummary } from '../recall-types.js';
import type { Row } from '../sqlite-rows.js';
import { inTransaction } from './transaction.js';

export async function createRecall(pool: pg.Pool, r: NewRecall): Promise<Recall> {
  const id = await inTransaction(pool, async (client) => {
    const row = (await client.query<Row>(numbered(INSERT_RECALL_SQL), [r.reason, r.classification ?? null, r.initiatedBy, r.createdAt, JSON.stringify(r.lots), JSON.stringify(r.affectedLots), r.truncated])).rows[0]!;
    for (const n of r.notices) await client.query(numbered(INSERT_NOTICE_SQL), [row.id, n.location, JSON.stringify(n.lots), JSON.stringify(n.heldLots), r.createdAt]);
    return Number(row.id);
  });
  return (await getRecall(pool, id))!;
}

export async function getRecall(pool: pg.Pool, id: number): Promise<Recall | undefined> {
  const [recall] = (await pool.query<Row>(numbered(RECALL_SQL), [id])).rows;
  return recall ? toRecall(recall, (await pool.query<Row>(numbered(NOTICES_SQL), [id])).rows) : undefined;
}

export async function listRecalls(pool: pg.Pool, limit: number): Promise<Array<RecallSummary & { notices: number; acknowledged: number }>> {
  const rows = (await pool.query<Row>(numbered(LIST_RECALLS_SQL), [limit])).rows;
  return rows.map((r) => ({ ...toRecallSummary(r), notices: Number(r.notice_count), acknowledged: Number(r.acknowledged_count) }));
}

export async function setRecallNoticeAlert(pool: pg.Pool, recallId: number, location: string, alertId: number): Promise<void> {
  await pool.query(numbered(SET_NOTICE_ALERT_SQL), [alertId, recallId, location]);
}

export async function acknowledgeRecallNotice(pool: pg.Pool, recallId: number, location: string, ack: RecallAcknowledgement): Promise<{ notice: RecallNotice; changed: boolean } | undefined> {
  const changed = ((await pool.query(numbered(ACKNOWLEDGE_NOTICE_SQL), [ack.at, ack.by, ack.note ?? null, recallId, location])).rowCount ?? 0) > 0;
  const [row] = (await pool.query<Row>(numbered(NOTICE_SQL), [recallId, location])).rows;
  return row ? { notice: toNotice(row), changed } : undefined;
}
