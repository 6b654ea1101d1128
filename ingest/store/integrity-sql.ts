/**
 * What the SQLite and PostgreSQL stores share for integrity findings and retention: SQL texts
 * written with `?` placeholders (the PostgreSQL store numbers them, see {@link numbered}), row
 * mappers, and the plan of one retention step. Both schemas name and type the columns alike
 * (migrations 005 / pg 004), so one text serves both.
 */
import type {
  Alert,
  AlertAction,
  AlertKind,
  AlertQuery,
  AlertSeverity,
  AlertStatus,
  ChainGap,
  EvidenceHold,
  ExpiringRecords,
  ForkReport,
  PruneCursor,
  StoredRejection,
} from './integrity-types.js';
import { opt, toRejection, type Row } from './sqlite-rows.js';
import { whereOf } from './sql-where.js';
import type { AlertEventType } from './alert-delivery-types.js';
import type { Transport } from './types.js';

/** `?` → `$1`, `$2`, … in order, for PostgreSQL. The texts here contain no other `?`. */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/**
 * Missing seqs per gateway. LEAD over each gateway's seqs (the (gateway, seq) unique index,
 * read in order) pairs every seq with the next stored one; a difference above 1 is a gap. A
 * virtual row at the retention floor (0 when retention deleted nothing) starts each chain, so
 * missing first seqs count and seqs retention deleted do not. Only gap rows are joined back to
 * batches for the receipt time of the batch after the gap.
 */
export function gapsSql(oneGateway: boolean): string {
  return `
WITH floors AS (
  SELECT g.id AS gateway, COALESCE(m.deleted_through_seq, 0) AS floor_seq
  FROM gateways g LEFT JOIN retention_marks m ON m.gateway = g.id
  ${oneGateway ? 'WHERE g.id = ?' : ''}
),
chain AS (
  SELECT gateway, floor_seq AS seq FROM floors
  UNION ALL
  SELECT b.gateway, b.seq FROM batches b JOIN floors f ON f.gateway = b.gateway WHERE b.seq > f.floor_seq
),
steps AS (
  SELECT gateway, seq, LEAD(seq) OVER (PARTITION BY gateway ORDER BY seq) AS next_seq FROM chain
)
SELECT s.gateway, s.seq + 1 AS from_seq, s.next_seq - 1 AS to_seq, n.received_at AS since
FROM steps s JOIN batches n ON n.gateway = s.gateway AND n.seq = s.next_seq
WHERE s.next_seq > s.seq + 1
ORDER BY s.gateway, s.seq`;
}

export function toGap(r: Row): ChainGap {
  const fromSeq = Number(r.from_seq);
  const toSeq = Number(r.to_seq);
  return { gateway: String(r.gateway), fromSeq, toSeq, count: toSeq - fromSeq + 1, since: Number(r.since) };
}

export const RETENTION_FLOOR_SQL = 'SELECT deleted_through_seq FROM retention_marks WHERE gateway = ?';

export const FORKS_SQL = `
SELECT r.rid, r.seq, r.id, r.received_at, r.transport, r.conflicts_with,
       b.id AS stored_id, b.received_at AS stored_received_at, b.transport AS stored_transport
FROM rejections r LEFT JOIN batches b ON b.gateway = r.gateway AND b.seq = r.seq
WHERE r.gateway = ? AND r.code = 'FT_ERR_FORK' AND r.seq IS NOT NULL
ORDER BY r.seq, r.rid`;

/** Groups FORKS_SQL rows (in seq order) into one report per seq. */
export function toForkReports(gateway: string, rows: Row[]): ForkReport[] {
  const reports: ForkReport[] = [];
  for (const r of rows) {
    const seq = Number(r.seq);
    let report = reports.at(-1);
    if (report?.seq !== seq) {
      report = {
        gateway,
        seq,
        stored: r.stored_id == null ? undefined : { id: String(r.stored_id), receivedAt: Number(r.stored_received_at), transport: r.stored_transport as Transport },
        conflictsWith: opt(r.conflicts_with, String),
        conflicting: [],
      };
      reports.push(report);
    }
    report.conflicting.push({ rejectionId: Number(r.rid), id: opt(r.id, String), receivedAt: Number(r.received_at), transport: r.transport as Transport });
  }
  return reports;
}

export const REJECTION_SQL = 'SELECT * FROM rejections WHERE gateway = ? AND rid = ?';

