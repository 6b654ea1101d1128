/** PostgreSQL migration 13: epochs, as SQLite migration 14 (../../migrations/014-epochs.ts). Heads and headers are TEXT, not JSONB: the canonical bytes must survive. */
import type { Migration } from '../../migrations/index.js';

export const epochs: Migration = {
  version: 13,
  name: 'epochs',
  sql: `
CREATE TABLE epoch_heads (
  epoch       BIGINT PRIMARY KEY,
  head        TEXT NOT NULL,
  sig         TEXT NOT NULL,
  head_hash   TEXT NOT NULL UNIQUE,
  tree_size   BIGINT NOT NULL,
  closed_at   BIGINT NOT NULL,
  created_at  BIGINT NOT NULL
);

CREATE TABLE epoch_leaves (
  epoch   BIGINT NOT NULL REFERENCES epoch_heads(epoch),
  idx     BIGINT NOT NULL,
  lot     TEXT COLLATE "C" NOT NULL,
  header  TEXT NOT NULL,
  PRIMARY KEY (epoch, idx),
  UNIQUE (epoch, lot)
);
CREATE INDEX epoch_leaves_by_lot ON epoch_leaves (lot, epoch);

CREATE INDEX lot_events_recorded ON lot_events (recorded_at);
`,
};
