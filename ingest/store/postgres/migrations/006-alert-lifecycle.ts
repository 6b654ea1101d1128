/**
 * PostgreSQL migration 6: who acknowledged and who resolved an alert, as SQLite migration 7
 * (../../migrations/007-alert-lifecycle.ts).
 */
import type { Migration } from '../../migrations/index.js';

export const alertLifecycle: Migration = {
  version: 6,
  name: 'alert-lifecycle',
  sql: `
ALTER TABLE alerts ADD COLUMN acknowledged_by TEXT;
ALTER TABLE alerts ADD COLUMN resolved_by TEXT;
ALTER TABLE alerts ADD COLUMN note TEXT;
`,
};
