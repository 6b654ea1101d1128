/**
 * PostgreSQL migration 10: lot events, as SQLite migration 11
 * (../../migrations/011-lot-events.ts, which explains each table).
 */
import type { Migration } from '../../migrations/index.js';

export const lotEvents: Migration = {
  version: 10,
  name: 'lot-events',
  sql: `
CREATE TABLE lot_events (
  event_id           TEXT COLLATE "C" PRIMARY KEY,
  cte                TEXT NOT NULL,
  event_time         BIGINT NOT NULL,
  location           TEXT COLLATE "C" NOT NULL,
  from_location      TEXT COLLATE "C",
  to_location        TEXT COLLATE "C",
  source             TEXT NOT NULL,
  harvest_farm       TEXT COLLATE "C",
  harvest_commodity  TEXT COLLATE "C",
  harvest_day        TEXT COLLATE "C",
  body               TEXT NOT NULL,
  contacts           TEXT,
  recorded_at        BIGINT NOT NULL
);
CREATE INDEX lot_events_by_harvest ON lot_events (harvest_farm, harvest_day) WHERE harvest_farm IS NOT NULL;

ALTER TABLE lots ADD COLUMN product_description TEXT, ADD COLUMN assigned_by TEXT COLLATE "C";

CREATE TABLE lot_event_lots (
  event_id    TEXT COLLATE "C" NOT NULL REFERENCES lot_events(event_id),
  idx         INTEGER NOT NULL,
  tlc         TEXT COLLATE "C" NOT NULL REFERENCES lots(id),
  role        TEXT NOT NULL CHECK (role IN ('input', 'output', 'subject')),
  quantity    DOUBLE PRECISION,
  uom         TEXT,
  event_time  BIGINT NOT NULL,
  PRIMARY KEY (event_id, idx)
);
CREATE INDEX lot_event_lots_by_tlc ON lot_event_lots (tlc, event_time);

CREATE TABLE lot_lineage (
  parent_tlc  TEXT COLLATE "C" NOT NULL REFERENCES lots(id),
  child_tlc   TEXT COLLATE "C" NOT NULL REFERENCES lots(id),
  event_id    TEXT COLLATE "C" NOT NULL REFERENCES lot_events(event_id),
  PRIMARY KEY (parent_tlc, child_tlc, event_id)
);
CREATE INDEX lot_lineage_by_child ON lot_lineage (child_tlc, parent_tlc, event_id);

ALTER TABLE lot_custody DROP CONSTRAINT lot_custody_pkey, ADD PRIMARY KEY (lot, location, from_ts);
`,
};
