/**
 * PostgreSQL migration 5: lots and their freshness, as SQLite migration 6
 * (../../migrations/006-lots.ts, which explains each table).
 */
import type { Migration } from '../../migrations/index.js';

export const lots: Migration = {
  version: 5,
  name: 'lots',
  sql: `
CREATE TABLE lots (
  id          TEXT COLLATE "C" PRIMARY KEY,
  commodity   TEXT NOT NULL,
  label       TEXT,
  created_at  BIGINT NOT NULL
);

CREATE TABLE lot_custody (
  lot       TEXT COLLATE "C" NOT NULL REFERENCES lots(id),
  location  TEXT COLLATE "C" NOT NULL,
  from_ts   BIGINT NOT NULL,
  to_ts     BIGINT,
  PRIMARY KEY (lot, from_ts)
);
CREATE INDEX lot_custody_by_location ON lot_custody (location, from_ts);

CREATE TABLE lot_freshness (
  lot                 TEXT COLLATE "C" PRIMARY KEY REFERENCES lots(id),
  used_fraction       DOUBLE PRECISION NOT NULL,
  water_loss_pct      DOUBLE PRECISION NOT NULL,
  chill_degree_hours  DOUBLE PRECISION NOT NULL,
  quality             DOUBLE PRECISION NOT NULL,
  remaining_days      DOUBLE PRECISION NOT NULL,
  through_ts          BIGINT NOT NULL
);

CREATE TABLE lot_freshness_history (
  lot                 TEXT COLLATE "C" NOT NULL REFERENCES lots(id),
  ts                  BIGINT NOT NULL,
  used_fraction       DOUBLE PRECISION NOT NULL,
  water_loss_pct      DOUBLE PRECISION NOT NULL,
  chill_degree_hours  DOUBLE PRECISION NOT NULL,
  quality             DOUBLE PRECISION NOT NULL,
  remaining_days      DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (lot, ts)
);

CREATE TABLE location_series (
  location  TEXT COLLATE "C" PRIMARY KEY,
  ts        BIGINT,
  temp_c    DOUBLE PRECISION,
  rh        DOUBLE PRECISION,
  rh_ts     BIGINT
);

CREATE TABLE shipments (
  id                   TEXT COLLATE "C" PRIMARY KEY,
  lot                  TEXT COLLATE "C" NOT NULL REFERENCES lots(id),
  destination          TEXT NOT NULL,
  eta                  BIGINT NOT NULL,
  transit_temp_c       DOUBLE PRECISION NOT NULL,
  min_days_on_arrival  DOUBLE PRECISION,
  created_at           BIGINT NOT NULL
);
CREATE INDEX shipments_by_lot ON shipments (lot, eta);
`,
};
