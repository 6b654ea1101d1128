/**
 * The PostgreSQL store (`pg`): the system of record for several ingest instances sharing one
 * database (DESIGN.md "Store"). Same contract and the same schema shape as the SQLite store
 * (../store-contract.ts runs against both); a pg.Pool gives each call its own connection, and
 * each mutating method is one statement or one transaction, so calls may overlap freely.
 * Uniqueness races between connections are settled by primary keys and ON CONFLICT, never by
 * a read followed by a write (commit.ts explains the batch case).
 */
import pg from 'pg';
import { FreshTrailError, errorMessage, type ErrorCode } from '../../../common/errors.js';
import type { SealedBatch } from '../../../protocol/batch.js';
import type { Migration } from '../migrations/index.js';
import { HEADER_COLUMNS, summarySql, toBatch, toGateway, toHeader, toQuarantined, toReading, toRejection, toSummary, type Row } from '../sqlite-rows.js';
import type {
  Backlog,
  BatchHeader,
  CreateLotResult,
  CreateShipmentResult,
  Shipment,
  CustodyInterval,
  FreshnessPoint,
  LocationPoint,
  Lot,
  LotFreshness,
  MoveLotResult,
  NewLot,
  ShelfLifeUpdate,
  CommittedBatch,
  BatchMeta,
  BatchToCommit,
  ChainNeighbours,
  CommitResult,
  EnrollResult,
  Gateway,
  GatewaySummary,
  JoinRequest,
  JoinRequestStatus,
  JoinToken,
  NewJoinRequest,
  QuarantinedBatch,
  RedeemResult,
  Revocation,
  RevokeResult,
  ReadingQuery,
  Rejection,
  Store,
  StoreCounts,
  StoredBatch,
  StoredReading,
  HeldCustody,
} from '../types.js';
import type { ListedLot, LocationScope } from '../lot-types.js';
import { assembleCommittedBatches, COMMITTED_HEADER_COLUMNS, readingRidSpan } from '../committed-batches.js';
import { COMMIT_ORDER_LOCK_KEY, commitBatchesOn } from './commit.js';
import * as identity from './identity.js';
import * as lots from './lots.js';
import * as delivery from './alert-delivery.js';
import * as auth from './auth.js';
import type { ApiKeyRecord, AuditEntry, AuditQuery, NewApiKey, NewAuditEntry, Party } from '../auth-types.js';
import * as recalls from './recalls.js';
import * as epochs from './epochs.js';
import type { EpochLeaf, LotGatewayBatches, NewEpoch, SaveEpochResult, StoredEpochHead } from '../epoch-types.js';
import type { NewRecall, Recall, RecallAcknowledgement, RecallNotice, RecallSummary } from '../recall-types.js';
import * as anchors from './anchors.js';
import * as lotEvents from './lot-events.js';
import * as exportReads from './exports.js';
import type { EventRangePage } from '../export-types.js';
import type { LotEvent } from '../../events/types.js';
import type { LotTrace, ReadingSpan, ReadingSummary, RecordEventResult, StoredLotEvent, TraceDirection, TraceLimits } from '../lot-event-types.js';
import type { AnchorBroadcast, AnchorHead, AnchorInclusion, AnchorQuery, AnchorRecord, AnchorStatus, AnchorTargetSpec, AnchorTargetState, EnqueueAnchorResult } from '../anchor-types.js';
import * as activity from './sensor-activity.js';
import { LocalSignal } from '../local-signal.js';
import type { AlertDeliveryWithEvent, AlertEvent, DeliveryOutcome, DeliveryQuery, RetryResult } from '../alert-delivery-types.js';
import type { SensorActivity, SensorActivityQuery, SensorActivityRow, SensorKey, SilenceOver } from '../sensor-activity-types.js';
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
import { PostgresIntegrity } from './integrity.js';
import { applyPgMigrations } from './migrate.js';
import { PG_MIGRATIONS } from './migrations/index.js';
import { queryReadingRows } from './readings.js';

export interface PostgresStoreOptions {
  /** postgres://user[:password]@host:port/database; the database must exist. */
  url: string;
  /** Most connections the pool opens. Default 10. */
  poolSize?: number;
  /** How long opening a connection may take before the call fails, ms. Default 10000. */
  connectTimeoutMs?: number;
  /** Migrations to apply; tests pass a longer list to check upgrades. */
  migrations?: readonly Migration[];
}

