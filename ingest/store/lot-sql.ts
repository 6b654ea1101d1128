/**
 * What the SQLite and PostgreSQL stores share for lots (migrations 006 / pg 005): SQL texts with
 * `?` placeholders (numbered for PostgreSQL by integrity-sql.ts `numbered`) and row mappers.
 * Lists of ids are bound as one parameter (lot-event-sql.ts Dialect), so a statement's text, and
 * its prepared plan, does not depend on how many there are. Upserts use ON CONFLICT … DO UPDATE,
 * which both databases accept in this form.
 */
import { isLocationPrefix } from '../auth/principal.js';
import type { Dialect } from './sql-dialect.js';
import type { CustodyInterval, FreshnessPoint, ListedLot, LocationPoint, LocationScope, Lot, LotFreshness, Shipment, HeldCustody } from './lot-types.js';
import type { Row } from './sqlite-rows.js';

export const INSERT_LOT_SQL = 'INSERT INTO lots (id, commodity, label, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING';
export const GET_LOT_SQL = 'SELECT id, commodity, label, created_at FROM lots WHERE id = ?';
export const INSERT_CUSTODY_SQL = 'INSERT INTO lot_custody (lot, location, from_ts) VALUES (?, ?, ?)';
export const OPEN_CUSTODY_SQL = 'SELECT lot, location, from_ts, to_ts FROM lot_custody WHERE lot = ? AND to_ts IS NULL';
export const CLOSE_CUSTODY_SQL = 'UPDATE lot_custody SET to_ts = ? WHERE lot = ? AND to_ts IS NULL';
export const CUSTODY_OF_LOT_SQL = 'SELECT lot, location, from_ts, to_ts FROM lot_custody WHERE lot = ? ORDER BY from_ts';
/**
 * Intervals at any of a set of locations overlapping [from, to] (started by `to`, not ended
 * before `from`); parameters: the locations, to, from. The (location, from_ts) index serves it.
 */
export const custodyAtSql = (d: Dialect): string => `
SELECT c.lot, c.location, c.from_ts, c.to_ts, l.commodity
FROM lot_custody c JOIN lots l ON l.id = c.lot
WHERE ${d.inSet('c.location')} AND c.from_ts <= ? AND (c.to_ts IS NULL OR c.to_ts >= ?)
ORDER BY c.location, c.lot, c.from_ts`;
export const HOLDERS_SQL = `
SELECT c.lot, c.location, c.from_ts, c.to_ts, l.commodity
FROM lot_custody c JOIN lots l ON l.id = c.lot
WHERE c.location = ? AND c.to_ts IS NULL
ORDER BY c.lot`;

/**
 * A table one shelf-life round upserts: its columns, the conflict key first, with their
 * PostgreSQL types (for the one-statement unnest form of postgres/lots.ts).
 */
export interface UpsertTable {
  table: string;
  /** How many leading columns form the conflict key. */
  keyColumns: number;
  columns: ReadonlyArray<readonly [name: string, pgType: string]>;
}

const FRESHNESS_VALUES = [['used_fraction', 'float8'], ['water_loss_pct', 'float8'], ['chill_degree_hours', 'float8'], ['quality', 'float8'], ['remaining_days', 'float8']] as const;
export const SERIES_TABLE: UpsertTable = { table: 'location_series', keyColumns: 1, columns: [['location', 'text'], ['ts', 'bigint'], ['temp_c', 'float8'], ['rh', 'float8'], ['rh_ts', 'bigint']] };
export const FRESHNESS_TABLE: UpsertTable = { table: 'lot_freshness', keyColumns: 1, columns: [['lot', 'text'], ...FRESHNESS_VALUES, ['through_ts', 'bigint']] };
export const HISTORY_TABLE: UpsertTable = { table: 'lot_freshness_history', keyColumns: 2, columns: [['lot', 'text'], ['ts', 'bigint'], ...FRESHNESS_VALUES] };

/** INSERT … `source` ON CONFLICT (key) DO UPDATE SET every other column. */
export function upsertSql({ table, keyColumns, columns }: UpsertTable, source: string): string {
  const names = columns.map(([name]) => name);
  const set = names.slice(keyColumns).map((c) => `${c} = excluded.${c}`);
  return `INSERT INTO ${table} (${names.join(', ')}) ${source} ON CONFLICT (${names.slice(0, keyColumns).join(', ')}) DO UPDATE SET ${set.join(', ')}`;
}
/** One row's upsert, `?` placeholders. */
export const upsertRowSql = (t: UpsertTable): string => upsertSql(t, `VALUES (${t.columns.map(() => '?').join(', ')})`);

