/**
 * Applies the PostgreSQL migrations not yet recorded in schema_migrations, each in its own
 * transaction (PostgreSQL DDL is transactional, so a failed migration leaves nothing behind).
 * Several ingest instances may start at once against one database (DESIGN.md "Deployments"):
 * a session advisory lock serializes them, so each migration runs exactly once.
 */
import type pg from 'pg';
import { pendingMigrations, type Migration } from '../migrations/index.js';

/** Advisory lock key of schema migrations: "FTmigrat" as a 64-bit integer, unlikely to clash. */
const MIGRATION_LOCK_KEY = '5067795780173193588';

export async function applyPgMigrations(client: pg.ClientBase, migrations: readonly Migration[]): Promise<number[]> {
  await client.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
  try {
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((r) => Number(r.version)));
    const done: number[] = [];
    for (const m of pendingMigrations(applied, migrations)) {
      await client.query('BEGIN');
      try {
        // No parameters: the simple query protocol, which runs a multi-statement script.
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, Date.now()]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
      done.push(m.version);
    }
    return done;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
  }
}
