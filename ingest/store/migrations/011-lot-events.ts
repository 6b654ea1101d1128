/**
 * Migration 11: lot events (issue 6, lot-event-types.ts).
 *
 * - lot_events: one row per recorded CTE/EPCIS event; `body` is the LotEvent without its
 *   contacts (stable JSON, compared on a repeated eventId), `contacts` the personal data kept
 *   apart so it can be erased (NULL: none or erased). from/to and the harvest key are columns
 *   for trace reads that must not parse bodies.
 * - lot_event_lots: the lots each event names (input, output or subject), by TLC and time.
 * - lot_lineage: parent → child TLC per transformation, clustered by parent (forward trace) and
 *   indexed by child (back trace).
 * - lots gains the product description and the event that assigned the TLC (NULL: the lot API).
 * - lot_custody's key becomes (lot, location, from_ts): a lot split by shipments is held at
 *   several locations at once, possibly from the same instant.
 */
import type { Migration } from './index.js';

export const lotEvents: Migration = {
  version: 11,
  name: 'lot-events',
  sql: `
CREATE TABLE lot_events (
  event_id           TEXT PRIMARY KEY,
  cte                TEXT NOT NULL,
  event_time         INTEGER NOT NULL,
  location           TEXT NOT NULL,
  from_location      TEXT,
  to_location        TEXT,
  source             TEXT NOT NULL,
  harvest_farm       TEXT,
  harvest_commodity  TEXT,
  harvest_day        TEXT,
  body               TEXT NOT NULL,
  contacts           TEXT,
  recorded_at        INTEGER NOT NULL
);
CREATE INDEX lot_events_by_harvest ON lot_events (harvest_farm, harvest_day) WHERE harvest_farm IS NOT NULL;

ALTER TABLE lots ADD COLUMN product_description TEXT;
ALTER TABLE lots ADD COLUMN assigned_by TEXT;

CREATE TABLE lot_event_lots (
  event_id    TEXT NOT NULL REFERENCES lot_events(event_id),
  idx         INTEGER NOT NULL,
  tlc         TEXT NOT NULL REFERENCES lots(id),
  role        TEXT NOT NULL CHECK (role IN ('input', 'output', 'subject')),
  quantity    REAL,
  uom         TEXT,
  event_time  INTEGER NOT NULL,
  PRIMARY KEY (event_id, idx)
);
CREATE INDEX lot_event_lots_by_tlc ON lot_event_lots (tlc, event_time);

CREATE TABLE lot_lineage (
  parent_tlc  TEXT NOT NULL REFERENCES lots(id),
  child_tlc   TEXT NOT NULL REFERENCES lots(id),
  event_id    TEXT NOT NULL REFERENCES lot_events(event_id),
  PRIMARY KEY (parent_tlc, child_tlc, event_id)
) WITHOUT ROWID;
CREATE INDEX lot_lineage_by_child ON lot_lineage (child_tlc, parent_tlc, event_id);

CREATE TABLE lot_custody_v11 (
  lot       TEXT NOT NULL REFERENCES lots(id),
  location  TEXT NOT NULL,
  from_ts   INTEGER NOT NULL,
  to_ts     INTEGER,
  PRIMARY KEY (lot, location, from_ts)
);
INSERT INTO lot_custody_v11 (lot, location, from_ts, to_ts) SELECT lot, location, from_ts, to_ts FROM lot_custody;
DROP TABLE lot_custody;
ALTER TABLE lot_custody_v11 RENAME TO lot_custody;
CREATE INDEX lot_custody_by_location ON lot_custody (location, from_ts);
`,
};
