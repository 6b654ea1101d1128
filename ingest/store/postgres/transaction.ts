/**
 * One transaction on one pooled connection: BEGIN, `fn`, COMMIT; ROLLBACK on any error. A
 * connection that failed mid-transaction may be unusable, so it is not returned to the pool.
 */
import type pg from 'pg';

export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    broken = err instanceof Error ? err : new Error(String(err));
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release(broken);
  }
}

/** unique_violation: a row another connection committed between our read and our insert. */
export const isUniqueViolation = (err: unknown): boolean => (err as { code?: string } | undefined)?.code === '23505';
