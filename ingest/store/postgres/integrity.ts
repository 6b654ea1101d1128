/**
 * Integrity findings (gaps, forks, alerts, evidence holds) and retention of the PostgreSQL
 * store, on the SQL it shares with SQLite (../integrity-sql.ts). Races between instances are
 * settled by the database: an alert raise is one INSERT … ON CONFLICT on the partial unique
 * index of not-resolved dedupe keys, and a retention step is one transaction that deletes
 * only batches every consumer cursor has passed, so the commit order consumers follow
 * (commit.ts, COMMIT_ORDER_LOCK_KEY) is not touched: deleting draws no rid and takes no lock
 * that commits wait for beyond the rows it deletes.
 */
import type pg from 'pg';
import { inTransaction } from './transaction.js';
import { raiseEventType } from '../alert-delivery-sql.js';
import { withAlertEvents } from './alert-delivery.js';
import {
  FORKS_SQL,
  gapsSql,
  INSERT_ALERT_COLUMNS,
  INSERT_HOLD_SQL,
  listAlertsSql,
  listHoldsSql,
  MAX_RID_SQL,
  numbered,
  planPrune,
  PRUNE_CANDIDATES_SQL,
  PRUNE_RECORDS_SQL,
  REJECTION_SQL,
  RESOLVE_ALERT_SQL,
  ALERT_BY_ID_SQL,
  ALERT_ACTIONS,
  RETENTION_FLOOR_SQL,
  toAlert,
  toForkReports,
  toGap,
  toHold,
  toPruneCandidate,
  toStoredRejection,
} from '../integrity-sql.js';
import type {
  Alert,
  AlertAction,
  AlertActionResult,
  AlertInput,
  AlertQuery,
  ChainGap,
  ConsumerCursor,
  EvidenceHold,
  ExpiringRecords,
  ForkReport,
  NewEvidenceHold,
  PruneBatchesResult,
  PruneBatchesStep,
  RaiseResult,
  StoredRejection,
} from '../integrity-types.js';
import { READING_SLOTS } from '../reading-ids.js';
import type { AlertChange, AlertEventDraft } from '../alert-delivery-types.js';
import type { LocalSignal } from '../local-signal.js';
import type { Row } from '../sqlite-rows.js';

// xmax = 0 on the returned row: this statement inserted it (an updated row carries our
// transaction id in xmax). The usual PostgreSQL idiom to tell an upsert's insert from its update.
// severity_before: the CTE reads the statement's snapshot, so it is the severity the update
// replaced (under the alert lock no other raise of the key runs in between).
const RAISE_ALERT_SQL = `WITH before AS (SELECT severity FROM alerts WHERE dedupe_key = $5 AND status <> 'resolved')
  INSERT INTO alerts ${INSERT_ALERT_COLUMNS}
  VALUES ($1, $2, $3, $4, $5, 'open', $6, $6, 1, $7, $8::jsonb)
  ON CONFLICT (dedupe_key) WHERE status <> 'resolved' DO UPDATE SET
    last_seen_at = GREATEST(alerts.last_seen_at, EXCLUDED.last_seen_at),
    occurrences = alerts.occurrences + 1,
    message = EXCLUDED.message,
    details = EXCLUDED.details,
    severity = CASE WHEN EXCLUDED.severity = 'critical' THEN 'critical' ELSE alerts.severity END
  RETURNING *, (xmax = 0) AS inserted, (SELECT severity FROM before) AS severity_before`;

const DELETE_READINGS_SQL = `DELETE FROM readings r USING unnest($1::bigint[]) AS d(rid)
  WHERE r.rid BETWEEN d.rid * ${READING_SLOTS} AND d.rid * ${READING_SLOTS} + ${READING_SLOTS - 1}`;

const RAISE_FLOORS_SQL = `INSERT INTO retention_marks (gateway, deleted_through_seq, updated_at)
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[])
  ON CONFLICT (gateway) DO UPDATE SET
    deleted_through_seq = GREATEST(retention_marks.deleted_through_seq, EXCLUDED.deleted_through_seq),
    updated_at = EXCLUDED.updated_at`;

export class PostgresIntegrity {
  constructor(
    private readonly pool: pg.Pool,
    private readonly signal: LocalSignal,
  ) {}

  async getRejection(gateway: string, rejectionId: number): Promise<StoredRejection | undefined> {
    const row = (await this.rows(numbered(REJECTION_SQL), [gateway, rejectionId]))[0];
    return row ? toStoredRejection(row) : undefined;
  }

  async listForks(gateway: string): Promise<ForkReport[]> {
    return toForkReports(gateway, await this.rows(numbered(FORKS_SQL), [gateway]));
  }

  async listGaps(gateway?: string): Promise<ChainGap[]> {
    return (await this.rows(numbered(gapsSql(gateway !== undefined)), gateway === undefined ? [] : [gateway])).map(toGap);
  }

  async retentionFloor(gateway: string): Promise<number> {
    return Number((await this.rows(numbered(RETENTION_FLOOR_SQL), [gateway]))[0]?.deleted_through_seq ?? 0);
  }

  async raiseAlert(a: AlertInput): Promise<RaiseResult> {
    return (await this.raiseAlerts([a]))[0]!;
  }

