/**
 * PostgreSQL migration 2: consumer cursors, as SQLite migration 3 (../../migrations/003-consumer-cursors.ts).
 */
import type { Migration } from '../../migrations/index.js';

export const consumerCursors: Migration = {
  version: 2,
  name: 'consumer-cursors',
  sql: `
CREATE TABLE consumer_cursors (
  name       TEXT COLLATE "C" PRIMARY KEY,
  -- rid of the last batch the consumer has handled; 0 = none.
  position   BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
`,
};
