/**
 * Migration 2: readings keyed by their batch's row id (ingest/store/reading-ids.ts) instead of
 * (batch_id, idx), so that a commit writes 3 b-trees per reading instead of 5.
 *
 * - batches gets an explicit `rid INTEGER PRIMARY KEY`: an implicit rowid may change on VACUUM,
 *   and readings now point at it. It also gets the range of its readings' timestamps
 *   (min_ts, max_ts), so that queries by gateway or by time alone, and retention, go through
 *   batches (one row per 200 readings or so) instead of an index on every reading.
 * - readings keeps what only a reading knows; batch id, gateway and seq come from its batch.
 *   Indexes: (location, ts) for a lot's history (DESIGN.md "Lots": the readings of a location
 *   over a custody interval) and (sensor, ts) for a sensor's time series. The (gateway, ts) and
 *   (ts) indexes are gone: those queries go through batches.
 *
 * Existing rows are copied in commit order; 65536 is READING_SLOTS of reading-ids.ts. The
 * tables are renamed and rebuilt rather than altered (https://www.sqlite.org/lang_altertable.html
 * §7); with foreign_keys on, renaming batches rewrites the reference of the old readings table.
 */
import type { Migration } from './index.js';

export const readingRids: Migration = {
  version: 2,
  name: 'reading-rids',
  sql: `
DROP INDEX readings_location_ts;
DROP INDEX readings_sensor_ts;
DROP INDEX readings_gateway_ts;
DROP INDEX readings_ts;
ALTER TABLE readings RENAME TO readings_v1;
ALTER TABLE batches RENAME TO batches_v1;

CREATE TABLE batches (
  rid           INTEGER PRIMARY KEY,
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
  -- Smallest and largest ts of the batch's readings.
  min_ts        INTEGER NOT NULL,
  max_ts        INTEGER NOT NULL,
  UNIQUE (gateway, seq)
);
INSERT INTO batches (gateway, seq, id, prev, created_at, received_at, transport, sig, canonical, reading_count, gap, clock_skew_ms, min_ts, max_ts)
SELECT b.gateway, b.seq, b.id, b.prev, b.created_at, b.received_at, b.transport, b.sig, b.canonical, b.reading_count, b.gap, b.clock_skew_ms,
       COALESCE((SELECT MIN(r.ts) FROM readings_v1 r WHERE r.batch_id = b.id), b.created_at),
       COALESCE((SELECT MAX(r.ts) FROM readings_v1 r WHERE r.batch_id = b.id), b.created_at)
FROM batches_v1 b ORDER BY b.rowid;

-- rid = batch rid * 65536 + position in the batch; no foreign key can express that, so
-- commitBatch writes a batch and its readings in one transaction.
CREATE TABLE readings (
  rid       INTEGER PRIMARY KEY,
  sensor    TEXT NOT NULL,
  location  TEXT NOT NULL,
  ts        INTEGER NOT NULL,
  ts_source TEXT NOT NULL,
  temp_c    REAL,
  rh        REAL,
  battery   REAL,
  link      INTEGER,
  src       TEXT NOT NULL
);
INSERT INTO readings (rid, sensor, location, ts, ts_source, temp_c, rh, battery, link, src)
SELECT b.rid * 65536 + r.idx, r.sensor, r.location, r.ts, r.ts_source, r.temp_c, r.rh, r.battery, r.link, r.src
FROM batches b CROSS JOIN readings_v1 r ON r.batch_id = b.id
ORDER BY b.rid, r.idx;

DROP TABLE readings_v1;
DROP TABLE batches_v1;

CREATE INDEX readings_location_ts ON readings (location, ts);
CREATE INDEX readings_sensor_ts ON readings (sensor, ts);
-- Queries by gateway or by time alone, and retention, find their batches through these.
CREATE INDEX batches_gateway_min_ts ON batches (gateway, min_ts);
CREATE INDEX batches_max_ts ON batches (max_ts);
`,
};
