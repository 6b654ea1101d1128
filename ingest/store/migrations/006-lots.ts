/**
 * Migration 6: lots and their freshness (issue 5).
 *
 * - lots: one commodity per lot id.
 * - lot_custody: where a lot was when; at most one open interval (to_ts NULL) per lot, which
 *   the store keeps (moveLot closes it before opening the next). Indexed by location and start,
 *   so the lots at a location during a reading's time are found without a scan.
 * - lot_freshness: the model's carried state per lot (sums of docs/model.md §1) and its latest
 *   outputs; lot_freshness_history: points of it over time, for the curve in the dashboard.
 * - location_series: where each location's reading series stands (last temperature and
 *   humidity), so the next readings continue it.
 * - shipments: a lot on its way to a destination, with the planned transit temperature, the
 *   ETA and the receiver's minimum remaining shelf life on arrival.
 */
import type { Migration } from './index.js';

export const lots: Migration = {
  version: 6,
  name: 'lots',
  sql: `
CREATE TABLE lots (
  id          TEXT PRIMARY KEY,
  commodity   TEXT NOT NULL,
  label       TEXT,
  created_at  INTEGER NOT NULL
);

CREATE TABLE lot_custody (
  lot       TEXT NOT NULL REFERENCES lots(id),
  location  TEXT NOT NULL,
  from_ts   INTEGER NOT NULL,
  to_ts     INTEGER,
  PRIMARY KEY (lot, from_ts)
);
CREATE INDEX lot_custody_by_location ON lot_custody (location, from_ts);

CREATE TABLE lot_freshness (
  lot                 TEXT PRIMARY KEY REFERENCES lots(id),
  used_fraction       REAL NOT NULL,
  water_loss_pct      REAL NOT NULL,
  chill_degree_hours  REAL NOT NULL,
  quality             REAL NOT NULL,
  remaining_days      REAL NOT NULL,
  through_ts          INTEGER NOT NULL
);

CREATE TABLE lot_freshness_history (
  lot                 TEXT NOT NULL REFERENCES lots(id),
  ts                  INTEGER NOT NULL,
  used_fraction       REAL NOT NULL,
  water_loss_pct      REAL NOT NULL,
  chill_degree_hours  REAL NOT NULL,
  quality             REAL NOT NULL,
  remaining_days      REAL NOT NULL,
  PRIMARY KEY (lot, ts)
);

CREATE TABLE location_series (
  location  TEXT PRIMARY KEY,
  ts        INTEGER,
  temp_c    REAL,
  rh        REAL,
  rh_ts     INTEGER
);

CREATE TABLE shipments (
  id                   TEXT PRIMARY KEY,
  lot                  TEXT NOT NULL REFERENCES lots(id),
  destination          TEXT NOT NULL,
  eta                  INTEGER NOT NULL,
  transit_temp_c       REAL NOT NULL,
  min_days_on_arrival  REAL,
  created_at           INTEGER NOT NULL
);
CREATE INDEX shipments_by_lot ON shipments (lot, eta);
`,
};