export function toStoredRejection(r: Row): StoredRejection {
  return { ...toRejection(r), rejectionId: Number(r.rid) };
}

export function toAlert(r: Row): Alert {
  // SQLite returns details as JSON text, pg parses JSONB itself.
  const details = typeof r.details === 'string' ? (JSON.parse(r.details) as Record<string, unknown>) : ((r.details as Record<string, unknown> | null) ?? {});
  return {
    id: Number(r.id),
    kind: r.kind as AlertKind,
    severity: r.severity as AlertSeverity,
    gateway: opt(r.gateway, String),
    subject: opt(r.subject, String),
    dedupeKey: String(r.dedupe_key),
    status: r.status as AlertStatus,
    openedAt: Number(r.opened_at),
    lastSeenAt: Number(r.last_seen_at),
    occurrences: Number(r.occurrences),
    acknowledgedAt: opt(r.acknowledged_at, Number),
    acknowledgedBy: opt(r.acknowledged_by, String),
    resolvedAt: opt(r.resolved_at, Number),
    resolvedBy: opt(r.resolved_by, String),
    note: opt(r.note, String),
    message: String(r.message),
    details,
  };
}

export const INSERT_ALERT_COLUMNS = '(kind, severity, gateway, subject, dedupe_key, status, opened_at, last_seen_at, occurrences, message, details)';
export const RESOLVE_ALERT_SQL = "UPDATE alerts SET status = 'resolved', resolved_at = ? WHERE dedupe_key = ? AND status <> 'resolved' RETURNING *";
/** Open → acknowledged; only an open alert changes. */
const ACKNOWLEDGE_ALERT_BY_ID_SQL = "UPDATE alerts SET status = 'acknowledged', acknowledged_at = ?, acknowledged_by = ?, note = COALESCE(?, note) WHERE id = ? AND status = 'open' RETURNING *";
/** Open or acknowledged → resolved. */
const RESOLVE_ALERT_BY_ID_SQL = "UPDATE alerts SET status = 'resolved', resolved_at = ?, resolved_by = ?, note = COALESCE(?, note) WHERE id = ? AND status <> 'resolved' RETURNING *";
export const ALERT_BY_ID_SQL = 'SELECT * FROM alerts WHERE id = ?';

/** A person's action on an alert: its UPDATE (parameters at, by, note, id) and the event it writes. */
export const ALERT_ACTIONS = {
  acknowledge: { sql: ACKNOWLEDGE_ALERT_BY_ID_SQL, event: 'acknowledged' },
  resolve: { sql: RESOLVE_ALERT_BY_ID_SQL, event: 'resolved' },
} as const satisfies Record<AlertAction['action'], { sql: string; event: AlertEventType }>;

/** SELECT of listAlerts with its parameters: newest opened first. */
export function listAlertsSql(q: AlertQuery): { sql: string; params: Array<string | number> } {
  const { where, params } = whereOf([
    q.id !== undefined && ['id = ?', q.id],
    q.status !== undefined && q.status.length > 0 && [`status IN (${q.status.map(() => '?').join(', ')})`, ...q.status],
    q.kind !== undefined && ['kind = ?', q.kind],
    q.gateway !== undefined && ['gateway = ?', q.gateway],
  ]);
  return { sql: `SELECT * FROM alerts ${where} ORDER BY opened_at DESC, id DESC LIMIT ?`, params: [...params, q.limit] };
}

export const INSERT_HOLD_SQL = 'INSERT INTO evidence_holds (gateway, from_seq, to_seq, reason, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id';

export function listHoldsSql(oneGateway: boolean): string {
  return `SELECT * FROM evidence_holds ${oneGateway ? 'WHERE gateway = ?' : ''} ORDER BY gateway, from_seq, id`;
}

export function toHold(r: Row): EvidenceHold {
  return { id: Number(r.id), gateway: String(r.gateway), fromSeq: Number(r.from_seq), toSeq: Number(r.to_seq), reason: String(r.reason), createdAt: Number(r.created_at) };
}

/** Whether an evidence hold covers the (gateway, seq) of the row aliased `t`. */
const HELD = (t: string): string => `EXISTS (SELECT 1 FROM evidence_holds h WHERE h.gateway = ${t}.gateway AND ${t}.seq BETWEEN h.from_seq AND h.to_seq)`;

