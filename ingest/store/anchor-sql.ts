/**
 * SQL of the anchoring job's queue and state (anchor-types.ts) shared by the SQLite and
 * PostgreSQL stores (`?` placeholders; PostgreSQL numbers them with integrity-sql.ts `numbered`),
 * the row mappers, and the one decision both share: whether a broadcast may be recorded.
 */
import { ANCHOR_STATUSES, type AnchorBroadcast, type AnchorInclusion, type AnchorQuery, type AnchorRecord, type AnchorStatus, type AnchorTargetSpec, type AnchorTargetState } from './anchor-types.js';
import { whereOf } from './sql-where.js';
import { field, type Row } from './sqlite-rows.js';

export const TARGET_SQL = 'SELECT * FROM anchor_targets WHERE name = ?';
export const INSERT_TARGET_SQL = 'INSERT INTO anchor_targets (name, chain_id, contract, anchorer, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING';
/** A new target gets a pending anchor for every queued head (the contract starts at epoch 1). "WHERE true": SQLite parses ON CONFLICT after a bare SELECT as a join constraint (sqlite.org/lang_upsert.html, parsing ambiguity). */
export const BACKFILL_TARGET_SQL = "INSERT INTO anchors (target, epoch, head_hash, leaf_count, status, broadcasts, created_at, updated_at) SELECT ?, epoch, head_hash, leaf_count, 'pending', '[]', ?, ? FROM anchor_heads WHERE true ON CONFLICT (target, epoch) DO NOTHING";
export const SET_NONCE_SQL = 'UPDATE anchor_targets SET next_nonce = ?, last_error = ?, updated_at = ? WHERE name = ?';

export const HEAD_SQL = 'SELECT * FROM anchor_heads WHERE epoch = ?';
export const INSERT_HEAD_SQL = 'INSERT INTO anchor_heads (epoch, head_hash, leaf_count, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (epoch) DO NOTHING';
export const FAN_OUT_HEAD_SQL = "INSERT INTO anchors (target, epoch, head_hash, leaf_count, status, broadcasts, created_at, updated_at) SELECT name, ?, ?, ?, 'pending', '[]', ?, ? FROM anchor_targets WHERE true ON CONFLICT (target, epoch) DO NOTHING";

export const ANCHOR_SQL = 'SELECT * FROM anchors WHERE target = ? AND epoch = ?';
export const OPEN_ANCHORS_SQL = "SELECT * FROM anchors WHERE target = ? AND status <> 'final' ORDER BY epoch LIMIT ?";
/**
 * The included or final anchors (every target's) of the first epoch ≥ ? that has one. Per
 * target the first such epoch is a short walk of the (target, epoch) key from ?: an epoch is
 * anchored soon after it closes.
 */
export const FIRST_ANCHORS_SQL = `SELECT * FROM anchors WHERE status IN ('included', 'final') AND epoch = (
  SELECT MIN(first_epoch) FROM (
    SELECT (SELECT a.epoch FROM anchors a WHERE a.target = t.name AND a.epoch >= ? AND a.status IN ('included', 'final') ORDER BY a.epoch LIMIT 1) AS first_epoch
    FROM anchor_targets t
  ) firsts
) ORDER BY target`;
export const ANCHOR_COUNTS_SQL = 'SELECT status, COUNT(*) AS n FROM anchors WHERE target = ? GROUP BY status';

export const FIRST_BROADCAST_SQL = "UPDATE anchors SET status = 'sent', nonce = ?, broadcasts = ?, sent_at = ?, last_error = NULL, updated_at = ? WHERE target = ? AND epoch = ? AND status = 'pending'";
export const MOVE_NONCE_SQL = 'UPDATE anchor_targets SET next_nonce = ?, updated_at = ? WHERE name = ? AND next_nonce = ?';
export const REBROADCAST_SQL = "UPDATE anchors SET broadcasts = ?, last_error = NULL, updated_at = ? WHERE target = ? AND epoch = ? AND status = 'sent' AND nonce = ?";

