/**
 * Migration 16: lot freshness in remaining-days order, the order of the dashboard's overview
 * (Store.listLots, GET /api/v1/lots): the lots at risk are read from the front of this index
 * instead of sorting every lot.
 */
import type { Migration } from './index.js';

export const lotFreshnessIndex: Migration = {
  version: 16,
  name: 'lot-freshness-index',
  sql: `CREATE INDEX lot_freshness_by_remaining ON lot_freshness (remaining_days, lot);`,
};