/**
 * Expired batches after a (received_at, rid) position, oldest first, through the
 * batches_received_at index. Parameters: receivedBefore, after.receivedAt (twice), after.rid, limit.
 */
export const PRUNE_CANDIDATES_SQL = `
SELECT b.rid, b.gateway, b.seq, b.received_at, b.reading_count, CASE WHEN ${HELD('b')} THEN 1 ELSE 0 END AS held
FROM batches b
WHERE b.received_at < ? AND (b.received_at > ? OR (b.received_at = ? AND b.rid > ?))
ORDER BY b.received_at, b.rid
LIMIT ?`;

export const MAX_RID_SQL = 'SELECT COALESCE(MAX(rid), 0) AS m FROM batches';

export interface PruneCandidate {
  rid: number;
  gateway: string;
  seq: number;
  receivedAt: number;
  readingCount: number;
  held: boolean;
}

export function toPruneCandidate(r: Row): PruneCandidate {
  return { rid: Number(r.rid), gateway: String(r.gateway), seq: Number(r.seq), receivedAt: Number(r.received_at), readingCount: Number(r.reading_count), held: Number(r.held) === 1 };
}

export interface PrunePlan {
  remove: PruneCandidate[];
  held: number;
  unconsumed: number;
  next?: PruneCursor;
  /** Highest deleted seq per gateway: the new retention floors. */
  floors: Map<string, number>;
}

/**
 * Which of the candidates (PRUNE_CANDIDATES_SQL, `limit` asked) one step deletes. Kept: held
 * ones, and those with a position above `maxPosition`. The caller passes a maxPosition below
 * the highest rid in the store: the newest batch is always kept, so SQLite (which gives a new
 * row max(rid) + 1) never hands a deleted position to a new batch behind a consumer's cursor.
 * Deletion stops before the batch that would take the step above `maxRows` rows.
 */
export function planPrune(candidates: readonly PruneCandidate[], limit: number, maxPosition: number, maxRows: number): PrunePlan {
  const plan: PrunePlan = { remove: [], held: 0, unconsumed: 0, floors: new Map() };
  let rows = 0;
  let last: PruneCandidate | undefined;
  let stoppedEarly = false;
  for (const c of candidates) {
    if (c.held) plan.held += 1;
    else if (c.rid > maxPosition) plan.unconsumed += 1;
    else {
      const cost = c.readingCount + 1;
      if (plan.remove.length > 0 && rows + cost > maxRows) {
        stoppedEarly = true;
        break;
      }
      rows += cost;
      plan.remove.push(c);
      plan.floors.set(c.gateway, Math.max(plan.floors.get(c.gateway) ?? 0, c.seq));
    }
    last = c;
  }
  if (last && (stoppedEarly || candidates.length >= limit)) plan.next = { receivedAt: last.receivedAt, rid: last.rid };
  return plan;
}

/** Deletes at most `?2` records of a kind older than `?1`, oldest first. */
export const PRUNE_RECORDS_SQL: Record<ExpiringRecords, string> = {
  // A rejection at a held (gateway, seq) is evidence too (the other side of a fork).
  rejections: `DELETE FROM rejections WHERE rid IN (
    SELECT r.rid FROM rejections r WHERE r.received_at < ? AND NOT ${HELD('r')} ORDER BY r.received_at LIMIT ?)`,
  quarantine: `DELETE FROM quarantine WHERE (gateway, id) IN (
    SELECT gateway, id FROM quarantine WHERE received_at < ? ORDER BY received_at LIMIT ?)`,
  resolved_alerts: `DELETE FROM alerts WHERE id IN (
    SELECT id FROM alerts WHERE status = 'resolved' AND resolved_at < ? ORDER BY resolved_at LIMIT ?)`,
  // Delivered or dead; a pending delivery is kept whatever its age.
  alert_deliveries: `DELETE FROM alert_deliveries WHERE id IN (
    SELECT id FROM alert_deliveries WHERE status <> 'pending' AND finished_at < ? ORDER BY finished_at LIMIT ?)`,
  // Once no delivery refers to it.
  alert_events: `DELETE FROM alert_events WHERE id IN (
    SELECT e.id FROM alert_events e WHERE e.created_at < ? AND NOT EXISTS (SELECT 1 FROM alert_deliveries d WHERE d.event_id = e.id) ORDER BY e.created_at LIMIT ?)`,
};
