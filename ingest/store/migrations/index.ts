/**
 * Versioned schema migrations, applied in order at open and recorded in `schema_migrations`.
 * Never edit a released migration: add the next one. Migrations are TypeScript modules rather
 * than .sql files so they ship inside the compiled package (tsc copies no other files).
 */
import { initial } from './001-initial.js';
import { readingRids } from './002-reading-rids.js';
import { consumerCursors } from './003-consumer-cursors.js';

export interface Migration {
  /** 1, 2, 3, …: applied in ascending order, each exactly once. */
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [initial, readingRids, consumerCursors];
