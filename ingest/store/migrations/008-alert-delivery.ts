/**
 * Migration 8: alert events and their deliveries (issue 5, alert-delivery-types.ts). An event
 * keeps the alert as it stood (JSON), so a delivery says what the receiver was told even after
 * the alert changed or retention deleted it. A channel's fan-out position lives with the
 * channel; one delivery per (channel, event).
 */
import type { Migration } from './index.js';

export const alertDelivery: Migration = {
  version: 8,
  name: 'alert-delivery',
  sql: `
CREATE TABLE alert_events (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  alert_id  INTEGER NOT NULL,
  type      TEXT NOT NULL,
  at        INTEGER NOT NULL,
  alert     TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX alert_events_created ON alert_events (created_at);

CREATE TABLE alert_channels (
  channel   TEXT PRIMARY KEY,
  position  INTEGER NOT NULL
);

CREATE TABLE alert_deliveries (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  channel          TEXT NOT NULL,
  event_id         INTEGER NOT NULL,
  status           TEXT NOT NULL,
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  INTEGER NOT NULL,
  created_at       INTEGER NOT NULL,
  finished_at      INTEGER,
  last_error       TEXT,
  UNIQUE (channel, event_id)
);
CREATE INDEX alert_deliveries_pending ON alert_deliveries (channel, event_id) WHERE status = 'pending';
CREATE INDEX alert_deliveries_event ON alert_deliveries (event_id);
`,
};
