/** SQL of API keys, parties and the audit log shared by the SQLite and PostgreSQL stores (`?` placeholders; PostgreSQL numbers them). */
import type { ApiKeyRecord, AuditEntry, AuditQuery, NewApiKey, Party, Role } from './auth-types.js';
import { whereOf } from './sql-where.js';
import { field, opt, type Row } from './sqlite-rows.js';

export const INSERT_API_KEY_SQL = `INSERT INTO api_keys (id, label, role, party, scopes, secret_hash, created_at, created_by, expires_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`;
export const API_KEY_SQL = 'SELECT * FROM api_keys WHERE id = ?';
export const LIST_API_KEYS_SQL = 'SELECT * FROM api_keys ORDER BY created_at, id';
export const REVOKE_API_KEY_SQL = 'UPDATE api_keys SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL';
export const TOUCH_API_KEY_SQL = 'UPDATE api_keys SET last_used_at = ? WHERE id = ?';

export const UPSERT_PARTY_SQL = `INSERT INTO parties (id, name, locations, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET name = excluded.name, locations = excluded.locations, updated_at = excluded.updated_at`;
export const PARTY_SQL = 'SELECT * FROM parties WHERE id = ?';
export const LIST_PARTIES_SQL = 'SELECT * FROM parties ORDER BY id';

export const LAST_AUDIT_SQL = 'SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1';
const AUDIT_ROW = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
export const INSERT_AUDIT_SQL = `INSERT INTO audit_log (id, at, actor, role, party, action, resource, outcome, ip, detail, prev_hash, hash)
  VALUES ${AUDIT_ROW}`;
/** `n` entries in one statement (params: auditParams of each, in order). */
export const insertAuditRowsSql = (n: number): string => `${INSERT_AUDIT_SQL}${`, ${AUDIT_ROW}`.repeat(n - 1)}`;

export function apiKeyParams(k: NewApiKey): Array<string | number | null> {
  return [k.id, k.label, k.role, k.party ?? null, JSON.stringify(k.scopes), k.secretHash, k.createdAt, k.createdBy, k.expiresAt ?? null];
}

export function auditParams(e: AuditEntry): Array<string | number | null> {
  return [e.id, e.at, e.actor, e.role ?? null, e.party ?? null, e.action, e.resource, e.outcome, e.ip ?? null, e.detail === undefined ? null : JSON.stringify(e.detail), e.prevHash, e.hash];
}

export function listAuditSql(q: AuditQuery): { sql: string; params: Array<string | number> } {
  const { where, params } = whereOf([
    q.afterId !== undefined && ['id > ?', q.afterId],
    q.action !== undefined && ['action = ?', q.action],
    q.actor !== undefined && ['actor = ?', q.actor],
    q.resource !== undefined && ['resource = ?', q.resource],
  ]);
  return { sql: `SELECT * FROM audit_log ${where} ORDER BY id LIMIT ?`, params: [...(params as Array<string | number>), q.limit] };
}

const list = (value: unknown): string[] => (typeof value === 'string' ? (JSON.parse(value) as string[]) : (value as string[]));

export function toApiKey(r: Row): ApiKeyRecord & { secretHash: string } {
  return {
    id: String(r.id),
    label: String(r.label),
    role: String(r.role) as Role,
    ...field('party', opt(r.party, String)),
    scopes: list(r.scopes),
    createdAt: Number(r.created_at),
    createdBy: String(r.created_by),
    ...field('expiresAt', opt(r.expires_at, Number)),
    ...field('revokedAt', opt(r.revoked_at, Number)),
    ...field('revokedBy', opt(r.revoked_by, String)),
    ...field('lastUsedAt', opt(r.last_used_at, Number)),
    secretHash: String(r.secret_hash),
  };
}

/** A key as listed: without its secret hash. */
export function withoutHash(k: ApiKeyRecord & { secretHash: string }): ApiKeyRecord {
  const { secretHash: _hash, ...rest } = k;
  return rest;
}

export function toParty(r: Row): Party {
  return { id: String(r.id), name: String(r.name), locations: list(r.locations), createdAt: Number(r.created_at), updatedAt: Number(r.updated_at) };
}

export function toAuditEntry(r: Row): AuditEntry {
  return {
    id: Number(r.id), at: Number(r.at), actor: String(r.actor),
    ...field('role', opt(r.role, String)),
    ...field('party', opt(r.party, String)),
    action: String(r.action), resource: String(r.resource), outcome: String(r.outcome),
    ...field('ip', opt(r.ip, String)),
    ...field('detail', opt(r.detail, (d) => (typeof d === 'string' ? JSON.parse(d) : d) as Record<string, unknown>)),
    prevHash: String(r.prev_hash), hash: String(r.hash),
  };
}
