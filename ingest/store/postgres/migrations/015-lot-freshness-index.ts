/** PostgreSQL migration 15: lot freshness in remaining-days order, as SQLite migration 16. */
import type { Migration } from '../../migrations/index.js';

export const lotFreshnessIndex: Migration = {
  version: 15,
  name: 'lot-freshness-index',
  sql: `CREATE INDEX lot_freshness_by_remaining ON lot_freshness (remaining_days, lot);`,
};