/** The URL with its password removed, for messages and logs. */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'an unparsable PostgreSQL URL';
  }
}

/** Connects, applies pending migrations and returns the store; FT_ERR_STORE naming the URL if it cannot. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    application_name: 'freshtrail-ingest',
  });
  // An idle pooled connection that breaks (server restart) is reported here; without a listener
  // it would crash the process. The pool drops it and the next call opens a new one.
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    try {
      await applyPgMigrations(client, options.migrations ?? PG_MIGRATIONS);
    } finally {
      client.release();
    }
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new FreshTrailError('FT_ERR_STORE', `cannot open the PostgreSQL store ${describePostgresUrl(options.url)}: ${driverMessage(err)}`, { cause: err });
  }
  return new PostgresStore(pool);
}

/** A connection failure to a host with several addresses (localhost: ::1 and 127.0.0.1) is an AggregateError with an empty message. */
function driverMessage(err: unknown): string {
  if (err instanceof AggregateError && !err.message) return err.errors.map(errorMessage).join('; ');
  return errorMessage(err);
}

export class PostgresStore implements Store {
  private closed = false;
  private readonly auditTail: auth.AuditTail = {};
  private readonly pending = new Set<Promise<unknown>>();

  /** `pool` must reach a database with the schema of the latest migration (openPostgresStore does both). */
  constructor(readonly pool: pg.Pool) {}

  async enrollGateway(gateway: Gateway): Promise<EnrollResult> {
    return this.run(async () => {
      // The primary key settles two concurrent enrollments of one id: the loser inserts nothing.
      const inserted = await this.pool.query(
        'INSERT INTO gateways (id, public_key, label, enrolled_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING',
        [gateway.id, gateway.publicKey, gateway.label ?? null, gateway.enrolledAt],
      );
      if (inserted.rowCount === 1) return { status: 'enrolled', gateway };
      const existing = await this.gatewayRow(gateway.id);
      if (!existing) throw new Error(`gateway ${gateway.id} was neither inserted nor found`);
      return { status: existing.publicKey === gateway.publicKey ? 'unchanged' : 'conflict', gateway: existing };
    });
  }

  async getGateway(id: string): Promise<Gateway | undefined> {
    return this.run(() => this.gatewayRow(id));
  }

  async getGatewaySummary(id: string): Promise<GatewaySummary | undefined> {
    return this.run(async () => {
      const row = (await this.rows(summarySql('WHERE g.id = $1'), [id]))[0];
      return row ? toSummary(row) : undefined;
    });
  }

  async listGateways(): Promise<GatewaySummary[]> {
    return this.run(async () => (await this.rows(summarySql(''))).map(toSummary));
  }

  // Lot events, custody derived from them, and trace (lot-events.ts).
  async recordEvents(events: readonly LotEvent[], recordedAt: number): Promise<RecordEventResult[]> {
    return this.run(() => lotEvents.recordEvents(this.pool, events, recordedAt));
  }

  async getEvent(eventId: string): Promise<StoredLotEvent | undefined> {
    return this.run(() => lotEvents.getEvent(this.pool, eventId));
  }

  async lotEvents(tlc: string): Promise<StoredLotEvent[]> {
    return this.run(() => lotEvents.lotEvents(this.pool, tlc));
  }

  async eraseEventContacts(eventId: string): Promise<boolean> {
    return this.run(() => lotEvents.eraseEventContacts(this.pool, eventId));
  }

  async trace(tlc: string, direction: TraceDirection, limits: TraceLimits): Promise<LotTrace | undefined> {
    return this.run(() => lotEvents.trace(this.pool, tlc, direction, limits));
  }

  async readingSummaries(spans: readonly ReadingSpan[]): Promise<ReadingSummary[]> {
    return this.run(() => lotEvents.readingSummaries(this.pool, spans));
  }

  // Export reads (exports.ts).
  async eventsOfLots(tlcs: readonly string[]): Promise<StoredLotEvent[]> {
    return this.run(() => exportReads.eventsOfLots(this.pool, tlcs));
  }

  async eventsInRange(page: EventRangePage): Promise<StoredLotEvent[]> {
    return this.run(() => exportReads.eventsInRange(this.pool, page));
  }

