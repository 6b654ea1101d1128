/**
 * Migration 7: who acknowledged and who resolved an alert, and why (issue 5: the alert
 * lifecycle open → acknowledged → resolved, with who and when). NULL *_by on a resolved alert:
 * resolved by the service itself (the condition went away).
 */
import type { Migration } from './index.js';

export const alertLifecycle: Migration = {
  version: 7,
  name: 'alert-lifecycle',
  sql: `
ALTER TABLE alerts ADD COLUMN acknowledged_by TEXT;
ALTER TABLE alerts ADD COLUMN resolved_by TEXT;
ALTER TABLE alerts ADD COLUMN note TEXT;
`,
};