export const INCLUSION_SQL = "UPDATE anchors SET status = 'included', tx_hash = ?, block_number = ?, block_hash = ?, confirmations = ?, last_error = NULL, updated_at = ? WHERE target = ? AND epoch = ? AND status IN ('pending', 'sent', 'included')";
export const FINAL_SQL = "UPDATE anchors SET status = 'final', confirmations = ?, updated_at = ? WHERE target = ? AND epoch = ? AND status = 'included'";
/** Back to sent (our nonce and broadcasts kept), or pending when another sender's transaction had anchored it. */
export const REORG_SQL = "UPDATE anchors SET status = CASE WHEN nonce IS NULL THEN 'pending' ELSE 'sent' END, tx_hash = NULL, block_number = NULL, block_hash = NULL, confirmations = NULL, last_error = ?, updated_at = ? WHERE target = ? AND epoch = ? AND status IN ('included', 'final')";
export const FAILURE_SQL = "UPDATE anchors SET status = 'failed', last_error = ?, updated_at = ? WHERE target = ? AND epoch = ? AND status <> 'final'";
export const NOTE_SQL = 'UPDATE anchors SET last_error = ?, confirmations = COALESCE(?, confirmations), updated_at = ? WHERE target = ? AND epoch = ?';

export function targetParams(spec: AnchorTargetSpec, at: number): Array<string | number> {
  return [spec.name, spec.chainId.toString(), spec.contract.toLowerCase(), spec.anchorer.toLowerCase(), at, at];
}

export function sameTarget(state: AnchorTargetState, spec: AnchorTargetSpec): boolean {
  return state.chainId === spec.chainId && state.contract === spec.contract.toLowerCase() && state.anchorer === spec.anchorer.toLowerCase();
}

export function inclusionParams(target: string, epoch: number, i: AnchorInclusion): Array<string | number> {
  return [i.txHash.toLowerCase(), i.blockNumber, i.blockHash.toLowerCase(), i.confirmations, i.at, target, epoch];
}

/** The UPDATE that records a broadcast on `anchor`, or why it is refused (anchor-types.ts recordAnchorBroadcast). */
export function broadcastPlan(anchor: AnchorRecord, target: AnchorTargetState, nonce: number, b: AnchorBroadcast): { first: boolean; broadcasts: string } | null {
  const broadcasts = JSON.stringify([...anchor.broadcasts, { ...b, txHash: b.txHash.toLowerCase() }]);
  if (anchor.status === 'pending') return target.nextNonce === nonce ? { first: true, broadcasts } : null;
  if (anchor.status === 'sent') return anchor.nonce === nonce ? { first: false, broadcasts } : null;
  return null;
}

export function listAnchorsSql(q: AnchorQuery): { sql: string; params: Array<string | number> } {
  const { where, params } = whereOf([q.target !== undefined && ['target = ?', q.target], q.status !== undefined && ['status = ?', q.status]]);
  return { sql: `SELECT * FROM anchors ${where} ORDER BY epoch DESC, target LIMIT ?`, params: [...params, q.limit] };
}

export function toAnchorCounts(rows: Row[]): Record<AnchorStatus, number> {
  const counts = Object.fromEntries(ANCHOR_STATUSES.map((s) => [s, 0])) as Record<AnchorStatus, number>;
  for (const r of rows) counts[r.status as AnchorStatus] = Number(r.n);
  return counts;
}

const num = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v));
const str = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));

export function toAnchorTarget(r: Row): AnchorTargetState {
  return {
    name: String(r.name),
    chainId: BigInt(String(r.chain_id)),
    contract: String(r.contract),
    anchorer: String(r.anchorer),
    ...field('nextNonce', num(r.next_nonce)),
    ...field('lastError', str(r.last_error)),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export function toAnchor(r: Row): AnchorRecord {
  return {
    target: String(r.target),
    epoch: Number(r.epoch),
    headHash: String(r.head_hash),
    leafCount: Number(r.leaf_count),
    status: r.status as AnchorStatus,
    ...field('nonce', num(r.nonce)),
    broadcasts: JSON.parse(String(r.broadcasts)) as AnchorBroadcast[],
    ...field('sentAt', num(r.sent_at)),
    ...field('txHash', str(r.tx_hash)),
    ...field('blockNumber', num(r.block_number)),
    ...field('blockHash', str(r.block_hash)),
    ...field('confirmations', num(r.confirmations)),
    ...field('lastError', str(r.last_error)),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}
