/**
 * The SQLite store (better-sqlite3): the embedded default system of record. WAL journal, one
 * connection, versioned migrations at open. better-sqlite3 is synchronous, so when an async
 * method resolves its transaction has been committed; with `synchronous = FULL` the WAL is
 * fsynced at every commit (https://www.sqlite.org/pragma.html#pragma_synchronous), so an
 * acknowledged batch survives power loss.
 */
import Database from 'better-sqlite3';
import { FreshTrailError, errorMessage, type ErrorCode } from '../../common/errors.js';
import type { SealedBatch } from '../../protocol/batch.js';
import { assembleCommittedBatches, COMMITTED_HEADER_COLUMNS, readingRidSpan } from './committed-batches.js';
import { MIGRATIONS, pendingMigrations, type Migration } from './migrations/index.js';
import { BatchWriter } from './sqlite-commit.js';
import * as identity from './sqlite-identity.js';
import * as lots from './sqlite-lots.js';
import * as delivery from './sqlite-alert-delivery.js';
import * as recalls from './sqlite-recalls.js';
import * as auth from './sqlite-auth.js';
import type { ApiKeyRecord, AuditEntry, AuditQuery, NewApiKey, NewAuditEntry, Party } from './auth-types.js';
import * as epochs from './sqlite-epochs.js';
import type { EpochLeaf, LotGatewayBatches, NewEpoch, SaveEpochResult, StoredEpochHead } from './epoch-types.js';
import type { NewRecall, Recall, RecallAcknowledgement, RecallNotice, RecallSummary } from './recall-types.js';
import type { ListedLot, LocationScope } from './lot-types.js';
import * as activity from './sqlite-sensor-activity.js';
import * as anchors from './sqlite-anchors.js';
import * as lotEvents from './sqlite-lot-events.js';
import * as exportReads from './sqlite-exports.js';
import type { EventRangePage } from './export-types.js';
import type { LotEvent } from '../events/types.js';
import type { LotTrace, ReadingSpan, ReadingSummary, RecordEventResult, StoredLotEvent, TraceDirection, TraceLimits } from './lot-event-types.js';
import type { AnchorBroadcast, AnchorHead, AnchorInclusion, AnchorQuery, AnchorRecord, AnchorStatus, AnchorTargetSpec, AnchorTargetState, EnqueueAnchorResult } from './anchor-types.js';
import { LocalSignal } from './local-signal.js';
import type { AlertDeliveryWithEvent, AlertEvent, DeliveryOutcome, DeliveryQuery, RetryResult } from './alert-delivery-types.js';
import type { SensorActivity, SensorActivityQuery, SensorActivityRow, SensorKey, SilenceOver } from './sensor-activity-types.js';
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
import { SqliteIntegrity } from './sqlite-integrity.js';
import { queryReadingRows } from './sqlite-readings.js';
import { HEADER_COLUMNS, summarySql, toBatch, toGateway, toHeader, toQuarantined, toReading, toRejection, toSummary, type Row } from './sqlite-rows.js';
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
} from './types.js';

export interface SqliteStoreOptions {
  /** Database file; created with its schema when missing. */
  path: string;
  synchronous?: 'FULL' | 'NORMAL';
  /** Migrations to apply; tests pass a longer list to check upgrades. */
  migrations?: readonly Migration[];
}

export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  let db: Database.Database;
  try {
    db = new Database(options.path);
    // Only takes effect on a new, empty file (an existing one keeps its page size). 8 KiB pages
    // mean fewer pages and WAL frames per committed batch (a 200-reading batch writes ~60 KB)
    // than the default 4 KiB: about 10 % less CPU per commit, measured.
    db.pragma('page_size = 8192');
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
    db.pragma('foreign_keys = ON');
    // Another process (`freshtrail gateway enroll` on the same file) may hold the write lock briefly.
    db.pragma('busy_timeout = 5000');
    applyMigrations(db, options.migrations ?? MIGRATIONS);
  } catch (err) {
    throw new FreshTrailError('FT_ERR_STORE', `cannot open the SQLite store ${options.path}: ${errorMessage(err)}`, { cause: err });
  }
  return new SqliteStore(db);
}

