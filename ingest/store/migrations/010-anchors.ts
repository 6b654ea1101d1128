/**
 * Migration 10: the anchoring job's queue and state (issue 6, anchor-types.ts). anchor_heads is
 * the durable queue of epoch heads; anchor_targets holds each target's persisted next nonce;
 * anchors one row per (target, epoch) with every broadcast (JSON array: hash, raw signed
 * transaction, fees, time) so a late inclusion of an older broadcast is recognised.
 */
import type { Migration } from './index.js';

export const anchors: Migration = {
  version: 10,
  name: 'anchors',
  sql: `
CREATE TABLE anchor_targets (
  name        TEXT PRIMARY KEY,
  chain_id    TEXT NOT NULL,
  contract    TEXT NOT NULL,
  anchorer    TEXT NOT NULL,
  next_nonce  INTEGER,
  last_error  TEXT,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);

CREATE TABLE anchor_heads (
  epoch       INTEGER PRIMARY KEY,
  head_hash   TEXT NOT NULL,
  leaf_count  INTEGER NOT NULL,
  created_at  INTEGER NOT NULL
);

CREATE TABLE anchors (
  target        TEXT NOT NULL,
  epoch         INTEGER NOT NULL,
  head_hash     TEXT NOT NULL,
  leaf_count    INTEGER NOT NULL,
  status        TEXT NOT NULL,
  nonce         INTEGER,
  broadcasts    TEXT NOT NULL DEFAULT '[]',
  sent_at       INTEGER,
  tx_hash       TEXT,
  block_number  INTEGER,
  block_hash    TEXT,
  confirmations INTEGER,
  last_error    TEXT,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  PRIMARY KEY (target, epoch)
);
CREATE INDEX anchors_open ON anchors (target, epoch) WHERE status <> 'final';
`,
};
