/**
 * Lots of the PostgreSQL store (lot-types.ts), with the SQL shared with SQLite (lot-sql.ts).
 * Several ingest instances may write one lot: createLot relies on the primary key, moveLot
 * locks the lot's row for the read-then-write of its custody.
 */
import type pg from 'pg';
import { numbered } from '../integrity-sql.js';
import { PG_DIALECT as D } from '../sql-dialect.js';
import {
  CLOSE_CUSTODY_SQL,
  CUSTODY_OF_LOT_SQL,
  custodyAtSql,
  FRESHNESS_TABLE,
  freshnessOfSql,
  freshnessParams,
  GET_LOT_SQL,
  GET_SHIPMENT_SQL,
  HISTORY_SQL,
  HISTORY_TABLE,
  historyParams,
  HOLDERS_SQL,
  listLotsSql,
  INSERT_CUSTODY_SQL,
  INSERT_LOT_SQL,
  INSERT_SHIPMENT_SQL,
  OPEN_CUSTODY_SQL,
  sameShipment,
  SERIES_TABLE,
  seriesOfSql,
  seriesParams,
  shipmentParams,
  SHIPMENTS_OF_LOT_SQL,
  shipmentsOfLotsSql,
  toCustody,
  toFreshness,
  toFreshnessPoint,
  toHeldCustody,
  toListedLots,
  toLocationPoint,
  toLot,
  toShipment,
  upsertSql,
  type UpsertTable,
} from '../lot-sql.js';
import type { CreateLotResult, CreateShipmentResult, CustodyInterval, FreshnessPoint, ListedLot, LocationPoint, LocationScope, Lot, LotFreshness, MoveLotResult, NewLot, ShelfLifeUpdate, Shipment, HeldCustody } from '../lot-types.js';
import type { Row } from '../sqlite-rows.js';
import { inTransaction } from './transaction.js';

const q = (client: pg.Pool | pg.PoolClient, sql: string, params: unknown[]) => client.query<Row>(numbered(sql), params);


export function createLot(pool: pg.Pool, lot: NewLot): Promise<CreateLotResult> {
  return inTransaction(pool, async (client): Promise<CreateLotResult> => {
    const inserted = await q(client, `${INSERT_LOT_SQL} RETURNING id`, [lot.id, lot.commodity, lot.label ?? null, lot.createdAt]);
    if (inserted.rowCount === 1) {
      await q(client, INSERT_CUSTODY_SQL, [lot.id, lot.location, lot.createdAt]);
      const { location: _location, ...created } = lot;
      return { status: 'created', lot: created };
    }
    const stored = toLot((await q(client, GET_LOT_SQL, [lot.id])).rows[0]!);
    return { status: stored.commodity === lot.commodity ? 'exists' : 'conflict', lot: stored };
  });
}

export function moveLot(pool: pg.Pool, id: string, location: string, at: number): Promise<MoveLotResult | undefined> {
  return inTransaction(pool, async (client): Promise<MoveLotResult | undefined> => {
    if ((await q(client, `${GET_LOT_SQL} FOR UPDATE`, [id])).rowCount === 0) return undefined;
    const open = (await q(client, OPEN_CUSTODY_SQL, [id])).rows[0];
    const current = open ? toCustody(open) : undefined;
    if (current && current.location === location) return { status: 'unchanged', custody: current };
    if (current && at <= current.fromTs) return { status: 'out_of_order', custody: current };
    await q(client, CLOSE_CUSTODY_SQL, [at, id]);
    await q(client, INSERT_CUSTODY_SQL, [id, location, at]);
    return { status: 'moved', custody: { lot: id, location, fromTs: at } };
  });
}

export async function getLot(pool: pg.Pool, id: string): Promise<Lot | undefined> {
  const row = (await q(pool, GET_LOT_SQL, [id])).rows[0];
  return row ? toLot(row) : undefined;
}

export async function lotCustody(pool: pg.Pool, id: string): Promise<CustodyInterval[]> {
  return (await q(pool, CUSTODY_OF_LOT_SQL, [id])).rows.map(toCustody);
}

export async function custodyAtMany(pool: pg.Pool, locations: readonly string[], fromTs: number, toTs: number): Promise<HeldCustody[]> {
  if (locations.length === 0) return [];
  return (await q(pool, custodyAtSql(D), [D.setParam(locations), toTs, fromTs])).rows.map(toHeldCustody);
}