/** Applies the migrations not yet recorded in schema_migrations, each in its own transaction. */
export function applyMigrations(db: Database.Database, migrations: readonly Migration[]): number[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as Row[]).map((r) => Number(r.version)));
  const done: number[] = [];
  for (const m of pendingMigrations(applied, migrations)) {
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
    }).immediate();
    done.push(m.version);
  }
  return done;
}

export class SqliteStore implements Store {
  private closed = false;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly writer: BatchWriter;

  /** `db` must be open with the schema of the latest migration (openSqliteStore does both). */
  constructor(readonly db: Database.Database) {
    this.writer = new BatchWriter(db);
  }

  async enrollGateway(gateway: Gateway): Promise<EnrollResult> {
    return this.run(() =>
      this.db
        .transaction((): EnrollResult => {
          const existing = this.gatewayRow(gateway.id);
          if (existing) return { status: existing.publicKey === gateway.publicKey ? 'unchanged' : 'conflict', gateway: existing };
          this.sql('INSERT INTO gateways (id, public_key, label, enrolled_at) VALUES (?, ?, ?, ?)').run(gateway.id, gateway.publicKey, gateway.label ?? null, gateway.enrolledAt);
          return { status: 'enrolled', gateway };
        })
        .immediate(),
    );
  }

  async getGateway(id: string): Promise<Gateway | undefined> {
    return this.run(() => this.gatewayRow(id));
  }

  async getGatewaySummary(id: string): Promise<GatewaySummary | undefined> {
    return this.run(() => {
      const row = this.sql(summarySql('WHERE g.id = ?')).get(id) as Row | undefined;
      return row ? toSummary(row) : undefined;
    });
  }

  async listGateways(): Promise<GatewaySummary[]> {
    return this.run(() => (this.sql(summarySql('')).all() as Row[]).map(toSummary));
  }

  // Gateway identity (sqlite-identity.ts).
  async revokeGateway(id: string, revocation: Revocation): Promise<RevokeResult | undefined> {
    return this.run(() => identity.revokeGateway(this.context(), id, revocation));
  }

  async createJoinToken(token: JoinToken): Promise<void> {
    this.run(() => identity.createJoinToken(this.context(), token));
  }

  async redeemJoinToken(tokenHash: string, request: NewJoinRequest, now: number): Promise<RedeemResult> {
    return this.run(() => identity.redeemJoinToken(this.context(), tokenHash, request, now));
  }

  async listJoinRequests(status?: JoinRequestStatus): Promise<JoinRequest[]> {
    return this.run(() => identity.listJoinRequests(this.context(), status));
  }

  async getJoinRequest(id: number): Promise<JoinRequest | undefined> {
    return this.run(() => identity.getJoinRequest(this.context(), id));
  }

  async decideJoinRequest(id: number, decision: 'approved' | 'rejected', at: number): Promise<JoinRequest | undefined> {
    return this.run(() => identity.decideJoinRequest(this.context(), id, decision, at));
  }

  async createLot(lot: NewLot): Promise<CreateLotResult> {
    return this.run(() => lots.createLot(this.context(), lot));
  }

  async moveLot(id: string, location: string, at: number): Promise<MoveLotResult | undefined> {
    return this.run(() => lots.moveLot(this.context(), id, location, at));
  }

  async getLot(id: string): Promise<Lot | undefined> {
    return this.run(() => lots.getLot(this.context(), id));
  }

  async lotCustody(id: string): Promise<CustodyInterval[]> {
    return this.run(() => lots.lotCustody(this.context(), id));
  }

  async custodyAt(location: string, fromTs: number, toTs: number): Promise<Array<HeldCustody>> {
    return this.run(() => lots.custodyAt(this.context(), location, fromTs, toTs));
  }

  async custodyAtMany(locations: readonly string[], fromTs: number, toTs: number): Promise<Array<HeldCustody>> {
    return this.run(() => lots.custodyAtMany(this.context(), locations, fromTs, toTs));
  }

  async lotsAt(location: string): Promise<Array<HeldCustody>> {
    return this.run(() => lots.lotsAt(this.context(), location));
  }

  async listLots(limit: number, scope?: LocationScope): Promise<ListedLot[]> {
    return this.run(() => lots.listLots(this.context(), limit, scope));
  }

  async lotFreshness(ids: readonly string[]): Promise<LotFreshness[]> {
    return this.run(() => lots.lotFreshness(this.context(), ids));
  }

  async locationSeries(locations: readonly string[]): Promise<LocationPoint[]> {
    return this.run(() => lots.locationSeries(this.context(), locations));
  }

