/**
 * Migration 3: consumer cursors (DESIGN.md "Store": consumer cursors). An after-commit consumer
 * (ingest/consumers/) records here the position (batches.rid) of the last batch it has handled,
 * so it resumes, or replays after a rewind, from the store alone.
 */
import type { Migration } from './index.js';

export const consumerCursors: Migration = {
  version: 3,
  name: 'consumer-cursors',
  sql: `
CREATE TABLE consumer_cursors (
  name       TEXT PRIMARY KEY,
  -- rid of the last batch the consumer has handled; 0 = none.
  position   INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
`,
};
