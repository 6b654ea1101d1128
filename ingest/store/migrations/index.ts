/**
 * Versioned schema migrations, applied in order at open and recorded in `schema_migrations`.
 * Never edit a released migration: add the next one. Migrations are TypeScript modules rather
 * than .sql files so they ship inside the compiled package (tsc copies no other files).
 */
import { initial } from './001-initial.js';
import { readingRids } from './002-reading-rids.js';
import { consumerCursors } from './003-consumer-cursors.js';
import { gatewayIdentity } from './004-gateway-identity.js';
import { integrityRetention } from './005-integrity-retention.js';
import { lots } from './006-lots.js';
import { alertLifecycle } from './007-alert-lifecycle.js';
import { alertDelivery } from './008-alert-delivery.js';
import { sensorActivity } from './009-sensor-activity.js';
import { anchors } from './010-anchors.js';
import { lotEvents } from './011-lot-events.js';
import { recalls } from './012-recalls.js';
import { eventTimeIndex } from './013-event-time-index.js';
import { epochs } from './014-epochs.js';
import { auth } from './015-auth.js';
import { lotFreshnessIndex } from './016-lot-freshness-index.js';

export interface Migration {
  /** 1, 2, 3, …: applied in ascending order, each exactly once. */
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [initial, readingRids, consumerCursors, gatewayIdentity, integrityRetention, lots, alertLifecycle, alertDelivery, sensorActivity, anchors, lotEvents, recalls, eventTimeIndex, epochs, auth, lotFreshnessIndex];

/**
 * The migrations a database still needs, in version order, given the versions it has applied.
 * Refuses a database newer than this code: running old code on it could corrupt it.
 */
export function pendingMigrations(applied: ReadonlySet<number>, migrations: readonly Migration[]): Migration[] {
  const known = Math.max(0, ...migrations.map((m) => m.version));
  const newest = Math.max(0, ...applied);
  if (newest > known) throw new Error(`the database schema is version ${newest} but this FreshTrail knows up to ${known}: upgrade FreshTrail`);
  return [...migrations].sort((a, b) => a.version - b.version).filter((m) => !applied.has(m.version));
}