const FRESHNESS_COLUMNS = FRESHNESS_TABLE.columns.map(([name]) => name).join(', ');
export const HISTORY_SQL = `
SELECT ts, used_fraction, water_loss_pct, chill_degree_hours, quality, remaining_days FROM lot_freshness_history
WHERE lot = ? ORDER BY ts DESC LIMIT ?`;
export const freshnessOfSql = (d: Dialect): string => `SELECT ${FRESHNESS_COLUMNS} FROM lot_freshness WHERE ${d.inSet('lot')}`;
export const seriesOfSql = (d: Dialect): string => `SELECT location, ts, temp_c, rh, rh_ts FROM location_series WHERE ${d.inSet('location')}`;

const num = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v));

export function toLot(r: Row): Lot {
  return { id: String(r.id), commodity: String(r.commodity), ...(r.label === null || r.label === undefined ? {} : { label: String(r.label) }), createdAt: Number(r.created_at) };
}

export function toCustody(r: Row): CustodyInterval {
  const toTs = num(r.to_ts);
  return { lot: String(r.lot), location: String(r.location), fromTs: Number(r.from_ts), ...(toTs === undefined ? {} : { toTs }) };
}

/** A custody row joined with its lot's commodity (custodyAtSql, HOLDERS_SQL). */
export const toHeldCustody = (r: Row): HeldCustody => ({ ...toCustody(r), commodity: String(r.commodity) });

export function toFreshness(r: Row): LotFreshness {
  return {
    lot: String(r.lot),
    usedFraction: Number(r.used_fraction),
    waterLossPct: Number(r.water_loss_pct),
    chillDegreeHours: Number(r.chill_degree_hours),
    quality: Number(r.quality),
    remainingDays: Number(r.remaining_days),
    throughTs: Number(r.through_ts),
  };
}

export function toFreshnessPoint(r: Row): FreshnessPoint {
  return {
    ts: Number(r.ts),
    usedFraction: Number(r.used_fraction),
    waterLossPct: Number(r.water_loss_pct),
    chillDegreeHours: Number(r.chill_degree_hours),
    quality: Number(r.quality),
    remainingDays: Number(r.remaining_days),
  };
}

export function toLocationPoint(r: Row): LocationPoint {
  const point: LocationPoint = { location: String(r.location) };
  const ts = num(r.ts);
  const tempC = num(r.temp_c);
  const rh = num(r.rh);
  const rhTs = num(r.rh_ts);
  if (ts !== undefined) point.ts = ts;
  if (tempC !== undefined) point.tempC = tempC;
  if (rh !== undefined) point.rh = rh;
  if (rhTs !== undefined) point.rhTs = rhTs;
  return point;
}

export const freshnessParams = (f: LotFreshness): unknown[] => [f.lot, f.usedFraction, f.waterLossPct, f.chillDegreeHours, f.quality, f.remainingDays, f.throughTs];
export const historyParams = (h: FreshnessPoint & { lot: string }): unknown[] => [h.lot, h.ts, h.usedFraction, h.waterLossPct, h.chillDegreeHours, h.quality, h.remainingDays];
export const seriesParams = (p: LocationPoint): unknown[] => [p.location, p.ts ?? null, p.tempC ?? null, p.rh ?? null, p.rhTs ?? null];

export const INSERT_SHIPMENT_SQL = `INSERT INTO shipments (id, lot, destination, eta, transit_temp_c, min_days_on_arrival, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO NOTHING`;
export const GET_SHIPMENT_SQL = 'SELECT * FROM shipments WHERE id = ?';
export const SHIPMENTS_OF_LOT_SQL = 'SELECT * FROM shipments WHERE lot = ? ORDER BY eta, id';
/** Shipments of a set of lots arriving after a time (the index shipments_by_lot (lot, eta) serves it); lots first, then the time. */
export const shipmentsOfLotsSql = (d: Dialect): string => `SELECT * FROM shipments WHERE ${d.inSet('lot')} AND eta > ? ORDER BY lot, eta, id`;

export function toShipment(r: Row): Shipment {
  const min = num(r.min_days_on_arrival);
  return {
    id: String(r.id),
    lot: String(r.lot),
    destination: String(r.destination),
    eta: Number(r.eta),
    transitTempC: Number(r.transit_temp_c),
    ...(min === undefined ? {} : { minDaysOnArrival: min }),
    createdAt: Number(r.created_at),
  };
}