export const custodyAt = (pool: pg.Pool, location: string, fromTs: number, toTs: number): Promise<HeldCustody[]> => custodyAtMany(pool, [location], fromTs, toTs);

export async function listLots(pool: pg.Pool, limit: number, scope?: LocationScope): Promise<ListedLot[]> {
  const query = listLotsSql(D, limit, scope);
  return toListedLots((await q(pool, query.sql, query.params)).rows, limit);
}

export async function lotsAt(pool: pg.Pool, location: string): Promise<HeldCustody[]> {
  return (await q(pool, HOLDERS_SQL, [location])).rows.map(toHeldCustody);
}

export async function lotFreshness(pool: pg.Pool, lots: readonly string[]): Promise<LotFreshness[]> {
  if (lots.length === 0) return [];
  return (await q(pool, freshnessOfSql(D), [D.setParam(lots)])).rows.map(toFreshness);
}

export async function locationSeries(pool: pg.Pool, locations: readonly string[]): Promise<LocationPoint[]> {
  if (locations.length === 0) return [];
  return (await q(pool, seriesOfSql(D), [D.setParam(locations)])).rows.map(toLocationPoint);
}

/** A table's upsert of many rows in one statement: one array parameter per column, unnested. */
const unnestUpsertSql = (t: UpsertTable): string => upsertSql(t, `SELECT * FROM unnest(${t.columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')})`);
const UPSERT_SERIES_SQL = unnestUpsertSql(SERIES_TABLE);
const UPSERT_FRESHNESS_SQL = unnestUpsertSql(FRESHNESS_TABLE);
const UPSERT_HISTORY_SQL = unnestUpsertSql(HISTORY_TABLE);

/**
 * Rows as one array per column, the last row of each conflict key kept (as row-by-row upserts
 * would leave it): one statement may not update the same row twice.
 */
function columnsOf(t: UpsertTable, rows: readonly unknown[][]): unknown[][] {
  const byKey = new Map(rows.map((r) => [JSON.stringify(r.slice(0, t.keyColumns)), r]));
  return t.columns.map((_, i) => [...byKey.values()].map((r) => r[i]));
}

export function saveShelfLife(pool: pg.Pool, update: ShelfLifeUpdate): Promise<void> {
  // Three statements whatever the number of rows: a round may write 10,000s of them.
  const writes: Array<[string, UpsertTable, unknown[][]]> = [
    [UPSERT_SERIES_SQL, SERIES_TABLE, update.series.map(seriesParams)],
    [UPSERT_FRESHNESS_SQL, FRESHNESS_TABLE, update.freshness.map(freshnessParams)],
    [UPSERT_HISTORY_SQL, HISTORY_TABLE, update.history.map(historyParams)],
  ];
  return inTransaction(pool, async (client) => {
    for (const [sql, table, rows] of writes) if (rows.length > 0) await client.query(sql, columnsOf(table, rows));
  });
}

export async function freshnessHistory(pool: pg.Pool, lot: string, limit: number): Promise<FreshnessPoint[]> {
  return (await q(pool, HISTORY_SQL, [lot, limit])).rows.map(toFreshnessPoint);
}

export async function createShipment(pool: pg.Pool, shipment: Shipment): Promise<CreateShipmentResult> {
  // The primary key settles a race between instances: the loser reads the winner's row.
  const inserted = await q(pool, INSERT_SHIPMENT_SQL, shipmentParams(shipment));
  if (inserted.rowCount === 1) return { status: 'created', shipment };
  const stored = toShipment((await q(pool, GET_SHIPMENT_SQL, [shipment.id])).rows[0]!);
  return { status: sameShipment(stored, shipment) ? 'exists' : 'conflict', shipment: stored };
}

export async function lotShipments(pool: pg.Pool, lot: string): Promise<Shipment[]> {
  return (await q(pool, SHIPMENTS_OF_LOT_SQL, [lot])).rows.map(toShipment);
}

export async function shipmentsOfLots(pool: pg.Pool, lots: readonly string[], etaAfter: number): Promise<Shipment[]> {
  if (lots.length === 0) return [];
  return (await q(pool, shipmentsOfLotsSql(D), [D.setParam(lots), etaAfter])).rows.map(toShipment);
}
