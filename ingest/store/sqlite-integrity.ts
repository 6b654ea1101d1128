/**
 * Integrity findings (gaps, forks, alerts, evidence holds) and retention of the SQLite store.
 * The SQL is shared with PostgreSQL (integrity-sql.ts); what is SQLite-specific is the
 * transactions: one connection, synchronous calls, so a read-then-write inside an IMMEDIATE
 * transaction is atomic without ON CONFLICT tricks.
 */
import type Database from 'better-sqlite3';
import { readingRidSpan } from './committed-batches.js';
import {
  FORKS_SQL,
  gapsSql,
  INSERT_ALERT_COLUMNS,
  INSERT_HOLD_SQL,
  listAlertsSql,
  listHoldsSql,
  MAX_RID_SQL,
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
} from './integrity-sql.js';
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
} from './integrity-types.js';
import type { LocalSignal } from './local-signal.js';
import type { Row } from './sqlite-rows.js';
import { alertEventParams, INSERT_ALERT_EVENT_SQL, raiseEventType } from './alert-delivery-sql.js';
import type { AlertChange } from './alert-delivery-types.js';

type Statement = (sql: string) => Database.Statement;

export class SqliteIntegrity {
  constructor(
    private readonly db: Database.Database,
    private readonly sql: Statement,
    private readonly signal: LocalSignal,
  ) {}

  getRejection(gateway: string, rejectionId: number): StoredRejection | undefined {
    const row = this.sql(REJECTION_SQL).get(gateway, rejectionId) as Row | undefined;
    return row ? toStoredRejection(row) : undefined;
  }

  listForks(gateway: string): ForkReport[] {
    return toForkReports(gateway, this.sql(FORKS_SQL).all(gateway) as Row[]);
  }

  listGaps(gateway?: string): ChainGap[] {
    const stmt = this.sql(gapsSql(gateway !== undefined));
    return ((gateway === undefined ? stmt.all() : stmt.all(gateway)) as Row[]).map(toGap);
  }

  retentionFloor(gateway: string): number {
    return Number((this.sql(RETENTION_FLOOR_SQL).get(gateway) as Row | undefined)?.deleted_through_seq ?? 0);
  }

  raiseAlert(input: AlertInput): RaiseResult {
    return this.raiseAlerts([input])[0]!;
  }

  /** raiseAlert for each input, in order, in one transaction (one commit for a round's alerts). */
  raiseAlerts(inputs: readonly AlertInput[]): RaiseResult[] {
    if (inputs.length === 0) return [];
    return this.withEvents(() => {
      const raised = inputs.map((input) => this.raiseOne(input));
      return { result: raised.map((r) => r.result), events: raised.flatMap((r) => r.events) };
    });
  }

  private raiseOne(input: AlertInput): AlertChange<RaiseResult> {
    const details = JSON.stringify(input.details ?? {});
    const existing = this.sql("SELECT id, severity FROM alerts WHERE dedupe_key = ? AND status <> 'resolved'").get(input.dedupeKey) as Row | undefined;
    // The row is read back by id rather than with RETURNING *: in SQLite a write with RETURNING
    // costs about twice a plain write and a read by rowid (measured on raises of 3,000 lots' alerts).
    let id: number | bigint;
    if (existing) {
      id = existing.id as number;
      this.sql(
        `UPDATE alerts SET last_seen_at = MAX(last_seen_at, ?), occurrences = occurrences + 1, message = ?, details = ?,
           severity = CASE WHEN ? = 'critical' THEN 'critical' ELSE severity END
         WHERE id = ?`,
      ).run(input.at, input.message, details, input.severity, id);
    } else {
      id = this.sql(`INSERT INTO alerts ${INSERT_ALERT_COLUMNS} VALUES (?, ?, ?, ?, ?, 'open', ?, ?, 1, ?, ?)`).run(
        input.kind, input.severity, input.gateway ?? null, input.subject ?? null, input.dedupeKey, input.at, input.at, input.message, details,
      ).lastInsertRowid;
    }
    const result: RaiseResult = { alert: toAlert(this.sql(ALERT_BY_ID_SQL).get(id) as Row), opened: !existing };
    const type = raiseEventType(result.opened, existing?.severity as string | undefined, result.alert);
    return { result, events: type ? [{ type, alert: result.alert, at: input.at }] : [] };
  }