  /** raiseAlert for each input, in order, in one transaction (one commit for a round's alerts). */
  async raiseAlerts(inputs: readonly AlertInput[]): Promise<RaiseResult[]> {
    if (inputs.length === 0) return [];
    return withAlertEvents(this.pool, this.signal, async (client) => {
      const results: RaiseResult[] = [];
      const events: AlertEventDraft[] = [];
      for (const a of inputs) {
        const raised = await raiseOne(client, a);
        results.push(raised.result);
        events.push(...raised.events);
      }
      return { result: results, events };
    });
  }

  async resolveAlert(dedupeKey: string, at: number): Promise<boolean> {
    return withAlertEvents(this.pool, this.signal, async (client) => {
      const resolved = (await client.query<Row>(numbered(RESOLVE_ALERT_SQL), [at, dedupeKey])).rows.map(toAlert);
      return { result: resolved.length > 0, events: resolved.map((alert) => ({ type: 'resolved' as const, alert, at })) };
    });
  }

  async actOnAlert(id: number, a: AlertAction): Promise<AlertActionResult | undefined> {
    return withAlertEvents<AlertActionResult | undefined>(this.pool, this.signal, async (client) => {
      const action = ALERT_ACTIONS[a.action];
      const changed = (await client.query<Row>(numbered(action.sql), [a.at, a.by, a.note ?? null, id])).rows[0];
      if (changed) {
        const alert = toAlert(changed);
        return { result: { alert, changed: true }, events: [{ type: action.event, alert, at: a.at }] };
      }
      const row = (await client.query<Row>(numbered(ALERT_BY_ID_SQL), [id])).rows[0];
      return { result: row ? { alert: toAlert(row), changed: false } : undefined, events: [] };
    });
  }

  async listAlerts(query: AlertQuery): Promise<Alert[]> {
    const { sql, params } = listAlertsSql(query);
    return (await this.rows(numbered(sql), params)).map(toAlert);
  }

  async addEvidenceHold(hold: NewEvidenceHold): Promise<EvidenceHold> {
    const row = (await this.rows(numbered(INSERT_HOLD_SQL), [hold.gateway, hold.fromSeq, hold.toSeq, hold.reason, hold.createdAt]))[0]!;
    return { id: Number(row.id), ...hold };
  }

  async listEvidenceHolds(gateway?: string): Promise<EvidenceHold[]> {
    return (await this.rows(numbered(listHoldsSql(gateway !== undefined)), gateway === undefined ? [] : [gateway])).map(toHold);
  }

  async listConsumerCursors(): Promise<ConsumerCursor[]> {
    return (await this.rows('SELECT name, position FROM consumer_cursors ORDER BY name')).map((r) => ({ name: String(r.name), position: Number(r.position) }));
  }

  /** One retention step in one transaction on one pooled connection (see Store.pruneBatches). */
  pruneBatches(step: PruneBatchesStep): Promise<PruneBatchesResult> {
    return inTransaction(this.pool, async (client) => {
      const after = step.after ?? { receivedAt: Number.MIN_SAFE_INTEGER, rid: 0 };
      const limit = Math.max(1, step.maxRows);
      const candidates = (await client.query<Row>(numbered(PRUNE_CANDIDATES_SQL), [step.receivedBefore, after.receivedAt, after.receivedAt, after.rid, limit])).rows.map(toPruneCandidate);
      const newest = Number((await client.query<Row>(MAX_RID_SQL)).rows[0]!.m);
      const plan = planPrune(candidates, limit, Math.min(step.maxPosition ?? Infinity, newest - 1), step.maxRows);
      let deletedReadings = 0;
      if (plan.remove.length > 0) {
        const rids = plan.remove.map((c) => c.rid);
        deletedReadings = (await client.query(DELETE_READINGS_SQL, [rids])).rowCount ?? 0;
        await client.query('DELETE FROM batches WHERE rid = ANY($1::bigint[])', [rids]);
        const gateways = [...plan.floors.keys()];
        await client.query(RAISE_FLOORS_SQL, [gateways, gateways.map((g) => plan.floors.get(g)), gateways.map(() => Date.now())]);
      }
      return { deletedBatches: plan.remove.length, deletedReadings, held: plan.held, unconsumed: plan.unconsumed, next: plan.next };
    });
  }

  async pruneRecords(kind: ExpiringRecords, before: number, maxRows: number): Promise<number> {
    return (await this.pool.query(numbered(PRUNE_RECORDS_SQL[kind]), [before, maxRows])).rowCount ?? 0;
  }

  private async rows(sql: string, params: unknown[] = []): Promise<Row[]> {
    return (await this.pool.query<Row>(sql, params)).rows;
  }
}

/** One raise inside the caller's transaction, under the alert lock (withAlertEvents). */
async function raiseOne(client: pg.PoolClient, a: AlertInput): Promise<AlertChange<RaiseResult>> {
  const params = [a.kind, a.severity, a.gateway ?? null, a.subject ?? null, a.dedupeKey, a.at, a.message, JSON.stringify(a.details ?? {})];
  const row = (await client.query<Row>(RAISE_ALERT_SQL, params)).rows[0]!;
  const result = { alert: toAlert(row), opened: row.inserted === true };
  const type = raiseEventType(result.opened, (row.severity_before ?? undefined) as string | undefined, result.alert);
  return { result, events: type ? [{ type, alert: result.alert, at: a.at }] : [] };
}
