/**
 * Test support: a throwaway PostgreSQL database per test file run, created through the
 * maintenance database and dropped afterwards, so tests never touch data they did not write.
 * FRESHTRAIL_TEST_PG_URL names the maintenance database (default postgres://127.0.0.1:5432/postgres,
 * as the OS user, trust authentication).
 */
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import pg from 'pg';

export const PG_HOST = '127.0.0.1';
export const PG_PORT = 5432;
// The user is named explicitly: pg reads it from $USER, which a CI container may not set.
const MAINTENANCE_URL = process.env.FRESHTRAIL_TEST_PG_URL ?? `postgres://${encodeURIComponent(process.env.PGUSER ?? userInfo().username)}@${PG_HOST}:${PG_PORT}/postgres`;

export interface TestDatabase {
  /** URL of the new, empty database. */
  url: string;
  /** Drops the database, closing connections that are still open to it. */
  drop(): Promise<void>;
}

async function onMaintenance<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: MAINTENANCE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  // A random lowercase name needs no quoting; CREATE DATABASE takes no parameters.
  const name = `ft_test_${randomBytes(6).toString('hex')}`;
  await onMaintenance((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(MAINTENANCE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    // WITH (FORCE) (PostgreSQL 13+) ends connections a failed test may have left open.
    drop: () => onMaintenance((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** Empties every store table of `url` (the schema stays), so each contract test starts empty. */
export async function truncateStore(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // The audit log refuses TRUNCATE by trigger; triggers do not fire in replica mode (tests connect as a superuser).
    await client.query('SET session_replication_role = replica');
    await client.query('TRUNCATE api_keys, parties, audit_log, gateways, batches, readings, quarantine, rejections, consumer_cursors, join_tokens, join_requests, alerts, evidence_holds, retention_marks, lots, lot_custody, lot_freshness, lot_freshness_history, location_series, shipments, alert_events, alert_channels, alert_deliveries, sensor_activity, anchor_targets, anchor_heads, anchors, lot_events, lot_event_lots, lot_lineage, recalls, recall_notices, epoch_heads, epoch_leaves RESTART IDENTITY CASCADE');
  } finally {
    await client.end();
  }
}
