/**
 * The anchoring job's queue and state in the PostgreSQL store (../anchor-types.ts, SQL shared
 * in ../anchor-sql.ts). A broadcast locks the target's row first (SELECT … FOR UPDATE), so two
 * instances never both spend one nonce.
 */
import type pg from 'pg';
import * as q from '../anchor-sql.js';
import type { AnchorBroadcast, AnchorHead, AnchorInclusion, AnchorQuery, AnchorRecord, AnchorStatus, AnchorTargetSpec, AnchorTargetState, EnqueueAnchorResult } from '../anchor-types.js';
import { numbered } from '../integrity-sql.js';
import type { Row } from '../sqlite-rows.js';
import { inTransaction } from './transaction.js';

type Queryable = pg.Pool | pg.PoolClient;

async function rows(db: Queryable, sql: string, params: unknown[] = []): Promise<Row[]> {
  return (await db.query<Row>(numbered(sql), params)).rows;
}

async function changes(db: Queryable, sql: string, params: unknown[]): Promise<number> {
  return (await db.query(numbered(sql), params)).rowCount ?? 0;
}

export async function ensureAnchorTarget(pool: pg.Pool, spec: AnchorTargetSpec, at: number): Promise<{ status: 'registered' | 'unchanged' | 'conflict'; target: AnchorTargetState }> {
  return inTransaction(pool, async (c) => {
    const inserted = (await changes(c, q.INSERT_TARGET_SQL, q.targetParams(spec, at))) > 0;
    if (inserted) await changes(c, q.BACKFILL_TARGET_SQL, [spec.name, at, at]);
    const target = q.toAnchorTarget((await rows(c, q.TARGET_SQL, [spec.name]))[0]!);
    return { status: inserted ? ('registered' as const) : q.sameTarget(target, spec) ? ('unchanged' as const) : ('conflict' as const), target };
  });
}

export async function anchorTarget(pool: pg.Pool, name: string): Promise<AnchorTargetState | undefined> {
  const [row] = await rows(pool, q.TARGET_SQL, [name]);
  return row ? q.toAnchorTarget(row) : undefined;
}

export async function setAnchorNonce(pool: pg.Pool, name: string, nextNonce: number | undefined, lastError: string | undefined, at: number): Promise<void> {
  await changes(pool, q.SET_NONCE_SQL, [nextNonce ?? null, lastError ?? null, at, name]);
}

export async function enqueueAnchorHead(pool: pg.Pool, head: AnchorHead, at: number): Promise<EnqueueAnchorResult> {
  const hash = head.headHash.toLowerCase();
  return inTransaction(pool, async (c): Promise<EnqueueAnchorResult> => {
    // ON CONFLICT DO NOTHING waits for a concurrent insert of the same epoch, then reads its row.
    const inserted = (await changes(c, q.INSERT_HEAD_SQL, [head.epoch, hash, head.leafCount, at])) > 0;
    const [existing] = await rows(c, q.HEAD_SQL, [head.epoch]);
    if (!inserted && existing && existing.head_hash !== hash) return { status: 'conflict', headHash: String(existing.head_hash) };
    const targets = await changes(c, q.FAN_OUT_HEAD_SQL, [head.epoch, hash, head.leafCount, at, at]);
    return { status: inserted ? 'queued' : 'unchanged', targets };
  });
}

export async function openAnchors(pool: pg.Pool, target: string, limit: number): Promise<AnchorRecord[]> {
  return (await rows(pool, q.OPEN_ANCHORS_SQL, [target, limit])).map(q.toAnchor);
}

export async function getAnchor(pool: pg.Pool, target: string, epoch: number): Promise<AnchorRecord | undefined> {
  const [row] = await rows(pool, q.ANCHOR_SQL, [target, epoch]);
  return row ? q.toAnchor(row) : undefined;
}

export async function listAnchors(pool: pg.Pool, query: AnchorQuery): Promise<AnchorRecord[]> {
  const { sql, params } = q.listAnchorsSql(query);
  return (await rows(pool, sql, params)).map(q.toAnchor);
}

export async function firstAnchors(pool: pg.Pool, fromEpoch: number): Promise<AnchorRecord[]> {
  return (await rows(pool, q.FIRST_ANCHORS_SQL, [fromEpoch])).map(q.toAnchor);
}

export async function anchorCounts(pool: pg.Pool, target: string): Promise<Record<AnchorStatus, number>> {
  return q.toAnchorCounts(await rows(pool, q.ANCHOR_COUNTS_SQL, [target]));
}

export async function recordAnchorBroadcast(pool: pg.Pool, target: string, epoch: number, nonce: number, b: AnchorBroadcast): Promise<boolean> {
  return inTransaction(pool, async (c) => {
    const [targetRow] = await rows(c, `${q.TARGET_SQL} FOR UPDATE`, [target]);
    const [anchorRow] = await rows(c, `${q.ANCHOR_SQL} FOR UPDATE`, [target, epoch]);
    if (!anchorRow || !targetRow) return false;
    const plan = q.broadcastPlan(q.toAnchor(anchorRow), q.toAnchorTarget(targetRow), nonce, b);
    if (!plan) return false;
    if (plan.first) {
      await changes(c, q.FIRST_BROADCAST_SQL, [nonce, plan.broadcasts, b.at, b.at, target, epoch]);
      await changes(c, q.MOVE_NONCE_SQL, [nonce + 1, b.at, target, nonce]);
    } else {
      await changes(c, q.REBROADCAST_SQL, [plan.broadcasts, b.at, target, epoch, nonce]);
    }
    return true;
  });
}

export async function recordAnchorInclusion(pool: pg.Pool, target: string, epoch: number, i: AnchorInclusion): Promise<boolean> {
  return (await changes(pool, q.INCLUSION_SQL, q.inclusionParams(target, epoch, i))) > 0;
}

export async function recordAnchorFinal(pool: pg.Pool, target: string, epoch: number, confirmations: number, at: number): Promise<boolean> {
  return (await changes(pool, q.FINAL_SQL, [confirmations, at, target, epoch])) > 0;
}

export async function recordAnchorReorg(pool: pg.Pool, target: string, epoch: number, reason: string, at: number): Promise<boolean> {
  return (await changes(pool, q.REORG_SQL, [reason, at, target, epoch])) > 0;
}

export async function recordAnchorFailure(pool: pg.Pool, target: string, epoch: number, reason: string, at: number): Promise<boolean> {
  return (await changes(pool, q.FAILURE_SQL, [reason, at, target, epoch])) > 0;
}

export async function noteAnchor(pool: pg.Pool, target: string, epoch: number, note: { lastError?: string; confirmations?: number }, at: number): Promise<boolean> {
  return (await changes(pool, q.NOTE_SQL, [note.lastError ?? null, note.confirmations ?? null, at, target, epoch])) > 0;
}
