/**
 * Migration 9: when each sensor was last heard (sensor-activity-types.ts), for `sensor_silent`
 * alerts. One row per (gateway, location, sensor); alerted_silence is the last_received_at of
 * the silence an alert was raised for (NULL: none yet).
 */
import type { Migration } from './index.js';

export const sensorActivity: Migration = {
  version: 9,
  name: 'sensor-activity',
  sql: `
CREATE TABLE sensor_activity (
  gateway           TEXT NOT NULL,
  location          TEXT NOT NULL,
  sensor            TEXT NOT NULL,
  last_ts           INTEGER NOT NULL,
  last_received_at  INTEGER NOT NULL,
  alerted_silence   INTEGER,
  PRIMARY KEY (gateway, location, sensor)
);
`,
};