  // Lots and their freshness (lots.ts).
  async createLot(lot: NewLot): Promise<CreateLotResult> {
    return this.run(() => lots.createLot(this.pool, lot));
  }

  async moveLot(id: string, location: string, at: number): Promise<MoveLotResult | undefined> {
    return this.run(() => lots.moveLot(this.pool, id, location, at));
  }

  async getLot(id: string): Promise<Lot | undefined> {
    return this.run(() => lots.getLot(this.pool, id));
  }

  async lotCustody(id: string): Promise<CustodyInterval[]> {
    return this.run(() => lots.lotCustody(this.pool, id));
  }

  async custodyAt(location: string, fromTs: number, toTs: number): Promise<Array<HeldCustody>> {
    return this.run(() => lots.custodyAt(this.pool, location, fromTs, toTs));
  }

  async custodyAtMany(locations: readonly string[], fromTs: number, toTs: number): Promise<Array<HeldCustody>> {
    return this.run(() => lots.custodyAtMany(this.pool, locations, fromTs, toTs));
  }

  async lotsAt(location: string): Promise<Array<HeldCustody>> {
    return this.run(() => lots.lotsAt(this.pool, location));
  }

  async listLots(limit: number, scope?: LocationScope): Promise<ListedLot[]> {
    return this.run(() => lots.listLots(this.pool, limit, scope));
  }

  async lotFreshness(ids: readonly string[]): Promise<LotFreshness[]> {
    return this.run(() => lots.lotFreshness(this.pool, ids));
  }

  async locationSeries(locations: readonly string[]): Promise<LocationPoint[]> {
    return this.run(() => lots.locationSeries(this.pool, locations));
  }

  async saveShelfLife(update: ShelfLifeUpdate): Promise<void> {
    await this.run(() => lots.saveShelfLife(this.pool, update));
  }

  async freshnessHistory(lot: string, limit: number): Promise<FreshnessPoint[]> {
    return this.run(() => lots.freshnessHistory(this.pool, lot, limit));
  }

  async createShipment(shipment: Shipment): Promise<CreateShipmentResult> {
    return this.run(() => lots.createShipment(this.pool, shipment));
  }

  async lotShipments(lot: string): Promise<Shipment[]> {
    return this.run(() => lots.lotShipments(this.pool, lot));
  }

  async shipmentsOfLots(ids: readonly string[], etaAfter: number): Promise<Shipment[]> {
    return this.run(() => lots.shipmentsOfLots(this.pool, ids, etaAfter));
  }

  // Gateway identity (identity.ts).
  async revokeGateway(id: string, revocation: Revocation): Promise<RevokeResult | undefined> {
    return this.run(() => identity.revokeGateway(this.pool, id, revocation));
  }

  async createJoinToken(token: JoinToken): Promise<void> {
    await this.run(() => identity.createJoinToken(this.pool, token));
  }

  async redeemJoinToken(tokenHash: string, request: NewJoinRequest, now: number): Promise<RedeemResult> {
    return this.run(() => identity.redeemJoinToken(this.pool, tokenHash, request, now));
  }

  async listJoinRequests(status?: JoinRequestStatus): Promise<JoinRequest[]> {
    return this.run(() => identity.listJoinRequests(this.pool, status));
  }

  async getJoinRequest(id: number): Promise<JoinRequest | undefined> {
    return this.run(() => identity.getJoinRequest(this.pool, id));
  }

  async decideJoinRequest(id: number, decision: 'approved' | 'rejected', at: number): Promise<JoinRequest | undefined> {
    return this.run(() => identity.decideJoinRequest(this.pool, id, decision, at));
  }

  async commitBatch(sealed: SealedBatch, meta: BatchMeta): Promise<CommitResult> {
    return (await this.commitBatches([{ sealed, meta }]))[0]!;
  }

  async commitBatches(batches: readonly BatchToCommit[]): Promise<CommitResult[]> {
    return this.run(async () => {
      if (batches.length === 0) return [];
      const client = await this.pool.connect();
      let broken: Error | undefined;
      try {
        const results = await commitBatchesOn(client, batches);
        if (results.some((r) => r.status === 'committed')) this.committed.emit();
        return results;
      } catch (err) {
        // A connection that failed mid-transaction may be unusable: do not return it to the pool.
        broken = err instanceof Error ? err : new Error(String(err));
        throw err;
      } finally {
        client.release(broken);
      }
    });
  }

