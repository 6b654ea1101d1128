/**
 * The write path of the PostgreSQL store: verified batches, their exact bytes and their
 * readings in one transaction on one pooled connection.
 *
 * Concurrency (several ingest instances, or two connections of one): the (gateway, seq) UNIQUE
 * constraint decides, not the read before it. Each batch is first looked up (a redelivered
 * duplicate then costs one small read instead of sending its bytes again); the INSERT that
 * follows uses ON CONFLICT DO NOTHING. When another transaction has inserted the same
 * (gateway, seq) but not yet committed, PostgreSQL makes this INSERT wait for it
 * (https://www.postgresql.org/docs/current/sql-insert.html#SQL-ON-CONFLICT): if it commits, no
 * row is inserted and RETURNING is empty; if it rolls back, ours is inserted. On an empty
 * RETURNING the stored row is read again: under READ COMMITTED each statement takes a new
 * snapshot, so that read sees the winner, and the result is duplicate or fork exactly as if the
 * two commits had been serial. No serialization failure can occur, so no retry loop is needed.
 * (A group commit that meets another group's rows in the opposite order can deadlock;
 * PostgreSQL aborts one, which becomes a retryable FT_ERR_STORE and nothing of it is stored.)
 */
import type pg from 'pg';
import type { SealedBatch } from '../../../protocol/batch.js';
import { firstReadingRid, READING_SLOTS } from '../reading-ids.js';
import type { BatchMeta, BatchToCommit, CheckedNeighbours, CommitResult } from '../types.js';

const FIND_SEQ = 'SELECT id FROM batches WHERE gateway = $1 AND seq = $2';
const INSERT_BATCH = `INSERT INTO batches (gateway, seq, id, prev, created_at, received_at, transport, sig, canonical, reading_count, gap, clock_skew_ms, min_ts, max_ts)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
  ON CONFLICT DO NOTHING RETURNING rid`;
// One statement per batch whatever its size: one array parameter per column.
const INSERT_READINGS = `INSERT INTO readings (rid, sensor, location, ts, ts_source, temp_c, rh, battery, link, src)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::float8[], $7::float8[], $8::float8[], $9::int[], $10::text[])`;

/**
 * Advisory lock key ("FTcommit") every commit holds shared until it ends, so that a reader of the
 * commit order can wait for the commits in flight (store.ts committedHorizon). Shared holders
 * never wait for one another, so commits still run in parallel.
 */
export const COMMIT_ORDER_LOCK_KEY = '5067795780191155572';

/**
 * Two-key advisory locks ("FTgw", hashtext(gateway)) serialize the commits of one gateway's
 * batches that carry checkedNeighbours, from the neighbour check to the commit; taken in key
 * order, so two transactions locking several gateways cannot deadlock on them.
 */
const GATEWAY_LOCK_NAMESPACE = 0x46546777;
const LOCK_GATEWAYS = `SELECT pg_advisory_xact_lock(${GATEWAY_LOCK_NAMESPACE}, k) FROM (SELECT DISTINCT hashtext(g) AS k FROM unnest($1::text[]) AS g ORDER BY k) AS keys`;
const FIND_NEIGHBOURS = 'SELECT seq, id FROM batches WHERE gateway = $1 AND seq IN ($2, $3)';

