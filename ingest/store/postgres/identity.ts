/**
 * Gateway identity in the PostgreSQL store (migration 003): revocations, join tokens and join
 * requests, with the same results as ../sqlite-identity.ts. Races between ingest instances are
 * settled by row locks taken in the same statement that writes (UPDATE … WHERE still-valid),
 * never by a read followed by a separate write.
 */
import type pg from 'pg';
import { inTransaction } from './transaction.js';
import type { JoinRequest, JoinRequestStatus, JoinToken, NewJoinRequest, RedeemResult, Revocation, RevokeResult } from '../identity-types.js';
import { toJoinRequest } from '../sqlite-identity.js';
import { toGateway, type Row } from '../sqlite-rows.js';

export async function revokeGateway(pool: pg.Pool, id: string, r: Revocation): Promise<RevokeResult | undefined> {
  // FOR UPDATE in the CTE locks the row, so `previous` is the value this update replaced.
  const updated = await pool.query<Row>(
    `WITH old AS (SELECT revoked_at FROM gateways WHERE id = $1 FOR UPDATE)
     UPDATE gateways g SET revoked_at = $2, revocation_reason = $3, revocation_recorded_at = $4
     FROM old WHERE g.id = $1 AND (old.revoked_at IS NULL OR old.revoked_at > $2)
     RETURNING g.*, old.revoked_at AS previous`,
    [id, r.effectiveAt, r.reason, r.recordedAt],
  );
  const row = updated.rows[0];
  if (row) return { status: row.previous === null ? 'revoked' : 'moved-earlier', gateway: toGateway(row) };
  const existing = (await pool.query<Row>('SELECT * FROM gateways WHERE id = $1', [id])).rows[0];
  return existing ? { status: 'unchanged', gateway: toGateway(existing) } : undefined;
}

export async function createJoinToken(pool: pg.Pool, t: JoinToken): Promise<void> {
  await pool.query('INSERT INTO join_tokens (hash, label, created_at, expires_at) VALUES ($1, $2, $3, $4)', [t.hash, t.label ?? null, t.createdAt, t.expiresAt]);
}

export function redeemJoinToken(pool: pg.Pool, tokenHash: string, request: NewJoinRequest, now: number): Promise<RedeemResult> {
  return inTransaction(pool, async (client): Promise<RedeemResult> => {
    // A concurrent redemption blocks on the row lock and then finds used_at set: exactly one wins.
    const consumed = await client.query<Row>(
      'UPDATE join_tokens SET used_at = $2 WHERE hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING label',
      [tokenHash, now],
    );
    const token = consumed.rows[0];
    if (!token) {
      const found = (await client.query<Row>('SELECT used_at FROM join_tokens WHERE hash = $1', [tokenHash])).rows[0];
      return { status: !found ? 'unknown' : found.used_at !== null ? 'used' : 'expired' };
    }
    const inserted = await client.query<Row>(
      `INSERT INTO join_requests (gateway, public_key, label, token_hash, token_label, requested_at, status)
       VALUES ($1, $2, $3, $4, $5, $6, 'pending') RETURNING *`,
      [request.gateway, request.publicKey, request.label ?? null, tokenHash, token.label ?? null, request.requestedAt],
    );
    return { status: 'pending', request: toJoinRequest(inserted.rows[0]!) };
  });
}

export async function listJoinRequests(pool: pg.Pool, status?: JoinRequestStatus): Promise<JoinRequest[]> {
  const result =
    status === undefined
      ? await pool.query<Row>('SELECT * FROM join_requests ORDER BY id')
      : await pool.query<Row>('SELECT * FROM join_requests WHERE status = $1 ORDER BY id', [status]);
  return result.rows.map(toJoinRequest);
}

export async function getJoinRequest(pool: pg.Pool, id: number): Promise<JoinRequest | undefined> {
  const row = (await pool.query<Row>('SELECT * FROM join_requests WHERE id = $1', [id])).rows[0];
  return row ? toJoinRequest(row) : undefined;
}

export async function decideJoinRequest(pool: pg.Pool, id: number, decision: 'approved' | 'rejected', at: number): Promise<JoinRequest | undefined> {
  // The status condition makes the decision once: a second decision changes no row.
  await pool.query("UPDATE join_requests SET status = $1, decided_at = $2 WHERE id = $3 AND status = 'pending'", [decision, at, id]);
  return getJoinRequest(pool, id);
}
