/** PostgreSQL migration 14: API access, as SQLite migration 15 (../../migrations/015-auth.ts); a trigger refuses UPDATE, DELETE and TRUNCATE of the audit log. */
import type { Migration } from '../../migrations/index.js';

export const auth: Migration = {
  version: 14,
  name: 'auth',
  sql: `
CREATE TABLE api_keys (
  id            TEXT COLLATE "C" PRIMARY KEY,
  label         TEXT NOT NULL,
  role          TEXT NOT NULL,
  party         TEXT,
  scopes        TEXT NOT NULL,
  secret_hash   TEXT NOT NULL,
  created_at    BIGINT NOT NULL,
  created_by    TEXT NOT NULL,
  expires_at    BIGINT,
  revoked_at    BIGINT,
  revoked_by    TEXT,
  last_used_at  BIGINT
);

CREATE TABLE parties (
  id          TEXT COLLATE "C" PRIMARY KEY,
  name        TEXT NOT NULL,
  locations   TEXT NOT NULL,
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL
);

CREATE TABLE audit_log (
  id         BIGINT PRIMARY KEY,
  at         BIGINT NOT NULL,
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
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
`,
};
