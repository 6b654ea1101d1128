/**
 * Gateway identity in the SQLite store (migration 004): revocations, join tokens and join
 * requests. Synchronous functions over the store's connection; SqliteStore wraps each call in
 * its error handling. Read-then-write sequences run in IMMEDIATE transactions, which take the
 * write lock first, so another process on the same file cannot slip in between.
 */
import type Database from 'better-sqlite3';
import type { JoinRequest, JoinRequestStatus, JoinToken, NewJoinRequest, RedeemResult, Revocation, RevokeResult } from './identity-types.js';
import { opt, toGateway, type Row } from './sqlite-rows.js';

export interface SqliteContext {
  db: Database.Database;
  /** A cached prepared statement. */
  sql(text: string): Database.Statement;
}

export function revokeGateway({ db, sql }: SqliteContext, id: string, r: Revocation): RevokeResult | undefined {
  return db
    .transaction((): RevokeResult | undefined => {
      const row = sql('SELECT * FROM gateways WHERE id = ?').get(id) as Row | undefined;
      if (!row) return undefined;
      const current = toGateway(row);
      if (current.revocation && current.revocation.effectiveAt <= r.effectiveAt) return { status: 'unchanged', gateway: current };
      sql('UPDATE gateways SET revoked_at = ?, revocation_reason = ?, revocation_recorded_at = ? WHERE id = ?').run(r.effectiveAt, r.reason, r.recordedAt, id);
      return { status: current.revocation ? 'moved-earlier' : 'revoked', gateway: { ...current, revocation: r } };
    })
    .immediate();
}

export function createJoinToken({ sql }: SqliteContext, t: JoinToken): void {
  sql('INSERT INTO join_tokens (hash, label, created_at, expires_at) VALUES (?, ?, ?, ?)').run(t.hash, t.label ?? null, t.createdAt, t.expiresAt);
}

export function redeemJoinToken({ db, sql }: SqliteContext, tokenHash: string, request: NewJoinRequest, now: number): RedeemResult {
  return db
    .transaction((): RedeemResult => {
      const token = sql('SELECT * FROM join_tokens WHERE hash = ?').get(tokenHash) as Row | undefined;
      if (!token) return { status: 'unknown' };
      if (token.used_at !== null) return { status: 'used' };
      if (now >= Number(token.expires_at)) return { status: 'expired' };
      sql('UPDATE join_tokens SET used_at = ? WHERE hash = ?').run(now, tokenHash);
      const inserted = sql(
        `INSERT INTO join_requests (gateway, public_key, label, token_hash, token_label, requested_at, status)
         VALUES (?, ?, ?, ?, ?, ?, 'pending')`,
      ).run(request.gateway, request.publicKey, request.label ?? null, tokenHash, token.label ?? null, request.requestedAt);
      return { status: 'pending', request: getJoinRequest({ db, sql }, Number(inserted.lastInsertRowid))! };
    })
    .immediate();
}

export function listJoinRequests({ sql }: SqliteContext, status?: JoinRequestStatus): JoinRequest[] {
  const rows = status === undefined ? sql('SELECT * FROM join_requests ORDER BY id').all() : sql('SELECT * FROM join_requests WHERE status = ? ORDER BY id').all(status);
  return (rows as Row[]).map(toJoinRequest);
}

export function getJoinRequest({ sql }: SqliteContext, id: number): JoinRequest | undefined {
  const row = sql('SELECT * FROM join_requests WHERE id = ?').get(id) as Row | undefined;
  return row ? toJoinRequest(row) : undefined;
}

export function decideJoinRequest(ctx: SqliteContext, id: number, decision: 'approved' | 'rejected', at: number): JoinRequest | undefined {
  // The status condition makes the decision once: a second decision changes no row.
  ctx.sql("UPDATE join_requests SET status = ?, decided_at = ? WHERE id = ? AND status = 'pending'").run(decision, at, id);
  return getJoinRequest(ctx, id);
}

/** Row of join_requests → JoinRequest; shared with the PostgreSQL store (same columns). */
export function toJoinRequest(r: Row): JoinRequest {
  return {
    id: Number(r.id),
    gateway: String(r.gateway),
    publicKey: String(r.public_key),
    label: opt(r.label, String),
    tokenLabel: opt(r.token_label, String),
    requestedAt: Number(r.requested_at),
    status: r.status as JoinRequestStatus,
    decidedAt: opt(r.decided_at, Number),
  };
}
