/**
 * The anchoring job's queue and state in the SQLite store (anchor-types.ts, SQL shared in
 * anchor-sql.ts). Read-then-write steps run in IMMEDIATE transactions (write lock first).
 */
import * as q from './anchor-sql.js';
import type { AnchorBroadcast, AnchorHead, AnchorInclusion, AnchorQuery, AnchorRecord, AnchorStatus, AnchorTargetSpec, AnchorTargetState, EnqueueAnchorResult } from './anchor-types.js';
import type { SqliteContext } from './sqlite-identity.js';
import type { Row } from './sqlite-rows.js';

export function ensureAnchorTarget({ db, sql }: SqliteContext, spec: AnchorTargetSpec, at: number): { status: 'registered' | 'unchanged' | 'conflict'; target: AnchorTargetState } {
  return db
    .transaction(() => {
      const inserted = sql(q.INSERT_TARGET_SQL).run(...q.targetParams(spec, at)).changes > 0;
      if (inserted) sql(q.BACKFILL_TARGET_SQL).run(spec.name, at, at);
      const target = q.toAnchorTarget(sql(q.TARGET_SQL).get(spec.name) as Row);
      return { status: inserted ? ('registered' as const) : q.sameTarget(target, spec) ? ('unchanged' as const) : ('conflict' as const), target };
    })
    .immediate();
}

export function anchorTarget({ sql }: SqliteContext, name: string): AnchorTargetState | undefined {
  const row = sql(q.TARGET_SQL).get(name) as Row | undefined;
  return row ? q.toAnchorTarget(row) : undefined;
}

export function setAnchorNonce({ sql }: SqliteContext, name: string, nextNonce: number | undefined, lastError: string | undefined, at: number): void {
  sql(q.SET_NONCE_SQL).run(nextNonce ?? null, lastError ?? null, at, name);
}

export function enqueueAnchorHead({ db, sql }: SqliteContext, head: AnchorHead, at: number): EnqueueAnchorResult {
  const hash = head.headHash.toLowerCase();
  return db
    .transaction((): EnqueueAnchorResult => {
      const existing = sql(q.HEAD_SQL).get(head.epoch) as Row | undefined;
      if (existing && existing.head_hash !== hash) return { status: 'conflict', headHash: String(existing.head_hash) };
      if (!existing) sql(q.INSERT_HEAD_SQL).run(head.epoch, hash, head.leafCount, at);
      const targets = sql(q.FAN_OUT_HEAD_SQL).run(head.epoch, hash, head.leafCount, at, at).changes;
      return { status: existing ? 'unchanged' : 'queued', targets };
    })
    .immediate();
}

export function openAnchors({ sql }: SqliteContext, target: string, limit: number): AnchorRecord[] {
  return (sql(q.OPEN_ANCHORS_SQL).all(target, limit) as Row[]).map(q.toAnchor);
}

export function getAnchor({ sql }: SqliteContext, target: string, epoch: number): AnchorRecord | undefined {
  const row = sql(q.ANCHOR_SQL).get(target, epoch) as Row | undefined;
  return row ? q.toAnchor(row) : undefined;
}

export function listAnchors({ sql }: SqliteContext, query: AnchorQuery): AnchorRecord[] {
  const { sql: text, params } = q.listAnchorsSql(query);
  return (sql(text).all(...params) as Row[]).map(q.toAnchor);
}

export function firstAnchors({ sql }: SqliteContext, fromEpoch: number): AnchorRecord[] {
  return (sql(q.FIRST_ANCHORS_SQL).all(fromEpoch) as Row[]).map(q.toAnchor);
}

export function anchorCounts({ sql }: SqliteContext, target: string): Record<AnchorStatus, number> {
  return q.toAnchorCounts(sql(q.ANCHOR_COUNTS_SQL).all(target) as Row[]);
}

export function recordAnchorBroadcast({ db, sql }: SqliteContext, target: string, epoch: number, nonce: number, b: AnchorBroadcast): boolean {
  return db
    .transaction((): boolean => {
      const anchorRow = sql(q.ANCHOR_SQL).get(target, epoch) as Row | undefined;
      const targetRow = sql(q.TARGET_SQL).get(target) as Row | undefined;
      if (!anchorRow || !targetRow) return false;
      const plan = q.broadcastPlan(q.toAnchor(anchorRow), q.toAnchorTarget(targetRow), nonce, b);
      if (!plan) return false;
      if (plan.first) {
        sql(q.FIRST_BROADCAST_SQL).run(nonce, plan.broadcasts, b.at, b.at, target, epoch);
        sql(q.MOVE_NONCE_SQL).run(nonce + 1, b.at, target, nonce);
      } else {
        sql(q.REBROADCAST_SQL).run(plan.broadcasts, b.at, target, epoch, nonce);
      }
      return true;
    })
    .immediate();
}

export function recordAnchorInclusion({ sql }: SqliteContext, target: string, epoch: number, i: AnchorInclusion): boolean {
  return sql(q.INCLUSION_SQL).run(...q.inclusionParams(target, epoch, i)).changes > 0;
}

export function recordAnchorFinal({ sql }: SqliteContext, target: string, epoch: number, confirmations: number, at: number): boolean {
  return sql(q.FINAL_SQL).run(confirmations, at, target, epoch).changes > 0;
}

export function recordAnchorReorg({ sql }: SqliteContext, target: string, epoch: number, reason: string, at: number): boolean {
  return sql(q.REORG_SQL).run(reason, at, target, epoch).changes > 0;
}

export function recordAnchorFailure({ sql }: SqliteContext, target: string, epoch: number, reason: string, at: number): boolean {
  return sql(q.FAILURE_SQL).run(reason, at, target, epoch).changes > 0;
}

export function noteAnchor({ sql }: SqliteContext, target: string, epoch: number, note: { lastError?: string; confirmations?: number }, at: number): boolean {
  return sql(q.NOTE_SQL).run(note.lastError ?? null, note.confirmations ?? null, at, target, epoch).changes > 0;
}
