/**
 * PostgreSQL migration 1: the schema the SQLite store has after its migration 2 (see
 * ../../migrations/001-initial.ts and 002-reading-rids.ts), in PostgreSQL types. PostgreSQL had
 * no released schema before this, so it starts at SQLite's current layout instead of replaying
 * SQLite's history; the two version sequences are independent.
 *
 * - Times are UTC milliseconds in BIGINT; signed bytes are BYTEA; floats are DOUBLE PRECISION
 *   (SQLite's REAL is 8 bytes: PostgreSQL's REAL would round readings).
 * - Identifiers and the texts queries order by use COLLATE "C": byte order, as SQLite's BINARY
 *   collation, so both stores list gateways in the same order whatever the server locale.
 * - readings.rid = batches.rid × 65536 + position (../../reading-ids.ts), exactly as in SQLite.
 */
import type { Migration } from '../../migrations/index.js';

export const initial: Migration = {
  version: 1,
  name: 'initial',
  sql: `
CREATE TABLE gateways (
  id          TEXT COLLATE "C" PRIMARY KEY,
  public_key  TEXT NOT NULL,
  label       TEXT,
  enrolled_at BIGINT NOT NULL
);

-- (gateway, seq) is the idempotency key (DESIGN.md "Transport and acknowledgement"): commits
-- rely on this constraint, not on a prior read, to refuse a second row (postgres/commit.ts).
CREATE TABLE batches (
  rid           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  gateway       TEXT COLLATE "C" NOT NULL REFERENCES gateways(id),
  seq           BIGINT NOT NULL,
  id            TEXT COLLATE "C" NOT NULL UNIQUE,
  prev          TEXT NOT NULL,
  created_at    BIGINT NOT NULL,
  received_at   BIGINT NOT NULL,
  transport     TEXT NOT NULL,
  sig           TEXT NOT NULL,
  canonical     BYTEA NOT NULL,
  reading_count INTEGER NOT NULL,
  gap           BOOLEAN NOT NULL DEFAULT FALSE,
  clock_skew_ms BIGINT,
  -- Smallest and largest ts of the batch's readings.
  min_ts        BIGINT NOT NULL,
  max_ts        BIGINT NOT NULL,
  UNIQUE (gateway, seq)
);
-- Queries by gateway or by time alone find their batches through these (as in SQLite). A SQLite
-- index ends with the row id implicitly; here rid is spelled out, so that an index walk yields
-- rows already in the (…, rid) order the queries ask for and a LIMIT can stop it early.
CREATE INDEX batches_gateway_min_ts ON batches (gateway, min_ts, rid);
CREATE INDEX batches_max_ts ON batches (max_ts);

-- No foreign key can express rid → batch; commits write a batch and its readings in one transaction.
CREATE TABLE readings (
  rid       BIGINT PRIMARY KEY,
  sensor    TEXT COLLATE "C" NOT NULL,
  location  TEXT COLLATE "C" NOT NULL,
  ts        BIGINT NOT NULL,
  ts_source TEXT NOT NULL,
  temp_c    DOUBLE PRECISION,
  rh        DOUBLE PRECISION,
  battery   DOUBLE PRECISION,
  link      INTEGER,
  src       TEXT NOT NULL
);
-- A lot's history is the readings of a location over its custody interval (DESIGN.md "Lots").
-- Readings come back in (ts, rid) order: rid ends each index for the reason given above.
CREATE INDEX readings_location_ts ON readings (location, ts, rid);
CREATE INDEX readings_sensor_ts ON readings (sensor, ts, rid);

CREATE TABLE quarantine (
  gateway     TEXT COLLATE "C" NOT NULL,
  seq         BIGINT NOT NULL,
  id          TEXT COLLATE "C" NOT NULL,
  sig         TEXT NOT NULL,
  canonical   BYTEA NOT NULL,
  reason      TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  transport   TEXT NOT NULL,
  PRIMARY KEY (gateway, id)
);
CREATE INDEX quarantine_gateway_seq ON quarantine (gateway, seq);

CREATE TABLE rejections (
  rid            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code           TEXT NOT NULL,
  reason         TEXT NOT NULL,
  received_at    BIGINT NOT NULL,
  transport      TEXT NOT NULL,
  gateway        TEXT COLLATE "C",
  seq            BIGINT,
  id             TEXT,
  sig            TEXT,
  canonical      BYTEA,
  conflicts_with TEXT
);
CREATE INDEX rejections_gateway ON rejections (gateway, seq);
CREATE INDEX rejections_code ON rejections (code);
`,
};
