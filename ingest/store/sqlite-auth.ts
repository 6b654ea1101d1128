/** API keys, parties and the audit log of the SQLite store (auth-types.ts): synchronous calls on the one connection. */
import { chainAudit } from '../auth/audit-chain.js';
import * as q from './auth-sql.js';
import type { ApiKeyRecord, AuditEntry, AuditQuery, NewApiKey, NewAuditEntry, Party } from './auth-types.js';
import type { SqliteContext } from './sqlite-identity.js';
import type { Row } from './sqlite-rows.js';

export function createApiKey({ sql }: SqliteContext, key: NewApiKey): boolean {
  return sql(q.INSERT_API_KEY_SQL).run(...q.apiKeyParams(key)).changes === 1;
}

export function apiKeyWithHash({ sql }: SqliteContext, id: string): (ApiKeyRecord & { secretHash: string }) | undefined {
  const row = sql(q.API_KEY_SQL).get(id) as Row | undefined;
  return row ? q.toApiKey(row) : undefined;
}

export function listApiKeys({ sql }: SqliteContext): ApiKeyRecord[] {
  return (sql(q.LIST_API_KEYS_SQL).all() as Row[]).map((r) => q.withoutHash(q.toApiKey(r)));
}

export function revokeApiKey({ sql }: SqliteContext, id: string, by: string, at: number): boolean {
  return sql(q.REVOKE_API_KEY_SQL).run(at, by, id).changes === 1;
}

export function touchApiKey({ sql }: SqliteContext, id: string, at: number): void {
  sql(q.TOUCH_API_KEY_SQL).run(at, id);
}

export function upsertParty({ sql }: SqliteContext, p: Omit<Party, 'createdAt' | 'updatedAt'>, at: number): Party {
  sql(q.UPSERT_PARTY_SQL).run(p.id, p.name, JSON.stringify(p.locations), at, at);
  return q.toParty(sql(q.PARTY_SQL).get(p.id) as Row);
}

export function getParty({ sql }: SqliteContext, id: string): Party | undefined {
  const row = sql(q.PARTY_SQL).get(id) as Row | undefined;
  return row ? q.toParty(row) : undefined;
}

export function listParties({ sql }: SqliteContext): Party[] {
  return (sql(q.LIST_PARTIES_SQL).all() as Row[]).map(q.toParty);
}

/** IMMEDIATE: the write lock is taken before the last hash is read, so two processes never chain to the same entry. */
export function appendAudit({ db, sql }: SqliteContext, entries: readonly NewAuditEntry[]): AuditEntry[] {
  return db
    .transaction((): AuditEntry[] => {
      const last = sql(q.LAST_AUDIT_SQL).get() as Row | undefined;
      const chained = chainAudit(last ? { id: Number(last.id), hash: String(last.hash) } : undefined, entries);
      for (const e of chained) sql(q.INSERT_AUDIT_SQL).run(...q.auditParams(e));
      return chained;
    })
    .immediate();
}

export function listAudit({ sql }: SqliteContext, query: AuditQuery): AuditEntry[] {
  const { sql: text, params } = q.listAuditSql(query);
  return (sql(text).all(...params) as Row[]).map(q.toAuditEntry);
}
