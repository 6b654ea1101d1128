/**
 * Migration 12: recalls (issue 6, ingest/recalls/): the lots recalled and every lot downstream of
 * them, and one notice per location that held or received any of them, with its acknowledgement.
 */
import type { Migration } from './index.js';

export const recalls: Migration = {
  version: 12,
  name: 'recalls',
  sql: `
CREATE TABLE recalls (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  reason         TEXT NOT NULL,
  classification TEXT,
  initiated_by   TEXT NOT NULL,
  created_at     INTEGER NOT NULL,
  lots           TEXT NOT NULL,
  affected_lots  TEXT NOT NULL,
  truncated      INTEGER NOT NULL
);

CREATE TABLE recall_notices (
  recall_id        INTEGER NOT NULL REFERENCES recalls (id),
  location         TEXT NOT NULL,
  lots             TEXT NOT NULL,
  held_lots        TEXT NOT NULL,
  notified_at      INTEGER NOT NULL,
  alert_id         INTEGER,
  acknowledged_at  INTEGER,
  acknowledged_by  TEXT,
  note             TEXT,
  PRIMARY KEY (recall_id, location)
);
`,
};
