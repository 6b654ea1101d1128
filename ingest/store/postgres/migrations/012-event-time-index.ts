/** PostgreSQL migration 12: lot events in (event time, event id) order, as SQLite migration 13. */
import type { Migration } from '../../migrations/index.js';

export const eventTimeIndex: Migration = {
  version: 12,
  name: 'event-time-index',
  sql: `CREATE INDEX lot_events_time ON lot_events (event_time, event_id);`,
};
