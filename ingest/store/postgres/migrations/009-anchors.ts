/**
 * PostgreSQL migration 9: the anchoring job's queue and state, as SQLite migration 10
 * (../../migrations/010-anchors.ts). broadcasts stays TEXT (JSON) so one SQL text serves both.
 */
import type { Migration } from '../../migrations/index.js';

export const anchors: Migration = {
  version: 9,
  name: 'anchors',
  sql: `
CREATE TABLE anchor_targets (
  name        TEXT PRIMARY KEY,
  chain_id    TEXT NOT NULL,
  contract    TEXT NOT NULL,
  anchorer    TEXT NOT NULL,
  next_nonce  BIGINT,
  last_error  TEXT,
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL
);

CREATE TABLE anchor_heads (
  epoch       BIGINT PRIMARY KEY,
  head_hash   TEXT NOT NULL,
  leaf_count  BIGINT NOT NULL,
  created_at  BIGINT NOT NULL
);

CREATE TABLE anchors (
  target        TEXT NOT NULL,
  epoch         BIGINT NOT NULL,
  head_hash     TEXT NOT NULL,
  leaf_count    BIGINT NOT NULL,
  status        TEXT NOT NULL,
  nonce         BIGINT,
  broadcasts    TEXT NOT NULL DEFAULT '[]',
  sent_at       BIGINT,
  tx_hash       TEXT,
  block_number  BIGINT,
  block_hash    TEXT,
  confirmations BIGINT,
  last_error    TEXT,
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL,
  PRIMARY KEY (target, epoch)
);
CREATE INDEX anchors_open ON anchors (target, epoch) WHERE status <> 'final';
`,
};
