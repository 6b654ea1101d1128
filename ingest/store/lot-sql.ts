/**
 * What the SQLite and PostgreSQL stores share for lots (migrations 006 / pg 005): SQL texts with
 * `?` placeholders (numbered for PostgreSQL by integrity-sql.ts `numbered`) and row mappers.
 * Upserts use ON CONFLICT … DO UPDATE, which both databases accept in this form.
 */
import type { CustodyInterval, FreshnessPoint, LocationPoint, Lot, LotFreshness, Shipment } from './lot-types.js';
import type { Row } from './sqlite-rows.js';

export const INSERT_LOT_SQL = 'INSERT INTO lots (id, commodity, label, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING';
export const GET_LOT_SQL = 'SELECT id, commodity, label, created_at FROM lots WHERE id = ?';
export const INSERT_CUSTODY_SQL = 'INSERT INTO lot_custody (lot, location, from_ts) VALUES (?, ?, ?)';
export const OPEN_CUSTODY_SQL = 'SELECT lot, location, from_ts, to_ts FROM lot_custody WHERE lot = ? AND to_ts IS NULL';
export const CLOSE_CUSTODY_SQL = 'UPDATE lot_custody SET to_ts = ? WHERE lot = ? AND to_ts IS NULL';
export const CUSTODY_OF_LOT_SQL = 'SELECT lot, location, from_ts, to_ts FROM lot_custody WHERE lot = ? ORDER BY from_ts';
/** Intervals at a location overlapping [from, to]: started by `to` and not ended before `from`. */
export const CUSTODY_AT_SQL = `
SELECT c.lot, c.location, c.from_ts, c.to_ts, l.commodity
FROM lot_custody c JOIN lots l ON l.id = c.lot
WHERE c.location = ? AND c.from_ts <= ? AND (c.to_ts IS NULL OR c.to_ts >= ?)
ORDER BY c.lot, c.from_ts`;
/**
 * CUSTODY_AT_SQL for many locations over one span, the locations bound as one parameter so the
 * statement text (and its prepared plan) does not depend on how many there are: a JSON array
 * read by json_each in SQLite, a text[] in PostgreSQL. The (location, from_ts) index serves both.
 */
const custodyAtManySql = (atLocation: string): string => `
SELECT c.lot, c.location, c.from_ts, c.to_ts, l.commodity
FROM lot_custody c JOIN lots l ON l.id = c.lot
WHERE ${atLocation} AND c.from_ts <= ? AND (c.to_ts IS NULL OR c.to_ts >= ?)
ORDER BY c.location, c.lot, c.from_ts`;
export const SQLITE_CUSTODY_AT_MANY_SQL = custodyAtManySql('c.location IN (SELECT value FROM json_each(?))');
export const PG_CUSTODY_AT_MANY_SQL = custodyAtManySql('c.location = ANY(?::text[])');
export const HOLDERS_SQL = `
SELECT c.lot, c.location, c.from_ts, c.to_ts, l.commodity
FROM lot_custody c JOIN lots l ON l.id = c.lot
WHERE c.location = ? AND c.to_ts IS NULL
ORDER BY c.lot`;
export const FRESHNESS_COLUMNS = 'lot, used_fraction, water_loss_pct, chill_degree_hours, quality, remaining_days, through_ts';
export const UPSERT_FRESHNESS_SQL = `
INSERT INTO lot_freshness (${FRESHNESS_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (lot) DO UPDATE SET used_fraction = excluded.used_fraction, water_loss_pct = excluded.water_loss_pct,
  chill_degree_hours = excluded.chill_degree_hours, quality = excluded.quality, remaining_days = excluded.remaining_days,
  through_ts = excluded.through_ts`;
export const UPSERT_HISTORY_SQL = `
INSERT INTO lot_freshness_history (lot, ts, used_fraction, water_loss_pct, chill_degree_hours, quality, remaining_days) VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (lot, ts) DO UPDATE SET used_fraction = excluded.used_fraction, water_loss_pct = excluded.water_loss_pct,
  chill_degree_hours = excluded.chill_degree_hours, quality = excluded.quality, remaining_days = excluded.remaining_days`;
export const HISTORY_SQL = `
SELECT ts, used_fraction, water_loss_pct, chill_degree_hours, quality, remaining_days FROM lot_freshness_history
WHERE lot = ? ORDER BY ts DESC LIMIT ?`;
export const UPSERT_SERIES_SQL = `
INSERT INTO location_series (location, ts, temp_c, rh, rh_ts) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (location) DO UPDATE SET ts = excluded.ts, temp_c = excluded.temp_c, rh = excluded.rh, rh_ts = excluded.rh_ts`;

/** `IN (?, ?, …)` for n values (n ≥ 1). */
export const inList = (n: number): string => `(${new Array<string>(n).fill('?').join(', ')})`;
export const freshnessOfSql = (n: number): string => `SELECT ${FRESHNESS_COLUMNS} FROM lot_freshness WHERE lot IN ${inList(n)}`;
export const seriesOfSql = (n: number): string => `SELECT location, ts, temp_c, rh, rh_ts FROM location_series WHERE location IN ${inList(n)}`;

const num = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v));

export function toLot(r: Row): Lot {
  return { id: String(r.id), commodity: String(r.commodity), ...(r.label === null || r.label === undefined ? {} : { label: String(r.label) }), createdAt: Number(r.created_at) };
}

export function toCustody(r: Row): CustodyInterval {
  const toTs = num(r.to_ts);
  return { lot: String(r.lot), location: String(r.location), fromTs: Number(r.from_ts), ...(toTs === undefined ? {} : { toTs }) };
}

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
/** Shipments of n lots arriving after a time (the index shipments_by_lot (lot, eta) serves it); lots first, then the time. */
export const shipmentsOfLotsSql = (n: number): string => `SELECT * FROM shipments WHERE lot IN ${inList(n)} AND eta > ? ORDER BY lot, eta, id`;

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
