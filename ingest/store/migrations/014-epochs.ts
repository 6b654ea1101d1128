/**
 * Migration 14: epochs (issue 6, epoch-types.ts, docs/anchoring.md "Epochs").
 *
 * - epoch_heads: one signed head per closed epoch; `head` is its canonical JSON (the signed
 *   bytes), `head_hash` their SHA-256 (what is anchored).
 * - epoch_leaves: the leaves of each epoch's tree in order; `header` is the lot evidence header
 *   with its salt, as canonical JSON (the leaf data). A lot appears at most once per epoch;
 *   indexed by lot for a lot's evidence, newest first.
 * - lot_events gains an index on recorded_at: the epoch builder asks for the lots named by
 *   events recorded since the last close.
 */
import type { Migration } from './index.js';

export const epochs: Migration = {
  version: 14,
  name: 'epochs',
  sql: `
CREATE TABLE epoch_heads (
  epoch       INTEGER PRIMARY KEY,
  head        TEXT NOT NULL,
  sig         TEXT NOT NULL,
  head_hash   TEXT NOT NULL UNIQUE,
  tree_size   INTEGER NOT NULL,
  closed_at   INTEGER NOT NULL,
  created_at  INTEGER NOT NULL
);

CREATE TABLE epoch_leaves (
  epoch   INTEGER NOT NULL REFERENCES epoch_heads(epoch),
  idx     INTEGER NOT NULL,
  lot     TEXT NOT NULL,
  header  TEXT NOT NULL,
  PRIMARY KEY (epoch, idx),
  UNIQUE (epoch, lot)
);
CREATE INDEX epoch_leaves_by_lot ON epoch_leaves (lot, epoch);

CREATE INDEX lot_events_recorded ON lot_events (recorded_at);
`,
};
