/**
 * Versioned schema migrations of the PostgreSQL store, applied in order at open and recorded in
 * its `schema_migrations` table. Never edit a released migration: add the next one. TypeScript
 * modules, like the SQLite ones, so they ship inside the compiled package.
 */
import type { Migration } from '../../migrations/index.js';
import { initial } from './001-initial.js';
import { consumerCursors } from './002-consumer-cursors.js';
import { gatewayIdentity } from './003-gateway-identity.js';
import { integrityRetention } from './004-integrity-retention.js';
import { lots } from './005-lots.js';
import { alertLifecycle } from './006-alert-lifecycle.js';
import { alertDelivery } from './007-alert-delivery.js';
import { sensorActivity } from './008-sensor-activity.js';
import { anchors } from './009-anchors.js';
import { lotEvents } from './010-lot-events.js';
import { recalls } from './011-recalls.js';
import { eventTimeIndex } from './012-event-time-index.js';
import { epochs } from './013-epochs.js';
import { auth } from './014-auth.js';
import { lotFreshnessIndex } from './015-lot-freshness-index.js';

export const PG_MIGRATIONS: readonly Migration[] = [initial, consumerCursors, gatewayIdentity, integrityRetention, lots, alertLifecycle, alertDelivery, sensorActivity, anchors, lotEvents, recalls, eventTimeIndex, epochs, auth, lotFreshnessIndex];
