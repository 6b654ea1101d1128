/**
 * Sensor activity of the PostgreSQL store (../sensor-activity-types.ts), with the SQL shared
 * with SQLite (../sensor-activity-sql.ts). One unnest upsert per call; rows are merged per sensor
 * and sorted, so two writers lock rows in the same order. The upsert and markSilenceAlerted
 * both lock the sensor's row, so RETURNING sees a mark committed before it, and a mark after it
 * finds last_received_at moved and does nothing.
 */
import type pg from 'pg';
import { numbered } from '../integrity-sql.js';
import { listActivitySql, MARK_SILENCE_SQL, markSilenceParams, mergeActivity, silencesOver, toSensorActivity, upsertTail } from '../sensor-activity-sql.js';
import type { SensorActivity, SensorActivityQuery, SensorActivityRow, SensorKey, SilenceOver } from '../sensor-activity-types.js';
import type { Row } from '../sqlite-rows.js';

const UPSERT_MANY_SQL = `INSERT INTO sensor_activity (gateway, location, sensor, last_ts, last_received_at)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[])
  ${upsertTail('GREATEST')}`;

export async function recordSensorActivity(pool: pg.Pool, rows: readonly SensorActivity[]): Promise<SilenceOver[]> {
  const merged = mergeActivity(rows);
  if (merged.length === 0) return [];
  const { rows: returned } = await pool.query<Row>(UPSERT_MANY_SQL, [
    merged.map((r) => r.gateway),
    merged.map((r) => r.location),
    merged.map((r) => r.sensor),
    merged.map((r) => r.lastTs),
    merged.map((r) => r.lastReceivedAt),
  ]);
  return silencesOver(returned);
}

export async function listSensorActivity(pool: pg.Pool, query: SensorActivityQuery): Promise<SensorActivityRow[]> {
  const { sql, params } = listActivitySql(query);
  return (await pool.query<Row>(numbered(sql), params)).rows.map(toSensorActivity);
}

export async function markSilenceAlerted(pool: pg.Pool, sensor: SensorKey, lastReceivedAt: number): Promise<boolean> {
  return ((await pool.query(numbered(MARK_SILENCE_SQL), markSilenceParams(sensor, lastReceivedAt))).rowCount ?? 0) > 0;
}
