/**
 * Sensor activity of the SQLite store (sensor-activity-types.ts): one upsert per sensor inside
 * one IMMEDIATE transaction (one connection: nothing else writes in between).
 */
import { listActivitySql, MARK_SILENCE_SQL, markSilenceParams, mergeActivity, silencesOver, toSensorActivity, UPSERT_ACTIVITY_SQL } from './sensor-activity-sql.js';
import type { SensorActivity, SensorActivityQuery, SensorActivityRow, SensorKey, SilenceOver } from './sensor-activity-types.js';
import type { SqliteContext } from './sqlite-identity.js';
import type { Row } from './sqlite-rows.js';

export function recordSensorActivity({ db, sql }: SqliteContext, rows: readonly SensorActivity[]): SilenceOver[] {
  const merged = mergeActivity(rows);
  if (merged.length === 0) return [];
  return db
    .transaction((): SilenceOver[] => {
      const returned = merged.map((r) => sql(UPSERT_ACTIVITY_SQL).get(r.gateway, r.location, r.sensor, r.lastTs, r.lastReceivedAt) as Row);
      return silencesOver(returned);
    })
    .immediate();
}

export function listSensorActivity({ sql }: SqliteContext, query: SensorActivityQuery): SensorActivityRow[] {
  const { sql: text, params } = listActivitySql(query);
  return (sql(text).all(...params) as Row[]).map(toSensorActivity);
}

export function markSilenceAlerted({ sql }: SqliteContext, sensor: SensorKey, lastReceivedAt: number): boolean {
  return sql(MARK_SILENCE_SQL).run(...markSilenceParams(sensor, lastReceivedAt)).changes > 0;
}