  async getBatch(gateway: string, seq: number): Promise<StoredBatch | undefined> {
    return this.run(async () => {
      const row = (await this.rows('SELECT * FROM batches WHERE gateway = $1 AND seq = $2', [gateway, seq]))[0];
      return row ? toBatch(row) : undefined;
    });
  }

  async batchRange(gateway: string, fromSeq: number, toSeq: number): Promise<StoredBatch[]> {
    return this.run(async () =>
      (await this.rows('SELECT * FROM batches WHERE gateway = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq', [gateway, fromSeq, toSeq])).map(toBatch),
    );
  }

  async getBatchHeader(gateway: string, seq: number): Promise<BatchHeader | undefined> {
    return this.run(async () => {
      const row = (await this.rows(`SELECT ${HEADER_COLUMNS} FROM batches WHERE gateway = $1 AND seq = $2`, [gateway, seq]))[0];
      return row ? toHeader(row) : undefined;
    });
  }

  async getChainNeighbours(gateway: string, seq: number): Promise<ChainNeighbours> {
    return this.run(async () => {
      const rows = await this.rows(`SELECT ${HEADER_COLUMNS} FROM batches WHERE gateway = $1 AND seq BETWEEN $2 AND $3`, [gateway, seq - 1, seq + 1]);
      const neighbours: ChainNeighbours = {};
      for (const row of rows) {
        const header = toHeader(row);
        if (header.seq === seq - 1) neighbours.previous = header;
        else if (header.seq === seq) neighbours.current = header;
        else neighbours.following = header;
      }
      return neighbours;
    });
  }

  async lastBatch(gateway: string): Promise<StoredBatch | undefined> {
    return this.run(async () => {
      const row = (await this.rows('SELECT * FROM batches WHERE gateway = $1 ORDER BY seq DESC LIMIT 1', [gateway]))[0];
      return row ? toBatch(row) : undefined;
    });
  }

  async quarantine(e: QuarantinedBatch): Promise<boolean> {
    return this.run(async () => {
      const result = await this.pool.query(
        `INSERT INTO quarantine (gateway, seq, id, sig, canonical, reason, received_at, transport) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (gateway, id) DO NOTHING`,
        [e.gateway, e.seq, e.id, e.sig, e.canonical, e.reason, e.receivedAt, e.transport],
      );
      return result.rowCount === 1;
    });
  }

  async isQuarantined(gateway: string, id: string): Promise<boolean> {
    return this.run(async () => (await this.rows('SELECT 1 FROM quarantine WHERE gateway = $1 AND id = $2', [gateway, id])).length > 0);
  }

  async quarantineCount(gateway: string): Promise<number> {
    return this.run(async () => Number((await this.rows('SELECT COUNT(*) AS n FROM quarantine WHERE gateway = $1', [gateway]))[0]!.n));
  }

  async listQuarantine(gateway: string): Promise<QuarantinedBatch[]> {
    return this.run(async () => (await this.rows('SELECT * FROM quarantine WHERE gateway = $1 ORDER BY seq, received_at, id', [gateway])).map(toQuarantined));
  }

  async quarantineByGateway(): Promise<Array<{ gateway: string; batches: number }>> {
    return this.run(async () =>
      (await this.rows('SELECT gateway, COUNT(*) AS n FROM quarantine GROUP BY gateway ORDER BY gateway')).map((r) => ({ gateway: String(r.gateway), batches: Number(r.n) })),
    );
  }

  async removeFromQuarantine(gateway: string, id: string): Promise<boolean> {
    return this.run(async () => (await this.pool.query('DELETE FROM quarantine WHERE gateway = $1 AND id = $2', [gateway, id])).rowCount === 1);
  }

