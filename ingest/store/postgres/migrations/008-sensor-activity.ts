/**
 * PostgreSQL migration 8: when each sensor was last heard, as SQLite migration 9
 * (../../migrations/009-sensor-activity.ts).
 */
import type { Migration } from '../../migrations/index.js';

export const sensorActivity: Migration = {
  version: 8,
  name: 'sensor-activity',
  sql: `
CREATE TABLE sensor_activity (
  gateway           TEXT NOT NULL,
  location          TEXT NOT NULL,
  sensor            TEXT NOT NULL,
  last_ts           BIGINT NOT NULL,
  last_received_at  BIGINT NOT NULL,
  alerted_silence   BIGINT,
  PRIMARY KEY (gateway, location, sensor)
);
`,
};
