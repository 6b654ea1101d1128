/** Recalls of the SQLite store (recall-types.ts): synchronous calls on the one connection. */
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
} from './recall-sql.js';
import type { NewRecall, Recall, RecallAcknowledgement, RecallNotice, RecallSummary } from './recall-types.js';
import type { SqliteContext } from './sqlite-identity.js';
import type { Row } from './sqlite-rows.js';

export function createRecall(ctx: SqliteContext, r: NewRecall): Recall {
  const id = ctx.db
    .transaction((): number => {
      const row = ctx.sql(INSERT_RECALL_SQL).get(r.reason, r.classification ?? null, r.initiatedBy, r.createdAt, JSON.stringify(r.lots), JSON.stringify(r.affectedLots), r.truncated ? 1 : 0) as Row;
      for (const n of r.notices) ctx.sql(INSERT_NOTICE_SQL).run(row.id, n.location, JSON.stringify(n.lots), JSON.stringify(n.heldLots), r.createdAt);
      return Number(row.id);
    })
    .immediate();
  return getRecall(ctx, id)!;
}

export function getRecall({ sql }: SqliteContext, id: number): Recall | undefined {
  const recall = sql(RECALL_SQL).get(id) as Row | undefined;
  return recall ? toRecall(recall, sql(NOTICES_SQL).all(id) as Row[]) : undefined;
}

export function listRecalls({ sql }: SqliteContext, limit: number): Array<RecallSummary & { notices: number; acknowledged: number }> {
  return (sql(LIST_RECALLS_SQL).all(limit) as Row[]).map((r) => ({ ...toRecallSummary(r), notices: Number(r.notice_count), acknowledged: Number(r.acknowledged_count) }));
}

export function setRecallNoticeAlert({ sql }: SqliteContext, recallId: number, location: string, alertId: number): void {
  sql(SET_NOTICE_ALERT_SQL).run(alertId, recallId, location);
}

export function acknowledgeRecallNotice({ db, sql }: SqliteContext, recallId: number, location: string, ack: RecallAcknowledgement): { notice: RecallNotice; changed: boolean } | undefined {
  return db
    .transaction(() => {
      const changed = sql(ACKNOWLEDGE_NOTICE_SQL).run(ack.at, ack.by, ack.note ?? null, recallId, location).changes > 0;
      const row = sql(NOTICE_SQL).get(recallId, location) as Row | undefined;
      return row ? { notice: toNotice(row), changed } : undefined;
    })
    .immediate();
}