  async recordRejection(r: Rejection): Promise<void> {
    await this.run(() =>
      this.pool.query(
        `INSERT INTO rejections (code, reason, received_at, transport, gateway, seq, id, sig, canonical, conflicts_with)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [r.code, r.reason, r.receivedAt, r.transport, r.gateway ?? null, r.seq ?? null, r.id ?? null, r.sig ?? null, r.canonical ?? null, r.conflictsWith ?? null],
      ),
    );
  }

  async listRejections(gateway: string): Promise<Rejection[]> {
    return this.run(async () => (await this.rows('SELECT * FROM rejections WHERE gateway = $1 ORDER BY rid', [gateway])).map(toRejection));
  }

  // Integrity findings and retention (integrity.ts).
  async getRejection(gateway: string, rejectionId: number): Promise<StoredRejection | undefined> {
    return this.run(() => this.integrity().getRejection(gateway, rejectionId));
  }

  async listForks(gateway: string): Promise<ForkReport[]> {
    return this.run(() => this.integrity().listForks(gateway));
  }

  async listGaps(gateway?: string): Promise<ChainGap[]> {
    return this.run(() => this.integrity().listGaps(gateway));
  }

  async retentionFloor(gateway: string): Promise<number> {
    return this.run(() => this.integrity().retentionFloor(gateway));
  }

  async raiseAlert(input: AlertInput): Promise<RaiseResult> {
    return this.run(() => this.integrity().raiseAlert(input));
  }

  async raiseAlerts(inputs: readonly AlertInput[]): Promise<RaiseResult[]> {
    return this.run(() => this.integrity().raiseAlerts(inputs));
  }

  async resolveAlert(dedupeKey: string, at: number): Promise<boolean> {
    return this.run(() => this.integrity().resolveAlert(dedupeKey, at));
  }

  async listAlerts(query: AlertQuery): Promise<Alert[]> {
    return this.run(() => this.integrity().listAlerts(query));
  }

  async addEvidenceHold(hold: NewEvidenceHold): Promise<EvidenceHold> {
    return this.run(() => this.integrity().addEvidenceHold(hold));
  }

  async listEvidenceHolds(gateway?: string): Promise<EvidenceHold[]> {
    return this.run(() => this.integrity().listEvidenceHolds(gateway));
  }

  async actOnAlert(id: number, action: AlertAction): Promise<AlertActionResult | undefined> {
    return this.run(() => this.integrity().actOnAlert(id, action));
  }

  async listConsumerCursors(): Promise<ConsumerCursor[]> {
    return this.run(() => this.integrity().listConsumerCursors());
  }

  async pruneBatches(step: PruneBatchesStep): Promise<PruneBatchesResult> {
    return this.run(() => this.integrity().pruneBatches(step));
  }

  async pruneRecords(kind: ExpiringRecords, before: number, maxRows: number): Promise<number> {
    return this.run(() => this.integrity().pruneRecords(kind, before, maxRows));
  }

  // Alert events and their deliveries (alert-delivery.ts).
  private readonly alertEvents = new LocalSignal();
  private readonly committed = new LocalSignal();

  async alertEventsAfter(afterId: number, limit: number): Promise<AlertEvent[]> {
    return this.run(() => delivery.alertEventsAfter(this.pool, afterId, limit));
  }

  async latestAlertEventId(createdBefore?: number): Promise<number> {
    return this.run(() => delivery.latestAlertEventId(this.pool, createdBefore));
  }

  async channelPosition(channel: string): Promise<number | undefined> {
    return this.run(() => delivery.channelPosition(this.pool, channel));
  }

  async queueDeliveries(channel: string, expectedPosition: number | undefined, eventIds: readonly number[], throughId: number, at: number): Promise<boolean> {
    return this.run(() => delivery.queueDeliveries(this.pool, channel, expectedPosition, eventIds, throughId, at));
  }

  async pendingDeliveries(channel: string, limit: number): Promise<AlertDeliveryWithEvent[]> {
    return this.run(() => delivery.pendingDeliveries(this.pool, channel, limit));
  }

  async recordDeliveryAttempt(id: number, outcome: DeliveryOutcome): Promise<boolean> {
    return this.run(() => delivery.recordDeliveryAttempt(this.pool, id, outcome));
  }

  async listDeliveries(query: DeliveryQuery): Promise<AlertDeliveryWithEvent[]> {
    return this.run(() => delivery.listDeliveries(this.pool, query));
  }

  async retryDelivery(id: number, at: number): Promise<RetryResult | undefined> {
    return this.run(() => delivery.retryDelivery(this.pool, id, at));
  }

  onAlertEvent(listener: () => void): () => void {
    return this.alertEvents.on(listener);
  }

  onCommitted(listener: () => void): () => void {
    return this.committed.on(listener);
  }

  // When sensors were last heard (sensor-activity.ts).
  async recordSensorActivity(rows: readonly SensorActivity[]): Promise<SilenceOver[]> {
    return this.run(() => activity.recordSensorActivity(this.pool, rows));
  }

  async listSensorActivity(query: SensorActivityQuery): Promise<SensorActivityRow[]> {
    return this.run(() => activity.listSensorActivity(this.pool, query));
  }

  async markSilenceAlerted(sensor: SensorKey, lastReceivedAt: number): Promise<boolean> {
    return this.run(() => activity.markSilenceAlerted(this.pool, sensor, lastReceivedAt));
  }

  // The anchoring job's queue and state (anchors.ts).
  async ensureAnchorTarget(spec: AnchorTargetSpec, at: number): Promise<{ status: 'registered' | 'unchanged' | 'conflict'; target: AnchorTargetState }> {
    return this.run(() => anchors.ensureAnchorTarget(this.pool, spec, at));
  }

  async anchorTarget(name: string): Promise<AnchorTargetState | undefined> {
    return this.run(() => anchors.anchorTarget(this.pool, name));
  }

  async setAnchorNonce(name: string, nextNonce: number | undefined, lastError: string | undefined, at: number): Promise<void> {
    return this.run(() => anchors.setAnchorNonce(this.pool, name, nextNonce, lastError, at));
  }

  async enqueueAnchorHead(head: AnchorHead, at: number): Promise<EnqueueAnchorResult> {
    return this.run(() => anchors.enqueueAnchorHead(this.pool, head, at));
  }

  async openAnchors(target: string, limit: number): Promise<AnchorRecord[]> {
    return this.run(() => anchors.openAnchors(this.pool, target, limit));
  }

  async getAnchor(target: string, epoch: number): Promise<AnchorRecord | undefined> {
    return this.run(() => anchors.getAnchor(this.pool, target, epoch));
  }

  async listAnchors(query: AnchorQuery): Promise<AnchorRecord[]> {
    return this.run(() => anchors.listAnchors(this.pool, query));
  }

  async firstAnchors(fromEpoch: number): Promise<AnchorRecord[]> {
    return this.run(() => anchors.firstAnchors(this.pool, fromEpoch));
  }

  async anchorCounts(target: string): Promise<Record<AnchorStatus, number>> {
    return this.run(() => anchors.anchorCounts(this.pool, target));
  }

  async recordAnchorBroadcast(target: string, epoch: number, nonce: number, broadcast: AnchorBroadcast): Promise<boolean> {
    return this.run(() => anchors.recordAnchorBroadcast(this.pool, target, epoch, nonce, broadcast));
  }

  async recordAnchorInclusion(target: string, epoch: number, inclusion: AnchorInclusion): Promise<boolean> {
    return this.run(() => anchors.recordAnchorInclusion(this.pool, target, epoch, inclusion));
  }

  async recordAnchorFinal(target: string, epoch: number, confirmations: number, at: number): Promise<boolean> {
    return this.run(() => anchors.recordAnchorFinal(this.pool, target, epoch, confirmations, at));
  }

  async recordAnchorReorg(target: string, epoch: number, reason: string, at: number): Promise<boolean> {
    return this.run(() => anchors.recordAnchorReorg(this.pool, target, epoch, reason, at));
  }

  async recordAnchorFailure(target: string, epoch: number, reason: string, at: number): Promise<boolean> {
    return this.run(() => anchors.recordAnchorFailure(this.pool, target, epoch, reason, at));
  }

  async noteAnchor(target: string, epoch: number, note: { lastError?: string; confirmations?: number }, at: number): Promise<boolean> {
    return this.run(() => anchors.noteAnchor(this.pool, target, epoch, note, at));
  }

  // Epochs and their leaves (epochs.ts).
  async saveEpoch(epoch: NewEpoch, at: number): Promise<SaveEpochResult> {
    return this.run(() => epochs.saveEpoch(this.pool, epoch, at));
  }

  async epochHead(epoch: number): Promise<StoredEpochHead | undefined> {
    return this.run(() => epochs.epochHead(this.pool, epoch));
  }

  async latestEpochHead(): Promise<StoredEpochHead | undefined> {
    return this.run(() => epochs.latestEpochHead(this.pool));
  }

  async epochLeaves(epoch: number): Promise<EpochLeaf[]> {
    return this.run(() => epochs.epochLeaves(this.pool, epoch));
  }

  async lotLeaves(lot: string, limit: number): Promise<EpochLeaf[]> {
    return this.run(() => epochs.lotLeaves(this.pool, lot, limit));
  }

  async epochCandidateLots(since: number): Promise<string[]> {
    return this.run(() => epochs.epochCandidateLots(this.pool, since));
  }

  async lotGatewayBatches(lot: string): Promise<LotGatewayBatches[]> {
    return this.run(() => epochs.lotGatewayBatches(this.pool, lot));
  }

  // API keys, parties, audit log (auth-types.ts).
  async createApiKey(key: NewApiKey): Promise<boolean> {
    return this.run(() => auth.createApiKey(this.pool, key));
  }

  async apiKeyWithHash(id: string): Promise<(ApiKeyRecord & { secretHash: string }) | undefined> {
    return this.run(() => auth.apiKeyWithHash(this.pool, id));
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    return this.run(() => auth.listApiKeys(this.pool));
  }

  async revokeApiKey(id: string, by: string, at: number): Promise<boolean> {
    return this.run(() => auth.revokeApiKey(this.pool, id, by, at));
  }

  async touchApiKey(id: string, at: number): Promise<void> {
    await this.run(() => auth.touchApiKey(this.pool, id, at));
  }

  async upsertParty(party: Omit<Party, 'createdAt' | 'updatedAt'>, at: number): Promise<Party> {
    return this.run(() => auth.upsertParty(this.pool, party, at));
  }

  async getParty(id: string): Promise<Party | undefined> {
    return this.run(() => auth.getParty(this.pool, id));
  }

  async listParties(): Promise<Party[]> {
    return this.run(() => auth.listParties(this.pool));
  }

  async appendAudit(entries: readonly NewAuditEntry[]): Promise<AuditEntry[]> {
    return this.run(() => auth.appendAudit(this.pool, this.auditTail, entries));
  }

  async listAudit(query: AuditQuery): Promise<AuditEntry[]> {
    return this.run(() => auth.listAudit(this.pool, query));
  }

  // Recalls (recalls.ts).
  async createRecall(recall: NewRecall): Promise<Recall> {
    return this.run(() => recalls.createRecall(this.pool, recall));
  }

  async getRecall(id: number): Promise<Recall | undefined> {
    return this.run(() => recalls.getRecall(this.pool, id));
  }

  async listRecalls(limit: number): Promise<Array<RecallSummary & { notices: number; acknowledged: number }>> {
    return this.run(() => recalls.listRecalls(this.pool, limit));
  }

  async setRecallNoticeAlert(recallId: number, location: string, alertId: number): Promise<void> {
    await this.run(() => recalls.setRecallNoticeAlert(this.pool, recallId, location, alertId));
  }

  async acknowledgeRecallNotice(recallId: number, location: string, ack: RecallAcknowledgement): Promise<{ notice: RecallNotice; changed: boolean } | undefined> {
    return this.run(() => recalls.acknowledgeRecallNotice(this.pool, recallId, location, ack));
  }

  private integrityPart: PostgresIntegrity | undefined;
  private integrity(): PostgresIntegrity {
    this.integrityPart ??= new PostgresIntegrity(this.pool, this.alertEvents);
    return this.integrityPart;
  }

  async queryReadings(q: ReadingQuery): Promise<StoredReading[]> {
    return this.run(async () => (await queryReadingRows(this.pool, q)).map(toReading));
  }

  async committedBatchesAfter(position: number, limit: number): Promise<CommittedBatch[]> {
    return this.run(async () => {
      const visible = await this.committedHorizon();
      const headers = await this.rows(`SELECT ${COMMITTED_HEADER_COLUMNS} FROM batches WHERE rid > $1 AND rid <= $2 ORDER BY rid LIMIT $3`, [position, visible, limit]);
      if (headers.length === 0) return [];
      const [first, last] = readingRidSpan(Number(headers[0]!.rid), Number(headers[headers.length - 1]!.rid));
      const readings = await this.rows('SELECT * FROM readings WHERE rid BETWEEN $1 AND $2 ORDER BY rid', [first, last]);
      return assembleCommittedBatches(headers, readings);
    });
  }

  async backlogAfter(position: number): Promise<Backlog> {
    return this.run(async () => {
      const row = (await this.rows('SELECT COUNT(*) AS b, COALESCE(SUM(reading_count), 0) AS r FROM batches WHERE rid > $1', [position]))[0]!;
      return { batches: Number(row.b), readings: Number(row.r) };
    });
  }

  async getConsumerCursor(name: string): Promise<number> {
    return this.run(async () => Number((await this.rows('SELECT position FROM consumer_cursors WHERE name = $1', [name]))[0]?.position ?? 0));
  }

  async advanceConsumerCursor(name: string, from: number, to: number): Promise<boolean> {
    return this.run(async () => {
      const now = Date.now();
      // No row is position 0 (getConsumerCursor), so from 0 may create it.
      const result =
        from === 0
          ? await this.pool.query(
              `INSERT INTO consumer_cursors (name, position, updated_at) VALUES ($1, $2, $3)
               ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = EXCLUDED.updated_at WHERE consumer_cursors.position = 0`,
              [name, to, now],
            )
          : await this.pool.query('UPDATE consumer_cursors SET position = $1, updated_at = $2 WHERE name = $3 AND position = $4', [to, now, name, from]);
      return result.rowCount === 1;
    });
  }

  async setConsumerCursor(name: string, position: number): Promise<void> {
    await this.run(() =>
      this.pool.query(
        `INSERT INTO consumer_cursors (name, position, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = EXCLUDED.updated_at`,
        [name, position, Date.now()],
      ),
    );
  }

  /**
   * The largest rid such that every batch with a rid up to it is committed (or rolled back).
   * rid is drawn at INSERT, so two connections may commit out of rid order, and a reader could
   * see rid 8 before rid 7 commits. Commits hold COMMIT_ORDER_LOCK_KEY shared (commit.ts);
   * taking it exclusively waits for those in flight, after which max(rid) is such a bound: every
   * rid drawn later is larger (an identity sequence never goes back).
   */
  private async committedHorizon(): Promise<number> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [COMMIT_ORDER_LOCK_KEY]);
      const { rows } = await client.query<{ m: string }>('SELECT COALESCE(MAX(rid), 0) AS m FROM batches');
      await client.query('COMMIT');
      return Number(rows[0]!.m);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async counts(): Promise<StoreCounts> {
    return this.run(async () => {
      // One statement, so the numbers come from one snapshot.
      const totals = (await this.rows(`SELECT
          (SELECT COUNT(*) FROM gateways) AS gateways,
          (SELECT COUNT(*) FROM batches) AS batches,
          -- Summing the per-batch count avoids scanning the (much larger) readings table.
          (SELECT COALESCE(SUM(reading_count), 0) FROM batches) AS readings,
          (SELECT COUNT(*) FROM quarantine) AS quarantined,
          (SELECT COALESCE(json_object_agg(code, n), '{}') FROM (SELECT code, COUNT(*) AS n FROM rejections GROUP BY code) c) AS rejected`))[0]!;
      const rejectedByCode: StoreCounts['rejectedByCode'] = {};
      for (const [code, n] of Object.entries(totals.rejected as Record<string, number>)) rejectedByCode[code as ErrorCode] = Number(n);
      return {
        gateways: Number(totals.gateways),
        batches: Number(totals.batches),
        readings: Number(totals.readings),
        quarantined: Number(totals.quarantined),
        rejectedByCode,
      };
    });
  }

  async ping(): Promise<void> {
    await this.run(() => this.pool.query('SELECT 1'));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Pending calls finish first (Store contract); then the pool's connections are closed.
    await Promise.allSettled([...this.pending]);
    await this.pool.end();
  }

  private async rows(sql: string, params: unknown[] = []): Promise<Row[]> {
    return (await this.pool.query<Row>(sql, params)).rows;
  }

  private async gatewayRow(id: string): Promise<Gateway | undefined> {
    const row = (await this.rows('SELECT * FROM gateways WHERE id = $1', [id]))[0];
    return row ? toGateway(row) : undefined;
  }

  /** Runs one database call, tracked for close(), turning driver errors into FT_ERR_STORE (retryable). */
  private async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new FreshTrailError('FT_ERR_STORE', 'the store is closed');
    const call = fn();
    this.pending.add(call);
    try {
      return await call;
    } catch (err) {
      if (err instanceof FreshTrailError) throw err;
      throw new FreshTrailError('FT_ERR_STORE', `PostgreSQL: ${errorMessage(err)}`, { cause: err });
    } finally {
      this.pending.delete(call);
    }
  }
}
