/**
 * Lots of the SQLite store (lot-types.ts). Synchronous calls on the one connection: a
 * read-then-write inside an IMMEDIATE transaction is atomic.
 */
import { SQLITE_DIALECT as D } from './sql-dialect.js';
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
  listLotsSql,
  toShipment,
  upsertRowSql,
} from './lot-sql.js';
import type { CreateLotResult, CreateShipmentResult, CustodyInterval, FreshnessPoint, ListedLot, LocationPoint, LocationScope, Lot, LotFreshness, MoveLotResult, NewLot, ShelfLifeUpdate, Shipment, HeldCustody } from './lot-types.js';
import type { SqliteContext } from './sqlite-identity.js';
import type { Row } from './sqlite-rows.js';

const UPSERT_SERIES_SQL = upsertRowSql(SERIES_TABLE);
const UPSERT_FRESHNESS_SQL = upsertRowSql(FRESHNESS_TABLE);
const UPSERT_HISTORY_SQL = upsertRowSql(HISTORY_TABLE);

export function createLot({ db, sql }: SqliteContext, lot: NewLot): CreateLotResult {
  return db
    .transaction((): CreateLotResult => {
      const existing = sql(GET_LOT_SQL).get(lot.id) as Row | undefined;
      if (existing) {
        const stored = toLot(existing);
        return { status: stored.commodity === lot.commodity ? 'exists' : 'conflict', lot: stored };
      }
      sql(INSERT_LOT_SQL).run(lot.id, lot.commodity, lot.label ?? null, lot.createdAt);
      sql(INSERT_CUSTODY_SQL).run(lot.id, lot.location, lot.createdAt);
      const { location: _location, ...created } = lot;
      return { status: 'created', lot: created };
    })
    .immediate();
}

export function moveLot({ db, sql }: SqliteContext, id: string, location: string, at: number): MoveLotResult | undefined {
  return db
    .transaction((): MoveLotResult | undefined => {
      if (!sql(GET_LOT_SQL).get(id)) return undefined;
      const open = sql(OPEN_CUSTODY_SQL).get(id) as Row | undefined;
      const current = open ? toCustody(open) : undefined;
      if (current && current.location === location) return { status: 'unchanged', custody: current };
      // At or before the current interval's start: custody already recorded cannot be rewritten.
      if (current && at <= current.fromTs) return { status: 'out_of_order', custody: current };
      sql(CLOSE_CUSTODY_SQL).run(at, id);
      sql(INSERT_CUSTODY_SQL).run(id, location, at);
      return { status: 'moved', custody: { lot: id, location, fromTs: at } };
    })
    .immediate();
}

export const getLot = ({ sql }: SqliteContext, id: string): Lot | undefined => {
  const row = sql(GET_LOT_SQL).get(id) as Row | undefined;
  return row ? toLot(row) : undefined;
};

export const lotCustody = ({ sql }: SqliteContext, id: string): CustodyInterval[] => (sql(CUSTODY_OF_LOT_SQL).all(id) as Row[]).map(toCustody);


export const custodyAtMany = ({ sql }: SqliteContext, locations: readonly string[], fromTs: number, toTs: number): HeldCustody[] =>
  locations.length === 0 ? [] : (sql(custodyAtSql(D)).all(D.setParam(locations), toTs, fromTs) as Row[]).map(toHeldCustody);

export const custodyAt = (context: SqliteContext, location: string, fromTs: number, toTs: number): HeldCustody[] => custodyAtMany(context, [location], fromTs, toTs);

export const lotsAt = ({ sql }: SqliteContext, location: string): HeldCustody[] => (sql(HOLDERS_SQL).all(location) as Row[]).map(toHeldCustody);

export function listLots({ sql }: SqliteContext, limit: number, scope?: LocationScope): ListedLot[] {
  const query = listLotsSql(D, limit, scope);
  return toListedLots(sql(query.sql).all(...query.params) as Row[], limit);
}

export const lotFreshness = ({ sql }: SqliteContext, lots: readonly string[]): LotFreshness[] =>
  lots.length === 0 ? [] : (sql(freshnessOfSql(D)).all(D.setParam(lots)) as Row[]).map(toFreshness);

export const locationSeries = ({ sql }: SqliteContext, locations: readonly string[]): LocationPoint[] =>
  locations.length === 0 ? [] : (sql(seriesOfSql(D)).all(D.setParam(locations)) as Row[]).map(toLocationPoint);

export function saveShelfLife({ db, sql }: SqliteContext, update: ShelfLifeUpdate): void {
  // Statements looked up once per call, not once per row: a round may write 10,000s of rows.
  const series = sql(UPSERT_SERIES_SQL);
  const freshness = sql(UPSERT_FRESHNESS_SQL);
  const history = sql(UPSERT_HISTORY_SQL);
  db.transaction(() => {
    for (const p of update.series) series.run(...seriesParams(p));
    for (const f of update.freshness) freshness.run(...freshnessParams(f));
    for (const h of update.history) history.run(...historyParams(h));
  }).immediate();
}

export const freshnessHistory = ({ sql }: SqliteContext, lot: string, limit: number): FreshnessPoint[] => (sql(HISTORY_SQL).all(lot, limit) as Row[]).map(toFreshnessPoint);

export function createShipment({ db, sql }: SqliteContext, shipment: Shipment): CreateShipmentResult {
  return db
    .transaction((): CreateShipmentResult => {
      const inserted = sql(INSERT_SHIPMENT_SQL).run(...shipmentParams(shipment));
      if (inserted.changes === 1) return { status: 'created', shipment };
      const stored = toShipment(sql(GET_SHIPMENT_SQL).get(shipment.id) as Row);
      return { status: sameShipment(stored, shipment) ? 'exists' : 'conflict', shipment: stored };
    })
    .immediate();
}

export const lotShipments = ({ sql }: SqliteContext, lot: string): Shipment[] => (sql(SHIPMENTS_OF_LOT_SQL).all(lot) as Row[]).map(toShipment);

export const shipmentsOfLots = ({ sql }: SqliteContext, lots: readonly string[], etaAfter: number): Shipment[] =>
  lots.length === 0 ? [] : (sql(shipmentsOfLotsSql(D)).all(D.setParam(lots), etaAfter) as Row[]).map(toShipment);
