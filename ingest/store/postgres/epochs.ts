/** Epochs of the PostgreSQL store (../epoch-types.ts), with the SQL shared with SQLite (../epoch-sql.ts). */
import type pg from 'pg';
import { INSERT_HOLD_SQL, numbered } from '../integrity-sql.js';
import {
  CANDIDATE_LOTS_SQL,
  EPOCH_LEAVES_SQL,
  HEAD_SQL,
  headParams,
  INSERT_HEAD_SQL,
  INSERT_LEAF_SQL,
  LATEST_EPOCH_SQL,
  LATEST_HEAD_SQL,
  leafParams,
  LOT_GATEWAY_BATCHES_SQL,
  LOT_LEAVES_SQL,
  toGatewayBatches,
  toLeaf,
  toStoredHead,
} from '../epoch-sql.js';
import type { EpochLeaf, LotGatewayBatches, NewEpoch, SaveEpochResult, StoredEpochHead } from '../epoch-types.js';
import type { Row } from '../sqlite-rows.js';
import { inTransaction, isUniqueViolation } from './transaction.js';

export async function saveEpoch(pool: pg.Pool, e: NewEpoch, at: number): Promise<SaveEpochResult> {
  try {
    return await inTransaction(pool, async (client): Promise<SaveEpochResult> => {
      const latest = Number((await client.query<Row>(LATEST_EPOCH_SQL)).rows[0]!.epoch);
      if (e.head.epoch !== latest + 1) return { status: 'conflict', latestEpoch: latest };
      await client.query(numbered(INSERT_HEAD_SQL), headParams(e, at));
      for (const [i, header] of e.leaves.entries()) await client.query(numbered(INSERT_LEAF_SQL), leafParams(e.head.epoch, i, header));
      for (const h of e.holds) await client.query(numbered(INSERT_HOLD_SQL), [h.gateway, h.fromSeq, h.toSeq, h.reason, h.createdAt]);
      return { status: 'saved' };
    });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err; // another instance stored this epoch between our read and our insert
    const latest = Number((await pool.query<Row>(LATEST_EPOCH_SQL)).rows[0]!.epoch);
    return { status: 'conflict', latestEpoch: latest };
  }
}

export async function epochHead(pool: pg.Pool, epoch: number): Promise<StoredEpochHead | undefined> {
  const [row] = (await pool.query<Row>(numbered(HEAD_SQL), [epoch])).rows;
  return row ? toStoredHead(row) : undefined;
}

export async function latestEpochHead(pool: pg.Pool): Promise<StoredEpochHead | undefined> {
  const [row] = (await pool.query<Row>(LATEST_HEAD_SQL)).rows;
  return row ? toStoredHead(row) : undefined;
}

export async function epochLeaves(pool: pg.Pool, epoch: number): Promise<EpochLeaf[]> {
  return (await pool.query<Row>(numbered(EPOCH_LEAVES_SQL), [epoch])).rows.map(toLeaf);
}

export async function lotLeaves(pool: pg.Pool, lot: string, limit: number): Promise<EpochLeaf[]> {
  return (await pool.query<Row>(numbered(LOT_LEAVES_SQL), [lot, limit])).rows.map(toLeaf);
}

export async function epochCandidateLots(pool: pg.Pool, since: number): Promise<string[]> {
  return (await pool.query<Row>(numbered(CANDIDATE_LOTS_SQL), [since, since])).rows.map((r) => String(r.lot));
}

export async function lotGatewayBatches(pool: pg.Pool, lot: string): Promise<LotGatewayBatches[]> {
  return (await pool.query<Row>(numbered(LOT_GATEWAY_BATCHES_SQL), [lot])).rows.map(toGatewayBatches);
}
