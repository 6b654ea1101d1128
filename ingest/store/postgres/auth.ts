/** API keys, parties and the audit log of the PostgreSQL store (../auth-types.ts), with the SQL shared with SQLite (../auth-sql.ts). */
import type pg from 'pg';
import { chainAudit } from '../../auth/audit-chain.js';
import * as q from '../auth-sql.js';
import type { ApiKeyRecord, AuditEntry, AuditQuery, NewApiKey, NewAuditEntry, Party } from '../auth-types.js';
import { numbered } from '../integrity-sql.js';
import type { Row } from '../sqlite-rows.js';
import { inTransaction, isUniqueViolation } from './transaction.js';

/** pg_advisory_xact_lock key of audit appends after a lost race ("FTau"): one such writer across instances at a time. */
const AUDIT_LOCK_KEY = 0x46546175;
const LOCKED_ATTEMPTS = 5;

const rows = async (db: pg.Pool | pg.PoolClient, sql: string, params: unknown[]): Promise<Row[]> => (await db.query<Row>(numbered(sql), params)).rows;

export async function createApiKey(pool: pg.Pool, key: NewApiKey): Promise<boolean> {
  return ((await pool.query(numbered(q.INSERT_API_KEY_SQL), q.apiKeyParams(key))).rowCount ?? 0) === 1;
}

export async function apiKeyWithHash(pool: pg.Pool, id: string): Promise<(ApiKeyRecord & { secretHash: string }) | undefined> {
  const [row] = await rows(pool, q.API_KEY_SQL, [id]);
  return row ? q.toApiKey(row) : undefined;
}

export async function listApiKeys(pool: pg.Pool): Promise<ApiKeyRecord[]> {
  return (await rows(pool, q.LIST_API_KEYS_SQL, [])).map((r) => q.withoutHash(q.toApiKey(r)));
}

export async function revokeApiKey(pool: pg.Pool, id: string, by: string, at: number): Promise<boolean> {
  return ((await pool.query(numbered(q.REVOKE_API_KEY_SQL), [at, by, id])).rowCount ?? 0) === 1;
}

export async function touchApiKey(pool: pg.Pool, id: string, at: number): Promise<void> {
  await pool.query(numbered(q.TOUCH_API_KEY_SQL), [at, id]);
}

export async function upsertParty(pool: pg.Pool, p: Omit<Party, 'createdAt' | 'updatedAt'>, at: number): Promise<Party> {
  await pool.query(numbered(q.UPSERT_PARTY_SQL), [p.id, p.name, JSON.stringify(p.locations), at, at]);
  return q.toParty((await rows(pool, q.PARTY_SQL, [p.id]))[0]!);
}

export async function getParty(pool: pg.Pool, id: string): Promise<Party | undefined> {
  const [row] = await rows(pool, q.PARTY_SQL, [id]);
  return row ? q.toParty(row) : undefined;
}

export async function listParties(pool: pg.Pool): Promise<Party[]> {
  return (await rows(pool, q.LIST_PARTIES_SQL, [])).map(q.toParty);
}

/**
 * The newest audit entry this store appended or read (undefined: not known yet). An append
 * chains to it without reading it, in one INSERT statement: one round trip and one commit for
 * a lone reader's entry instead of a five-statement transaction.
 */
export interface AuditTail {
  last?: { id: number; hash: string };
}

/**
 * Optimistic first: the entries chained to the known tail, inserted by one statement. If another
 * instance appended since, the statement fails on the primary key (or the unique hash) and
 * stores nothing; the entries are then chained inside a transaction that holds the audit lock
 * and reads the real tail (retried if an optimistic insert of another instance wins anyway).
 */
export async function appendAudit(pool: pg.Pool, tail: AuditTail, entries: readonly NewAuditEntry[]): Promise<AuditEntry[]> {
  if (entries.length === 0) return [];
  if (tail.last !== undefined) {
    const chained = chainAudit(tail.last, entries);
    try {
      await insertAudit(pool, chained);
      tail.last = chained.at(-1)!;
      return chained;
    } catch (err) {
      tail.last = undefined;
      if (!isUniqueViolation(err)) throw err;
    }
  }
  for (let attempt = 1; ; attempt++) {
    try {
      const chained = await inTransaction(pool, async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [AUDIT_LOCK_KEY]);
        const [last] = await rows(client, q.LAST_AUDIT_SQL, []);
        const appended = chainAudit(last ? { id: Number(last.id), hash: String(last.hash) } : undefined, entries);
        await insertAudit(client, appended);
        return appended;
      });
      tail.last = chained.at(-1)!;
      return chained;
    } catch (err) {
      // An optimistic insert of another instance does not take the lock and can still win.
      if (!isUniqueViolation(err) || attempt >= LOCKED_ATTEMPTS) throw err;
    }
  }
}

async function insertAudit(db: pg.Pool | pg.PoolClient, chained: readonly AuditEntry[]): Promise<void> {
  await db.query(numbered(q.insertAuditRowsSql(chained.length)), chained.flatMap(q.auditParams));
}

export async function listAudit(pool: pg.Pool, query: AuditQuery): Promise<AuditEntry[]> {
  const { sql, params } = q.listAuditSql(query);
  return (await rows(pool, sql, params)).map(q.toAuditEntry);
}
