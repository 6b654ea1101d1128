/**
 * SQL of sensor activity shared by the SQLite and PostgreSQL stores (`?` placeholders;
 * PostgreSQL numbers them with integrity-sql.ts `numbered`). The upsert keeps the larger of the
 * stored and the new times, so applying a batch twice, or an older batch late, changes nothing.
 */
import type { SensorActivity, SensorActivityQuery, SensorActivityRow, SensorKey, SilenceOver } from './sensor-activity-types.js';
import type { Row } from './sqlite-rows.js';
import { whereOf } from './sql-where.js';

/** The conflict and RETURNING part of the upsert; the larger of two values is MAX() in SQLite, GREATEST() in PostgreSQL. */
export function upsertTail(greatest: 'MAX' | 'GREATEST'): string {
  return `ON CONFLICT (gateway, location, sensor) DO UPDATE SET
    last_ts = ${greatest}(sensor_activity.last_ts, excluded.last_ts),
    last_received_at = ${greatest}(sensor_activity.last_received_at, excluded.last_received_at)
  RETURNING gateway, location, sensor, last_received_at, alerted_silence`;
}

export const UPSERT_ACTIVITY_SQL = `INSERT INTO sensor_activity (gateway, location, sensor, last_ts, last_received_at) VALUES (?, ?, ?, ?, ?) ${upsertTail('MAX')}`;

export const MARK_SILENCE_SQL = 'UPDATE sensor_activity SET alerted_silence = ? WHERE gateway = ? AND location = ? AND sensor = ? AND last_received_at = ?';

export function markSilenceParams(s: SensorKey, lastReceivedAt: number): Array<string | number> {
  return [lastReceivedAt, s.gateway, s.location, s.sensor, lastReceivedAt];
}

/**
 * One row per sensor (the latest times of its rows), in key order: PostgreSQL's upsert may not
 * touch a row twice, and writers that lock rows in one order cannot deadlock.
 */
export function mergeActivity(rows: readonly SensorActivity[]): SensorActivity[] {
  const bySensor = new Map<string, SensorActivity>();
  for (const r of rows) {
    const key = JSON.stringify([r.gateway, r.location, r.sensor]);
    const seen = bySensor.get(key);
    bySensor.set(key, seen ? { ...seen, lastTs: Math.max(seen.lastTs, r.lastTs), lastReceivedAt: Math.max(seen.lastReceivedAt, r.lastReceivedAt) } : { ...r });
  }
  return [...bySensor.values()].sort(compareKeys);
}

function compareKeys(a: SensorKey, b: SensorKey): number {
  return cmp(a.gateway, b.gateway) || cmp(a.location, b.location) || cmp(a.sensor, b.sensor);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The rows an upsert returned whose alerted silence is over. */
export function silencesOver(returned: readonly Row[]): SilenceOver[] {
  return returned
    .filter((r) => r.alerted_silence !== null && r.alerted_silence !== undefined && Number(r.alerted_silence) < Number(r.last_received_at))
    .map((r) => ({ gateway: String(r.gateway), location: String(r.location), sensor: String(r.sensor), alertedSilence: Number(r.alerted_silence) }));
}

/** SELECT of listSensorActivity with its parameters. Row values compare lexicographically (SQLite ≥ 3.15, PostgreSQL). */
export function listActivitySql(q: SensorActivityQuery): { sql: string; params: Array<string | number> } {
  const { where, params } = whereOf([
    q.silentSince !== undefined && ['last_received_at < ?', q.silentSince],
    q.gateway !== undefined && ['gateway = ?', q.gateway],
    q.after !== undefined && ['(gateway, location, sensor) > (?, ?, ?)', q.after.gateway, q.after.location, q.after.sensor],
  ]);
  return { sql: `SELECT * FROM sensor_activity ${where} ORDER BY gateway, location, sensor LIMIT ?`, params: [...params, q.limit] };
}

export function toSensorActivity(r: Row): SensorActivityRow {
  return {
    gateway: String(r.gateway),
    location: String(r.location),
    sensor: String(r.sensor),
    lastTs: Number(r.last_ts),
    lastReceivedAt: Number(r.last_received_at),
    ...(r.alerted_silence === null || r.alerted_silence === undefined ? {} : { alertedSilence: Number(r.alerted_silence) }),
  };
}