  async saveShelfLife(update: ShelfLifeUpdate): Promise<void> {
    this.run(() => lots.saveShelfLife(this.context(), update));
  }

  async freshnessHistory(lot: string, limit: number): Promise<FreshnessPoint[]> {
    return this.run(() => lots.freshnessHistory(this.context(), lot, limit));
  }

  /** What the identity and lot modules need of this store. */
  async createShipment(shipment: Shipment): Promise<CreateShipmentResult> {
    return this.run(() => lots.createShipment(this.context(), shipment));
  }

  async lotShipments(lot: string): Promise<Shipment[]> {
    return this.run(() => lots.lotShipments(this.context(), lot));
  }

  async shipmentsOfLots(ids: readonly string[], etaAfter: number): Promise<Shipment[]> {
    return this.run(() => lots.shipmentsOfLots(this.context(), ids, etaAfter));
  }

  private context(): identity.SqliteContext {
    return { db: this.db, sql: (text) => this.sql(text) };
  }

  async commitBatch(sealed: SealedBatch, meta: BatchMeta): Promise<CommitResult> {
    const result = this.run(() => this.writer.commit([{ sealed, meta }])[0]!);
    if (result.status === 'committed') this.committed.emit();
    return result;
  }

  async commitBatches(batches: readonly BatchToCommit[]): Promise<CommitResult[]> {
    if (this.closed) throw new FreshTrailError('FT_ERR_STORE', 'the store is closed');
    const results = await this.writer.commitSoon(batches).catch((err: unknown) => {
      throw asStoreError(err);
    });
    if (results.some((r) => r.status === 'committed')) this.committed.emit();
    return results;
  }

  onCommitted(listener: () => void): () => void {
    return this.committed.on(listener);
  }

  async getBatch(gateway: string, seq: number): Promise<StoredBatch | undefined> {
    return this.run(() => {
      const row = this.sql('SELECT * FROM batches WHERE gateway = ? AND seq = ?').get(gateway, seq) as Row | undefined;
      return row ? toBatch(row) : undefined;
    });
  }

  async batchRange(gateway: string, fromSeq: number, toSeq: number): Promise<StoredBatch[]> {
    return this.run(() =>
      (this.sql('SELECT * FROM batches WHERE gateway = ? AND seq BETWEEN ? AND ? ORDER BY seq').all(gateway, fromSeq, toSeq) as Row[]).map(toBatch),
    );
  }

  async getBatchHeader(gateway: string, seq: number): Promise<BatchHeader | undefined> {
    return this.run(() => {
      const row = this.sql(`SELECT ${HEADER_COLUMNS} FROM batches WHERE gateway = ? AND seq = ?`).get(gateway, seq) as Row | undefined;
      return row ? toHeader(row) : undefined;
    });
  }

