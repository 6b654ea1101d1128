/**
 * Migration 15: API access (issue 7, auth-types.ts). api_keys keeps a SHA-256 of each key's
 * secret, never the secret; parties map a business to the locations it operates; audit_log is
 * append-only (triggers refuse UPDATE and DELETE) and hash-chained (ingest/auth/audit-chain.ts).
 */
import type { Migration } from './index.js';

export const auth: Migration = {
  version: 15,
  name: 'auth',
  sql: `
CREATE TABLE api_keys (
  id            TEXT PRIMARY KEY,
  label         TEXT NOT NULL,
  role          TEXT NOT NULL,
  party         TEXT,
  scopes        TEXT NOT NULL,
  secret_hash   TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  created_by    TEXT NOT NULL,
  expires_at    INTEGER,
  revoked_at    INTEGER,
  revoked_by    TEXT,
  last_used_at  INTEGER
);

CREATE TABLE parties (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  locations   TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);

CREATE TABLE audit_log (
  id         INTEGER PRIMARY KEY,
  at         INTEGER NOT NULL,
  actor      TEXT NOT NULL,
  role       TEXT,
  party      TEXT,
  action     TEXT NOT NULL,
  resource   TEXT NOT NULL,
  outcome    TEXT NOT NULL,
  ip         TEXT,
  detail     TEXT,
  prev_hash  TEXT NOT NULL,
  hash       TEXT NOT NULL UNIQUE
);
CREATE INDEX audit_log_by_action ON audit_log (action, id);
CREATE INDEX audit_log_by_actor ON audit_log (actor, id);
CREATE INDEX audit_log_by_resource ON audit_log (resource, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
`,
};
