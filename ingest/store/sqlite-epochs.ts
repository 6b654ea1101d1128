/** Epochs of the SQLite store (epoch-types.ts): synchronous calls on the one connection, SQL shared with PostgreSQL (epoch-sql.ts). */
import { INSERT_HOLD_SQL } from './integrity-sql.js';
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
} from './epoch-sql.js';
import type { EpochLeaf, LotGatewayBatches, NewEpoch, SaveEpochResult, StoredEpochHead } from './epoch-types.js';
import type { SqliteContext } from './sqlite-identity.js';
import type { Row } from './sqlite-rows.js';

export function saveEpoch({ db, sql }: SqliteContext, e: NewEpoch, at: number): SaveEpochResult {
  return db
    .transaction((): SaveEpochResult => {
      const latest = Number((sql(LATEST_EPOCH_SQL).get() as Row).epoch);
      if (e.head.epoch !== latest + 1) return { status: 'conflict', latestEpoch: latest };
      sql(INSERT_HEAD_SQL).run(...headParams(e, at));
      e.leaves.forEach((header, i) => sql(INSERT_LEAF_SQL).run(...leafParams(e.head.epoch, i, header)));
      for (const h of e.holds) sql(INSERT_HOLD_SQL).get(h.gateway, h.fromSeq, h.toSeq, h.reason, h.createdAt);
      return { status: 'saved' };
    })
    .immediate();
}

export function epochHead({ sql }: SqliteContext, epoch: number): StoredEpochHead | undefined {
  const row = sql(HEAD_SQL).get(epoch) as Row | undefined;
  return row ? toStoredHead(row) : undefined;
}

export function latestEpochHead({ sql }: SqliteContext): StoredEpochHead | undefined {
  const row = sql(LATEST_HEAD_SQL).get() as Row | undefined;
  return row ? toStoredHead(row) : undefined;
}

export function epochLeaves({ sql }: SqliteContext, epoch: number): EpochLeaf[] {
  return (sql(EPOCH_LEAVES_SQL).all(epoch) as Row[]).map(toLeaf);
}

export function lotLeaves({ sql }: SqliteContext, lot: string, limit: number): EpochLeaf[] {
  return (sql(LOT_LEAVES_SQL).all(lot, limit) as Row[]).map(toLeaf);
}

export function epochCandidateLots({ sql }: SqliteContext, since: number): string[] {
  return (sql(CANDIDATE_LOTS_SQL).all(since, since) as Row[]).map((r) => String(r.lot));
}

export function lotGatewayBatches({ sql }: SqliteContext, lot: string): LotGatewayBatches[] {
  return (sql(LOT_GATEWAY_BATCHES_SQL).all(lot) as Row[]).map(toGatewayBatches);
}
