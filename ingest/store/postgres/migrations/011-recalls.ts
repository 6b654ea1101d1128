/** PostgreSQL migration 11: recalls, as SQLite migration 12 (../../migrations/012-recalls.ts). */
import type { Migration } from '../../migrations/index.js';

export const recalls: Migration = {
  version: 11,
  name: 'recalls',
  sql: `
CREATE TABLE recalls (
  id             BIGSERIAL PRIMARY KEY,
  reason         TEXT NOT NULL,
  classification TEXT,
  initiated_by   TEXT NOT NULL,
  created_at     BIGINT NOT NULL,
  lots           JSONB NOT NULL,
  affected_lots  JSONB NOT NULL,
  truncated      BOOLEAN NOT NULL
);

CREATE TABLE recall_notices (
  recall_id        BIGINT NOT NULL REFERENCES recalls (id),
  location         TEXT NOT NULL,
  lots             JSONB NOT NULL,
  held_lots        JSONB NOT NULL,
  notified_at      BIGINT NOT NULL,
  alert_id         BIGINT,
  acknowledged_at  BIGINT,
  acknowledged_by  TEXT,
  note             TEXT,
  PRIMARY KEY (recall_id, location)
);
`,
};
