/**
 * Migration 5: chain integrity findings and retention (issue 4).
 *
 * - alerts: integrity alerts now, rule-based alerts later (acknowledge, resolve, webhooks). One
 *   not-resolved alert per dedupe key, enforced by a partial unique index, so a condition seen
 *   again bumps its alert instead of opening another; once resolved, the key is free again.
 * - evidence_holds: seq ranges of a gateway that evidence refers to (anchored epochs, legal
 *   holds); retention never deletes a batch inside one.
 * - retention_marks: per gateway the highest seq retention has deleted, so that the gap report
 *   does not count deleted batches as missing.
 * - Indexes on receipt time, so that retention finds expired rows without scanning the tables.
 *   On batches it costs one b-tree insert per batch (~200 readings), next to two per reading.
 */
import type { Migration } from './index.js';

export const integrityRetention: Migration = {
  version: 5,
  name: 'integrity-retention',
  sql: `
CREATE TABLE alerts (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  kind            TEXT NOT NULL,
  severity        TEXT NOT NULL,
  gateway         TEXT,
  subject         TEXT,
  dedupe_key      TEXT NOT NULL,
  status          TEXT NOT NULL DEFAULT 'open',
  opened_at       INTEGER NOT NULL,
  last_seen_at    INTEGER NOT NULL,
  occurrences     INTEGER NOT NULL DEFAULT 1,
  acknowledged_at INTEGER,
  resolved_at     INTEGER,
  message         TEXT NOT NULL,
  -- JSON object.
  details         TEXT NOT NULL DEFAULT '{}',
  CHECK (status IN ('open', 'acknowledged', 'resolved')),
  CHECK (severity IN ('warning', 'critical'))
);
CREATE UNIQUE INDEX alerts_dedupe_unresolved ON alerts (dedupe_key) WHERE status <> 'resolved';
CREATE INDEX alerts_opened ON alerts (opened_at);
CREATE INDEX alerts_gateway_opened ON alerts (gateway, opened_at);
CREATE INDEX alerts_resolved_at ON alerts (resolved_at) WHERE status = 'resolved';

CREATE TABLE evidence_holds (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  gateway    TEXT NOT NULL,
  from_seq   INTEGER NOT NULL,
  to_seq     INTEGER NOT NULL,
  reason     TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  CHECK (from_seq <= to_seq)
);
CREATE INDEX evidence_holds_gateway ON evidence_holds (gateway, from_seq);

CREATE TABLE retention_marks (
  gateway             TEXT PRIMARY KEY,
  -- Highest seq of the gateway deleted by retention.
  deleted_through_seq INTEGER NOT NULL,
  updated_at          INTEGER NOT NULL
);

CREATE INDEX batches_received_at ON batches (received_at);
CREATE INDEX rejections_received_at ON rejections (received_at);
CREATE INDEX quarantine_received_at ON quarantine (received_at);
`,
};