  resolveAlert(dedupeKey: string, at: number): boolean {
    return this.withEvents(() => {
      const rows = (this.sql(RESOLVE_ALERT_SQL).all(at, dedupeKey) as Row[]).map(toAlert);
      return { result: rows.length > 0, events: rows.map((alert) => ({ type: 'resolved' as const, alert, at })) };
    });
  }

  actOnAlert(id: number, a: AlertAction): AlertActionResult | undefined {
    return this.withEvents<AlertActionResult | undefined>(() => {
      const action = ALERT_ACTIONS[a.action];
      const changed = this.sql(action.sql).get(a.at, a.by, a.note ?? null, id) as Row | undefined;
      if (changed) {
        const alert = toAlert(changed);
        return { result: { alert, changed: true }, events: [{ type: action.event, alert, at: a.at }] };
      }
      const row = this.sql(ALERT_BY_ID_SQL).get(id) as Row | undefined;
      return { result: row ? { alert: toAlert(row), changed: false } : undefined, events: [] };
    });
  }

  /** `change` in an IMMEDIATE transaction with the alert events it reports; listeners hear of them after the commit. */
  private withEvents<T>(change: () => AlertChange<T>): T {
    const { result, events } = this.db
      .transaction(() => {
        const outcome = change();
        const now = Date.now();
        for (const e of outcome.events) this.sql(INSERT_ALERT_EVENT_SQL).run(...alertEventParams(e, now));
        return outcome;
      })
      .immediate();
    if (events.length > 0) this.signal.emit();
    return result;
  }

  listAlerts(query: AlertQuery): Alert[] {
    const { sql, params } = listAlertsSql(query);
    return (this.sql(sql).all(...params) as Row[]).map(toAlert);
  }

  addEvidenceHold(hold: NewEvidenceHold): EvidenceHold {
    const row = this.sql(INSERT_HOLD_SQL).get(hold.gateway, hold.fromSeq, hold.toSeq, hold.reason, hold.createdAt) as Row;
    return { id: Number(row.id), ...hold };
  }

  listEvidenceHolds(gateway?: string): EvidenceHold[] {
    const stmt = this.sql(listHoldsSql(gateway !== undefined));
    return ((gateway === undefined ? stmt.all() : stmt.all(gateway)) as Row[]).map(toHold);
  }

  listConsumerCursors(): ConsumerCursor[] {
    return (this.sql('SELECT name, position FROM consumer_cursors ORDER BY name').all() as Row[]).map((r) => ({ name: String(r.name), position: Number(r.position) }));
  }

  /** One retention step in one IMMEDIATE transaction (see Store.pruneBatches). */
  pruneBatches(step: PruneBatchesStep): PruneBatchesResult {
    return this.db
      .transaction((): PruneBatchesResult => {
        const after = step.after ?? { receivedAt: Number.MIN_SAFE_INTEGER, rid: 0 };
        const limit = Math.max(1, step.maxRows);
        const candidates = (this.sql(PRUNE_CANDIDATES_SQL).all(step.receivedBefore, after.receivedAt, after.receivedAt, after.rid, limit) as Row[]).map(toPruneCandidate);
        const newest = Number((this.sql(MAX_RID_SQL).get() as Row).m);
        const plan = planPrune(candidates, limit, Math.min(step.maxPosition ?? Infinity, newest - 1), step.maxRows);
        let deletedReadings = 0;
        for (const c of plan.remove) {
          const [first, last] = readingRidSpan(c.rid, c.rid);
          deletedReadings += this.sql('DELETE FROM readings WHERE rid BETWEEN ? AND ?').run(first, last).changes;
          this.sql('DELETE FROM batches WHERE rid = ?').run(c.rid);
        }
        const now = Date.now();
        for (const [gateway, seq] of plan.floors) {
          this.sql(
            `INSERT INTO retention_marks (gateway, deleted_through_seq, updated_at) VALUES (?, ?, ?)
             ON CONFLICT (gateway) DO UPDATE SET deleted_through_seq = MAX(deleted_through_seq, excluded.deleted_through_seq), updated_at = excluded.updated_at`,
          ).run(gateway, seq, now);
        }
        return { deletedBatches: plan.remove.length, deletedReadings, held: plan.held, unconsumed: plan.unconsumed, next: plan.next };
      })
      .immediate();
  }

  pruneRecords(kind: ExpiringRecords, before: number, maxRows: number): number {
    return this.sql(PRUNE_RECORDS_SQL[kind]).run(before, maxRows).changes;
  }
}