  async getChainNeighbours(gateway: string, seq: number): Promise<ChainNeighbours> {
    return this.run(() => {
      const rows = this.sql(`SELECT ${HEADER_COLUMNS} FROM batches WHERE gateway = ? AND seq BETWEEN ? AND ?`).all(gateway, seq - 1, seq + 1) as Row[];
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
    return this.run(() => {
      const row = this.sql('SELECT * FROM batches WHERE gateway = ? ORDER BY seq DESC LIMIT 1').get(gateway) as Row | undefined;
      return row ? toBatch(row) : undefined;
    });
  }

  async quarantine(e: QuarantinedBatch): Promise<boolean> {
    return this.run(
      () =>
        this.sql(
          `INSERT INTO quarantine (gateway, seq, id, sig, canonical, reason, received_at, transport) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (gateway, id) DO NOTHING`,
        ).run(e.gateway, e.seq, e.id, e.sig, e.canonical, e.reason, e.receivedAt, e.transport).changes === 1,
    );
  }

  async isQuarantined(gateway: string, id: string): Promise<boolean> {
    return this.run(() => this.sql('SELECT 1 FROM quarantine WHERE gateway = ? AND id = ?').get(gateway, id) !== undefined);
  }

  async quarantineCount(gateway: string): Promise<number> {
    return this.run(() => Number((this.sql('SELECT COUNT(*) AS n FROM quarantine WHERE gateway = ?').get(gateway) as Row).n));
  }

  async listQuarantine(gateway: string): Promise<QuarantinedBatch[]> {
    return this.run(() =>
      (this.sql('SELECT * FROM quarantine WHERE gateway = ? ORDER BY seq, received_at, id').all(gateway) as Row[]).map(toQuarantined),
    );
  }

  async quarantineByGateway(): Promise<Array<{ gateway: string; batches: number }>> {
    return this.run(() =>
      (this.sql('SELECT gateway, COUNT(*) AS n FROM quarantine GROUP BY gateway ORDER BY gateway').all() as Row[]).map((r) => ({
        gateway: String(r.gateway),
        batches: Number(r.n),
      })),
    );
  }

  async removeFromQuarantine(gateway: string, id: string): Promise<boolean> {
    return this.run(() => this.sql('DELETE FROM quarantine WHERE gateway = ? AND id = ?').run(gateway, id).changes === 1);
  }

  async recordRejection(r: Rejection): Promise<void> {
    this.run(() =>
      this.sql(
        `INSERT INTO rejections (code, reason, received_at, transport, gateway, seq, id, sig, canonical, conflicts_with)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(r.code, r.reason, r.receivedAt, r.transport, r.gateway ?? null, r.seq ?? null, r.id ?? null, r.sig ?? null, r.canonical ?? null, r.conflictsWith ?? null),
    );
  }

  async listRejections(gateway: string): Promise<Rejection[]> {
    return this.run(() =>
      (this.sql('SELECT * FROM rejections WHERE gateway = ? ORDER BY rid').all(gateway) as Row[]).map(toRejection),
    );
  }

  // Integrity findings and retention (sqlite-integrity.ts).
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

  // Alert events and their deliveries (sqlite-alert-delivery.ts).
  private readonly alertEvents = new LocalSignal();
  private readonly committed = new LocalSignal();

  async alertEventsAfter(afterId: number, limit: number): Promise<AlertEvent[]> {
    return this.run(() => delivery.alertEventsAfter(this.context(), afterId, limit));
  }

  async latestAlertEventId(createdBefore?: number): Promise<number> {
    return this.run(() => delivery.latestAlertEventId(this.context(), createdBefore));
  }

  async channelPosition(channel: string): Promise<number | undefined> {
    return this.run(() => delivery.channelPosition(this.context(), channel));
  }

  async queueDeliveries(channel: string, expectedPosition: number | undefined, eventIds: readonly number[], throughId: number, at: number): Promise<boolean> {
    return this.run(() => delivery.queueDeliveries(this.context(), channel, expectedPosition, eventIds, throughId, at));
  }

  async pendingDeliveries(channel: string, limit: number): Promise<AlertDeliveryWithEvent[]> {
    return this.run(() => delivery.pendingDeliveries(this.context(), channel, limit));
  }

  async recordDeliveryAttempt(id: number, outcome: DeliveryOutcome): Promise<boolean> {
    return this.run(() => delivery.recordDeliveryAttempt(this.context(), id, outcome));
  }

  async listDeliveries(query: DeliveryQuery): Promise<AlertDeliveryWithEvent[]> {
    return this.run(() => delivery.listDeliveries(this.context(), query));
  }

  async retryDelivery(id: number, at: number): Promise<RetryResult | undefined> {
    return this.run(() => delivery.retryDelivery(this.context(), id, at));
  }

  onAlertEvent(listener: () => void): () => void {
    return this.alertEvents.on(listener);
  }

  // When sensors were last heard (sqlite-sensor-activity.ts).
  async recordSensorActivity(rows: readonly SensorActivity[]): Promise<SilenceOver[]> {
    return this.run(() => activity.recordSensorActivity(this.context(), rows));
  }

  async listSensorActivity(query: SensorActivityQuery): Promise<SensorActivityRow[]> {
    return this.run(() => activity.listSensorActivity(this.context(), query));
  }

  async markSilenceAlerted(sensor: SensorKey, lastReceivedAt: number): Promise<boolean> {
    return this.run(() => activity.markSilenceAlerted(this.context(), sensor, lastReceivedAt));
  }

  // Lot events, custody derived from them, and trace (sqlite-lot-events.ts).
  async recordEvents(events: readonly LotEvent[], recordedAt: number): Promise<RecordEventResult[]> {
    return this.run(() => lotEvents.recordEvents(this.context(), events, recordedAt));
  }

  async getEvent(eventId: string): Promise<StoredLotEvent | undefined> {
    return this.run(() => lotEvents.getEvent(this.context(), eventId));
  }

  async lotEvents(tlc: string): Promise<StoredLotEvent[]> {
    return this.run(() => lotEvents.lotEvents(this.context(), tlc));
  }

  async eraseEventContacts(eventId: string): Promise<boolean> {
    return this.run(() => lotEvents.eraseEventContacts(this.context(), eventId));
  }

  async trace(tlc: string, direction: TraceDirection, limits: TraceLimits): Promise<LotTrace | undefined> {
    return this.run(() => lotEvents.trace(this.context(), tlc, direction, limits));
  }

  async readingSummaries(spans: readonly ReadingSpan[]): Promise<ReadingSummary[]> {
    return this.run(() => lotEvents.readingSummaries(this.context(), spans));
  }

  // Export reads (sqlite-exports.ts).
  async eventsOfLots(tlcs: readonly string[]): Promise<StoredLotEvent[]> {
    return this.run(() => exportReads.eventsOfLots(this.context(), tlcs));
  }

  async eventsInRange(page: EventRangePage): Promise<StoredLotEvent[]> {
    return this.run(() => exportReads.eventsInRange(this.context(), page));
  }

  // The anchoring job's queue and state (sqlite-anchors.ts).
  async ensureAnchorTarget(spec: AnchorTargetSpec, at: number): Promise<{ status: 'registered' | 'unchanged' | 'conflict'; target: AnchorTargetState }> {
    return this.run(() => anchors.ensureAnchorTarget(this.context(), spec, at));
  }

  async anchorTarget(name: string): Promise<AnchorTargetState | undefined> {
    return this.run(() => anchors.anchorTarget(this.context(), name));
  }

  async setAnchorNonce(name: string, nextNonce: number | undefined, lastError: string | undefined, at: number): Promise<void> {
    return this.run(() => anchors.setAnchorNonce(this.context(), name, nextNonce, lastError, at));
  }

  async enqueueAnchorHead(head: AnchorHead, at: number): Promise<EnqueueAnchorResult> {
    return this.run(() => anchors.enqueueAnchorHead(this.context(), head, at));
  }

  async openAnchors(target: string, limit: number): Promise<AnchorRecord[]> {
    return this.run(() => anchors.openAnchors(this.context(), target, limit));
  }

  async getAnchor(target: string, epoch: number): Promise<AnchorRecord | undefined> {
    return this.run(() => anchors.getAnchor(this.context(), target, epoch));
  }

  async listAnchors(query: AnchorQuery): Promise<AnchorRecord[]> {
    return this.run(() => anchors.listAnchors(this.context(), query));
  }

  async firstAnchors(fromEpoch: number): Promise<AnchorRecord[]> {
    return this.run(() => anchors.firstAnchors(this.context(), fromEpoch));
  }

  async anchorCounts(target: string): Promise<Record<AnchorStatus, number>> {
    return this.run(() => anchors.anchorCounts(this.context(), target));
  }

  async recordAnchorBroadcast(target: string, epoch: number, nonce: number, broadcast: AnchorBroadcast): Promise<boolean> {
    return this.run(() => anchors.recordAnchorBroadcast(this.context(), target, epoch, nonce, broadcast));
  }

  async recordAnchorInclusion(target: string, epoch: number, inclusion: AnchorInclusion): Promise<boolean> {
    return this.run(() => anchors.recordAnchorInclusion(this.context(), target, epoch, inclusion));
  }

  async recordAnchorFinal(target: string, epoch: number, confirmations: number, at: number): Promise<boolean> {
    return this.run(() => anchors.recordAnchorFinal(this.context(), target, epoch, confirmations, at));
  }

  async recordAnchorReorg(target: string, epoch: number, reason: string, at: number): Promise<boolean> {
    return this.run(() => anchors.recordAnchorReorg(this.context(), target, epoch, reason, at));
  }

  async recordAnchorFailure(target: string, epoch: number, reason: string, at: number): Promise<boolean> {
    return this.run(() => anchors.recordAnchorFailure(this.context(), target, epoch, reason, at));
  }

  async noteAnchor(target: string, epoch: number, note: { lastError?: string; confirmations?: number }, at: number): Promise<boolean> {
    return this.run(() => anchors.noteAnchor(this.context(), target, epoch, note, at));
  }

  // Epochs and their leaves (sqlite-epochs.ts).
  async saveEpoch(epoch: NewEpoch, at: number): Promise<SaveEpochResult> {
    return this.run(() => epochs.saveEpoch(this.context(), epoch, at));
  }

  async epochHead(epoch: number): Promise<StoredEpochHead | undefined> {
    return this.run(() => epochs.epochHead(this.context(), epoch));
  }

  async latestEpochHead(): Promise<StoredEpochHead | undefined> {
    return this.run(() => epochs.latestEpochHead(this.context()));
  }

  async epochLeaves(epoch: number): Promise<EpochLeaf[]> {
    return this.run(() => epochs.epochLeaves(this.context(), epoch));
  }

  async lotLeaves(lot: string, limit: number): Promise<EpochLeaf[]> {
    return this.run(() => epochs.lotLeaves(this.context(), lot, limit));
  }

  async epochCandidateLots(since: number): Promise<string[]> {
    return this.run(() => epochs.epochCandidateLots(this.context(), since));
  }

  async lotGatewayBatches(lot: string): Promise<LotGatewayBatches[]> {
    return this.run(() => epochs.lotGatewayBatches(this.context(), lot));
  }

  // API keys, parties, audit log (auth-types.ts).
  async createApiKey(key: NewApiKey): Promise<boolean> {
    return this.run(() => auth.createApiKey(this.context(), key));
  }

  async apiKeyWithHash(id: string): Promise<(ApiKeyRecord & { secretHash: string }) | undefined> {
    return this.run(() => auth.apiKeyWithHash(this.context(), id));
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    return this.run(() => auth.listApiKeys(this.context()));
  }

  async revokeApiKey(id: string, by: string, at: number): Promise<boolean> {
    return this.run(() => auth.revokeApiKey(this.context(), id, by, at));
  }

  async touchApiKey(id: string, at: number): Promise<void> {
    await this.run(() => auth.touchApiKey(this.context(), id, at));
  }

  async upsertParty(party: Omit<Party, 'createdAt' | 'updatedAt'>, at: number): Promise<Party> {
    return this.run(() => auth.upsertParty(this.context(), party, at));
  }

  async getParty(id: string): Promise<Party | undefined> {
    return this.run(() => auth.getParty(this.context(), id));
  }

  async listParties(): Promise<Party[]> {
    return this.run(() => auth.listParties(this.context()));
  }

  async appendAudit(entries: readonly NewAuditEntry[]): Promise<AuditEntry[]> {
    return this.run(() => auth.appendAudit(this.context(), entries));
  }

  async listAudit(query: AuditQuery): Promise<AuditEntry[]> {
    return this.run(() => auth.listAudit(this.context(), query));
  }

  // Recalls (sqlite-recalls.ts).
  async createRecall(recall: NewRecall): Promise<Recall> {
    return this.run(() => recalls.createRecall(this.context(), recall));
  }

  async getRecall(id: number): Promise<Recall | undefined> {
    return this.run(() => recalls.getRecall(this.context(), id));
  }

  async listRecalls(limit: number): Promise<Array<RecallSummary & { notices: number; acknowledged: number }>> {
    return this.run(() => recalls.listRecalls(this.context(), limit));
  }

  async setRecallNoticeAlert(recallId: number, location: string, alertId: number): Promise<void> {
    this.run(() => recalls.setRecallNoticeAlert(this.context(), recallId, location, alertId));
  }

  async acknowledgeRecallNotice(recallId: number, location: string, ack: RecallAcknowledgement): Promise<{ notice: RecallNotice; changed: boolean } | undefined> {
    return this.run(() => recalls.acknowledgeRecallNotice(this.context(), recallId, location, ack));
  }

  private integrityPart: SqliteIntegrity | undefined;
  private integrity(): SqliteIntegrity {
    this.integrityPart ??= new SqliteIntegrity(this.db, (text) => this.sql(text), this.alertEvents);
    return this.integrityPart;
  }

  async queryReadings(q: ReadingQuery): Promise<StoredReading[]> {
    return this.run(() => queryReadingRows((sql) => this.sql(sql), q).map(toReading));
  }

  async committedBatchesAfter(position: number, limit: number): Promise<CommittedBatch[]> {
    // One connection and synchronous calls: every rid visible here is committed, and a later
    // commit gets a larger rid (INTEGER PRIMARY KEY picks max + 1), so nothing is skipped.
    return this.run(() => {
      const headers = this.sql(`SELECT ${COMMITTED_HEADER_COLUMNS} FROM batches WHERE rid > ? ORDER BY rid LIMIT ?`).all(position, limit) as Row[];
      if (headers.length === 0) return [];
      const [first, last] = readingRidSpan(Number(headers[0]!.rid), Number(headers[headers.length - 1]!.rid));
      const readings = this.sql('SELECT * FROM readings WHERE rid BETWEEN ? AND ? ORDER BY rid').all(first, last) as Row[];
      return assembleCommittedBatches(headers, readings);
    });
  }

  async backlogAfter(position: number): Promise<Backlog> {
    return this.run(() => {
      const row = this.sql('SELECT COUNT(*) AS b, COALESCE(SUM(reading_count), 0) AS r FROM batches WHERE rid > ?').get(position) as Row;
      return { batches: Number(row.b), readings: Number(row.r) };
    });
  }

  async getConsumerCursor(name: string): Promise<number> {
    return this.run(() => Number((this.sql('SELECT position FROM consumer_cursors WHERE name = ?').get(name) as Row | undefined)?.position ?? 0));
  }

  async setConsumerCursor(name: string, position: number): Promise<void> {
    this.run(() =>
      this.sql(
        `INSERT INTO consumer_cursors (name, position, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
      ).run(name, position, Date.now()),
    );
  }

  async advanceConsumerCursor(name: string, from: number, to: number): Promise<boolean> {
    return this.run(() => {
      const now = Date.now();
      // No row is position 0 (getConsumerCursor), so from 0 may create it.
      const result =
        from === 0
          ? this.sql(
              `INSERT INTO consumer_cursors (name, position, updated_at) VALUES (?, ?, ?)
               ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at WHERE consumer_cursors.position = 0`,
            ).run(name, to, now)
          : this.sql('UPDATE consumer_cursors SET position = ?, updated_at = ? WHERE name = ? AND position = ?').run(to, now, name, from);
      return result.changes === 1;
    });
  }

  async counts(): Promise<StoreCounts> {
    return this.run(() => {
      const one = (sql: string): number => Number((this.sql(sql).get() as Row).n ?? 0);
      const rejectedByCode: StoreCounts['rejectedByCode'] = {};
      for (const r of this.sql('SELECT code, COUNT(*) AS n FROM rejections GROUP BY code').all() as Row[]) {
        rejectedByCode[r.code as ErrorCode] = Number(r.n);
      }
      return {
        gateways: one('SELECT COUNT(*) AS n FROM gateways'),
        batches: one('SELECT COUNT(*) AS n FROM batches'),
        // Summing the per-batch count avoids scanning the (much larger) readings table.
        readings: one('SELECT COALESCE(SUM(reading_count), 0) AS n FROM batches'),
        quarantined: one('SELECT COUNT(*) AS n FROM quarantine'),
        rejectedByCode,
      };
    });
  }

  async ping(): Promise<void> {
    this.run(() => this.sql('SELECT 1').get());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.writer.flush();
    this.closed = true;
    this.db.close();
  }

  /** Prepared statements are cached: preparing costs more than running a small insert. */
  private sql(text: string): Database.Statement {
    let stmt = this.statements.get(text);
    if (!stmt) {
      stmt = this.db.prepare(text);
      this.statements.set(text, stmt);
    }
    return stmt;
  }

  private gatewayRow(id: string): Gateway | undefined {
    const row = this.sql('SELECT * FROM gateways WHERE id = ?').get(id) as Row | undefined;
    return row ? toGateway(row) : undefined;
  }

  /** Runs one synchronous database call, turning driver errors into FT_ERR_STORE (retryable). */
  private run<T>(fn: () => T): T {
    if (this.closed) throw new FreshTrailError('FT_ERR_STORE', 'the store is closed');
    try {
      return fn();
    } catch (err) {
      throw asStoreError(err);
    }
  }
}

/** A SQLite failure as the retryable FT_ERR_STORE the pipeline answers with. */
function asStoreError(err: unknown): FreshTrailError {
  return err instanceof FreshTrailError ? err : new FreshTrailError('FT_ERR_STORE', `SQLite: ${errorMessage(err)}`, { cause: err });
}