export const shipmentParams = (s: Shipment): unknown[] => [s.id, s.lot, s.destination, s.eta, s.transitTempC, s.minDaysOnArrival ?? null, s.createdAt];

/** Same id: same shipment (exists) or different content (conflict). */
export const sameShipment = (a: Shipment, b: Shipment): boolean =>
  a.lot === b.lot && a.destination === b.destination && a.eta === b.eta && a.transitTempC === b.transitTempC && a.minDaysOnArrival === b.minDaysOnArrival;

/**
 * Lots of `scope` held at one of its locations (exact, or by prefix for one ending in "/", ":"
 * or "."; auth/principal.ts locationWithin), as a condition on `lots l`.
 */
function scopeCondition(d: Dialect, scope: LocationScope | undefined): { sql: string; params: unknown[] } {
  if (scope === undefined) return { sql: 'TRUE', params: [] };
  const prefixes = scope.locations.filter(isLocationPrefix);
  const tests = [d.inSet('s.location'), ...prefixes.map(() => 'substr(s.location, 1, ?) = ?')];
  return {
    sql: `EXISTS (SELECT 1 FROM lot_custody s WHERE s.lot = l.id AND (${tests.join(' OR ')}))`,
    params: [d.setParam(scope.locations), ...prefixes.flatMap((p) => [p.length, p])],
  };
}

/**
 * The lots with the least remaining shelf life first, then those without freshness yet by id,
 * with their freshness and open custody: two bounded reads (the remaining-days index of
 * lot_freshness, migration 16 / pg 15, and the lots' primary key, each stopping after `limit`
 * lots) so the overview costs the same on a million lots as on ten. Rows come one per open
 * custody interval; toListedLots folds them and keeps the first `limit` lots.
 */
/** Typed NULLs: PostgreSQL types an untyped NULL in a subquery as text, which a UNION with numbers refuses. */
const NO_NUMBER = 'CAST(NULL AS DOUBLE PRECISION)';

export function listLotsSql(d: Dialect, limit: number, scope?: LocationScope): { sql: string; params: unknown[] } {
  const where = scopeCondition(d, scope);
  const sql = `
SELECT x.*, c.location AS holder_location, c.from_ts AS holder_from
FROM (
  SELECT * FROM (
    SELECT l.id, l.commodity, l.label, l.created_at, f.lot, f.used_fraction, f.water_loss_pct, f.chill_degree_hours,
           f.quality, f.remaining_days, f.through_ts, 0 AS no_freshness
    FROM lot_freshness f JOIN lots l ON l.id = f.lot
    WHERE ${where.sql}
    ORDER BY f.remaining_days, f.lot LIMIT ?
  ) fresh
  UNION ALL
  SELECT * FROM (
    SELECT l.id, l.commodity, l.label, l.created_at, CAST(NULL AS TEXT) AS lot, ${NO_NUMBER} AS used_fraction, ${NO_NUMBER} AS water_loss_pct,
           ${NO_NUMBER} AS chill_degree_hours, ${NO_NUMBER} AS quality, ${NO_NUMBER} AS remaining_days, CAST(NULL AS BIGINT) AS through_ts, 1 AS no_freshness
    FROM lots l
    WHERE NOT EXISTS (SELECT 1 FROM lot_freshness f WHERE f.lot = l.id) AND ${where.sql}
    ORDER BY l.id LIMIT ?
  ) unrated
) x LEFT JOIN lot_custody c ON c.lot = x.id AND c.to_ts IS NULL
ORDER BY x.no_freshness, x.remaining_days, x.id, c.from_ts`;
  return { sql, params: [...where.params, limit, ...where.params, limit] };
}

/** Folds listLotsSql rows (one per open custody interval) into one entry per lot, in order: the first `limit`. */
export function toListedLots(rows: readonly Row[], limit: number): ListedLot[] {
  const out: ListedLot[] = [];
  for (const r of rows) {
    let entry = out[out.length - 1];
    if (entry === undefined || entry.lot.id !== String(r.id)) {
      if (out.length === limit) break;
      entry = { lot: toLot(r), ...(r.lot === null || r.lot === undefined ? {} : { freshness: toFreshness(r) }), holders: [] };
      out.push(entry);
    }
    if (r.holder_location !== null && r.holder_location !== undefined) {
      entry.holders.push({ lot: entry.lot.id, location: String(r.holder_location), fromTs: Number(r.holder_from) });
    }
  }
  return out;
}