/** Runs every batch in order inside BEGIN … COMMIT on `client`; rolls back on any error. */
export async function commitBatchesOn(client: pg.ClientBase, batches: readonly BatchToCommit[]): Promise<CommitResult[]> {
  await client.query('BEGIN');
  try {
    // Before any rid is drawn: see COMMIT_ORDER_LOCK_KEY.
    await client.query('SELECT pg_advisory_xact_lock_shared($1::bigint)', [COMMIT_ORDER_LOCK_KEY]);
    const checkedGateways = [...new Set(batches.filter((b) => b.checkedNeighbours).map((b) => b.sealed.batch.gateway))];
    if (checkedGateways.length > 0) await client.query(LOCK_GATEWAYS, [checkedGateways]);
    const results: CommitResult[] = [];
    for (const { sealed, meta, checkedNeighbours } of batches) results.push(await writeBatch(client, sealed, meta, checkedNeighbours));
    // With synchronous_commit on (the default) COMMIT returns once the WAL is flushed.
    await client.query('COMMIT');
    return results;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

async function existingResult(client: pg.ClientBase, sealed: SealedBatch): Promise<CommitResult | undefined> {
  const { rows } = await client.query<{ id: string }>(FIND_SEQ, [sealed.batch.gateway, sealed.batch.seq]);
  const existing = rows[0];
  if (!existing) return undefined;
  return existing.id === sealed.id ? { status: 'duplicate' } : { status: 'fork', existingId: existing.id };
}

/** Whether the batches stored next to the batch are still those its chain checks saw (under the gateway lock). */
async function neighboursUnchanged(client: pg.ClientBase, sealed: SealedBatch, checked: CheckedNeighbours): Promise<boolean> {
  const { gateway, seq } = sealed.batch;
  const { rows } = await client.query<{ seq: string; id: string }>(FIND_NEIGHBOURS, [gateway, seq - 1, seq + 1]);
  const stored = (at: number): string | null => rows.find((r) => Number(r.seq) === at)?.id ?? null;
  return stored(seq - 1) === checked.previous && stored(seq + 1) === checked.following;
}

async function writeBatch(client: pg.ClientBase, sealed: SealedBatch, meta: BatchMeta, checked: CheckedNeighbours | undefined): Promise<CommitResult> {
  const { batch } = sealed;
  const readings = batch.readings;
  const before = await existingResult(client, sealed);
  if (before) return before;
  if (checked && !(await neighboursUnchanged(client, sealed, checked))) return { status: 'stale' };
  // The protocol caps a batch at 10,000 readings; the key scheme holds up to READING_SLOTS.
  if (readings.length > READING_SLOTS) throw new Error(`a batch of ${readings.length} readings exceeds the store's ${READING_SLOTS} per batch`);
  const { minTs, maxTs } = timeRange(sealed);
  const inserted = await client.query<{ rid: string }>(INSERT_BATCH, [
    batch.gateway, batch.seq, sealed.id, batch.prev, batch.createdAt, meta.receivedAt, meta.transport, sealed.sig, sealed.canonical,
    readings.length, meta.flags.gap, meta.flags.clockSkewMs ?? null, minTs, maxTs,
  ]);
  const row = inserted.rows[0];
  if (!row) {
    // A concurrent transaction committed this (gateway, seq) between our read and our insert.
    const after = await existingResult(client, sealed);
    if (after) return after;
    // The only other unique key is the id, a hash over bytes that name gateway and seq.
    throw new Error(`batch ${sealed.id} is already stored under another (gateway, seq)`);
  }
  if (readings.length > 0) await client.query(INSERT_READINGS, readingColumns(sealed, Number(row.rid)));
  return { status: 'committed' };
}

/** The batch's reading time range; an empty batch gets its creation time, as in SQLite. */
function timeRange(sealed: SealedBatch): { minTs: number; maxTs: number } {
  const readings = sealed.batch.readings;
  if (readings.length === 0) return { minTs: sealed.batch.createdAt, maxTs: sealed.batch.createdAt };
  let minTs = Infinity;
  let maxTs = -Infinity;
  for (const r of readings) {
    if (r.ts < minTs) minTs = r.ts;
    if (r.ts > maxTs) maxTs = r.ts;
  }
  return { minTs, maxTs };
}

/** The readings as the ten column arrays of INSERT_READINGS. */
function readingColumns(sealed: SealedBatch, batchRid: number): unknown[][] {
  const first = firstReadingRid(batchRid);
  const columns: unknown[][] = Array.from({ length: 10 }, () => []);
  sealed.batch.readings.forEach((r, i) => {
    const values = [first + i, r.sensor, r.location, r.ts, r.tsSource, r.tempC ?? null, r.rh ?? null, r.battery ?? null, r.link ?? null, r.src];
    values.forEach((v, c) => columns[c]!.push(v));
  });
  return columns;
}
