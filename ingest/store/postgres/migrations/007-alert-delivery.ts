/**
 * PostgreSQL migration 7: alert events and their deliveries, as SQLite migration 8
 * (../../migrations/008-alert-delivery.ts). Event ids are drawn under a transaction-level
 * advisory lock (../alert-delivery.ts), so they become visible in id order.
 */
import type { Migration } from '../../migrations/index.js';

export const alertDelivery: Migration = {
  version: 7,
  name: 'alert-delivery',
  sql: `
CREATE TABLE alert_events (
  id        BIGSERIAL PRIMARY KEY,
  alert_id  BIGINT NOT NULL,
  type      TEXT NOT NULL,
  at        BIGINT NOT NULL,
  alert     JSONB NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX alert_events_created ON alert_events (created_at);

CREATE TABLE alert_channels (
  channel   TEXT PRIMARY KEY,
  position  BIGINT NOT NULL
);

CREATE TABLE alert_deliveries (
  id               BIGSERIAL PRIMARY KEY,
  channel          TEXT NOT NULL,
  event_id         BIGINT NOT NULL,
  status           TEXT NOT NULL,
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  BIGINT NOT NULL,
  created_at       BIGINT NOT NULL,
  finished_at      BIGINT,
  last_error       TEXT,
  UNIQUE (channel, event_id)
);
CREATE INDEX alert_deliveries_pending ON alert_deliveries (channel, event_id) WHERE status = 'pending';
CREATE INDEX alert_deliveries_event ON alert_deliveries (event_id);
`,
};
