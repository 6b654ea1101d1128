/**
 * Migration 1: gateways, batches (exact signed bytes), readings, quarantine, rejections.
 * Types are those SQLite and PostgreSQL share in spirit (INTEGER ↔ BIGINT, BLOB ↔ BYTEA), so
 * the PostgreSQL store can mirror this file one table at a time.
 */
import type { Migration } from './index.js';

export const initial: Migration = {
  version: 1,
  name: 'initial',
  sql: `
CREATE TABLE gateways (
  id          TEXT PRIMARY KEY,
  public_key  TEXT NOT NULL,
  label       TEXT,
  enrolled_at INTEGER NOT NULL
);

-- (gateway, seq) is the idempotency key (DESIGN.md "Transport and acknowledgement"); the id is
-- SHA-256 of canonical bytes that name the gateway and seq, so it is unique as well.
CREATE TABLE batches (
  gateway       TEXT NOT NULL REFERENCES gateways(id),
  seq           INTEGER NOT NULL,
  id            TEXT NOT NULL UNIQUE,
  prev          TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  received_at   INTEGER NOT NULL,
  transport     TEXT NOT NULL,
  sig           TEXT NOT NULL,
  canonical     BLOB NOT NULL,
  reading_count INTEGER NOT NULL,
  gap           INTEGER NOT NULL DEFAULT 0,
  clock_skew_ms INTEGER,
  PRIMARY KEY (gateway, seq)
);

CREATE TABLE readings (
  batch_id  TEXT NOT NULL REFERENCES batches(id),
  idx       INTEGER NOT NULL,
  gateway   TEXT NOT NULL,
  seq       INTEGER NOT NULL,
  sensor    TEXT NOT NULL,
  location  TEXT NOT NULL,
  ts        INTEGER NOT NULL,
  ts_source TEXT NOT NULL,
  temp_c    REAL,
  rh        REAL,
  battery   REAL,
  link      INTEGER,
  src       TEXT NOT NULL,
  PRIMARY KEY (batch_id, idx)
);
-- A lot's history is the readings of a location over its custody interval (DESIGN.md "Lots").
CREATE INDEX readings_location_ts ON readings (location, ts);
CREATE INDEX readings_sensor_ts ON readings (sensor, ts);
CREATE INDEX readings_gateway_ts ON readings (gateway, ts);
CREATE INDEX readings_ts ON readings (ts);

CREATE TABLE quarantine (
  gateway     TEXT NOT NULL,
  seq         INTEGER NOT NULL,
  id          TEXT NOT NULL,
  sig         TEXT NOT NULL,
  canonical   BLOB NOT NULL,
  reason      TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  transport   TEXT NOT NULL,
  PRIMARY KEY (gateway, id)
);
CREATE INDEX quarantine_gateway_seq ON quarantine (gateway, seq);

CREATE TABLE rejections (
  rid            INTEGER PRIMARY KEY AUTOINCREMENT,
  code           TEXT NOT NULL,
  reason         TEXT NOT NULL,
  received_at    INTEGER NOT NULL,
  transport      TEXT NOT NULL,
  gateway        TEXT,
  seq            INTEGER,
  id             TEXT,
  sig            TEXT,
  canonical      BLOB,
  conflicts_with TEXT
);
CREATE INDEX rejections_gateway ON rejections (gateway, seq);
CREATE INDEX rejections_code ON rejections (code);
`,
};
