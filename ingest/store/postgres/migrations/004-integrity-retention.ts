/**
 * PostgreSQL migration 4: chain integrity findings and retention, as SQLite migration 5
 * (../../migrations/005-integrity-retention.ts, which explains each table). details is JSONB,
 * so later rules can query into it. Indexes end with the row id where rows are read in
 * (…, id) order, as in 001-initial.ts.
 */
import type { Migration } from '../../migrations/index.js';

export const integrityRetention: Migration = {
  version: 4,
  name: 'integrity-retention',
  sql: `
CREATE TABLE alerts (
  id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind            TEXT NOT NULL,
  severity        TEXT NOT NULL CHECK (severity IN ('warning', 'critical')),
  gateway         TEXT COLLATE "C",
  subject         TEXT,
  dedupe_key      TEXT COLLATE "C" NOT NULL,
  status          TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'resolved')),
  opened_at       BIGINT NOT NULL,
  last_seen_at    BIGINT NOT NULL,
  occurrences     INTEGER NOT NULL DEFAULT 1,
  acknowledged_at BIGINT,
  resolved_at     BIGINT,
  message         TEXT NOT NULL,
  details         JSONB NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX alerts_dedupe_unresolved ON alerts (dedupe_key) WHERE status <> 'resolved';
CREATE INDEX alerts_opened ON alerts (opened_at, id);
CREATE INDEX alerts_gateway_opened ON alerts (gateway, opened_at, id);
CREATE INDEX alerts_resolved_at ON alerts (resolved_at) WHERE status = 'resolved';

CREATE TABLE evidence_holds (
  id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  gateway    TEXT COLLATE "C" NOT NULL,
  from_seq   BIGINT NOT NULL,
  to_seq     BIGINT NOT NULL,
  reason     TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  CHECK (from_seq <= to_seq)
);
CREATE INDEX evidence_holds_gateway ON evidence_holds (gateway, from_seq);

CREATE TABLE retention_marks (
  gateway             TEXT COLLATE "C" PRIMARY KEY,
  deleted_through_seq BIGINT NOT NULL,
  updated_at          BIGINT NOT NULL
);

CREATE INDEX batches_received_at ON batches (received_at, rid);
CREATE INDEX rejections_received_at ON rejections (received_at);
CREATE INDEX quarantine_received_at ON quarantine (received_at);
`,
};
