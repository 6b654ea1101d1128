/**
 * The ingest's system of record (DESIGN.md "Store"): enrolled gateways, the exact signed bytes
 * of every accepted batch with its readings, quarantined envelopes of unknown gateways, and the
 * evidence of rejected ones. Asynchronous and SQL-portable so that the SQLite implementation
 * (embedded default) and a PostgreSQL one share one contract test suite (STYLE.md §5).
 *
 * Contract shared by all implementations:
 * - Every method may be called concurrently; each mutating method is atomic.
 * - A mutating method resolves only after its transaction is durably committed.
 * - Batches are unique on (gateway, seq) and on id; readings are unique on (batchId, index).
 * - Times are UTC milliseconds.
 */
import type { AlertDeliveryStore } from './alert-delivery-types.js';
import type { RecallStore } from './recall-types.js';
import type { AuthStore } from './auth-types.js';
import type { AnchorStore } from './anchor-types.js';
import type { EpochStore } from './epoch-types.js';
import type { ExportStore } from './export-types.js';
import type { LotEventStore } from './lot-event-types.js';
import type { SensorActivityStore } from './sensor-activity-types.js';
import type { ErrorCode } from '../../common/errors.js';
import type { SealedBatch } from '../../protocol/batch.js';
import type { TimestampSource } from '../../protocol/reading.js';
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
import type { JoinRequest, JoinRequestStatus, JoinToken, NewJoinRequest, RedeemResult, Revocation, RevokeResult } from './identity-types.js';

export type { JoinRequest, JoinRequestStatus, JoinToken, NewJoinRequest, RedeemResult, Revocation, RevokeResult } from './identity-types.js';
import type { CreateLotResult, CreateShipmentResult, CustodyInterval, FreshnessPoint, LocationPoint, Lot, LotFreshness, MoveLotResult, NewLot, ShelfLifeUpdate, Shipment, HeldCustody, ListedLot, LocationScope } from './lot-types.js';
export type { CreateLotResult, CreateShipmentResult, CustodyInterval, FreshnessPoint, LocationPoint, Lot, HeldCustody, LotFreshness, MoveLotResult, NewLot, ShelfLifeUpdate, Shipment } from './lot-types.js';

export type Transport = 'mqtt' | 'http';

export interface Gateway {
  id: string;
  /** Raw Ed25519 public key, 64 lowercase hex characters. */
  publicKey: string;
  label?: string;
  enrolledAt: number;
  /** Set once the key is revoked; the gateway stays listed and its stored batches stay valid. */
  revocation?: Revocation;
}

export interface GatewaySummary extends Gateway {
  /** receivedAt of its latest accepted batch. */
  lastSeenAt?: number;
  /** Highest accepted seq. */
  lastSeq?: number;
  batches: number;
  readings: number;
}

export type EnrollResult =
  /** A new gateway was stored. */
  | { status: 'enrolled'; gateway: Gateway }
  /** The id was already enrolled with this key; nothing changed. */
  | { status: 'unchanged'; gateway: Gateway }
  /** The id is enrolled with another key; nothing changed. */
  | { status: 'conflict'; gateway: Gateway };

/** What the verifier found, stored with the batch. */
export interface BatchFlags {
  /** seq − 1 was not stored when this batch was accepted. */
  gap: boolean;
  /** createdAt − receivedAt in ms when beyond the configured tolerance, else undefined. */
  clockSkewMs?: number;
}

export interface BatchMeta {
  receivedAt: number;
  transport: Transport;
  flags: BatchFlags;
}

export type CommitResult =
  | { status: 'committed' }
  /** The same batch (same id) was already stored under (gateway, seq). */
  | { status: 'duplicate' }
  /** Another batch is stored under (gateway, seq); nothing was written. */
  | { status: 'fork'; existingId: string }
  /**
   * The batches stored under seq − 1 or seq + 1 are no longer those the chain checks saw
   * ({@link BatchToCommit.checkedNeighbours}); nothing was written: check the batch again.
   */
  | { status: 'stale' };

/** A stored batch without its bytes: what chain checks need. */
export interface BatchHeader {
  gateway: string;
  seq: number;
  id: string;
  prev: string;
  createdAt: number;
  receivedAt: number;
  transport: Transport;
  readingCount: number;
  flags: BatchFlags;
}

/** The batches stored next to a seq: what the chain rules (ingest/verify.ts rules 4–7) read. */
export interface ChainNeighbours {
  /** Stored under seq − 1. */
  previous?: BatchHeader;
  /** Stored under seq itself. */
  current?: BatchHeader;
  /** Stored under seq + 1. */
  following?: BatchHeader;
}

/** One batch of a {@link Store.commitBatches} call. */
export interface BatchToCommit {
  sealed: SealedBatch;
  meta: BatchMeta;
  /**
   * The ids stored under seq − 1 and seq + 1 when the chain checks ran (null: none). When given,
   * the store writes the batch only if they are still those — checked under a per-gateway lock
   * held until the commit — and otherwise answers 'stale'. Several ingest instances may verify
   * consecutive batches of one gateway at once; without this, each would check its batch against
   * a chain without the other's, and the link between the two would never be checked.
   */
  checkedNeighbours?: CheckedNeighbours;
}

export interface CheckedNeighbours {
  previous: string | null;
  following: string | null;
}

export interface StoredBatch extends BatchHeader {
  sig: string;
  /** The exact bytes the gateway signed. */
  canonical: Buffer;
}

/** An envelope held until its gateway is enrolled. */
export interface QuarantinedBatch {
  gateway: string;
  seq: number;
  id: string;
  sig: string;
  canonical: Buffer;
  reason: string;
  receivedAt: number;
  transport: Transport;
}

/** A refused envelope kept as evidence (a fork, a bad signature, a broken chain). */
export interface Rejection {
  code: ErrorCode;
  reason: string;
  receivedAt: number;
  transport: Transport;
  /** Known when the envelope could be decoded. */
  gateway?: string;
  seq?: number;
  id?: string;
  sig?: string;
  canonical?: Buffer;
  /** For a fork: the id of the batch already stored under (gateway, seq). */
  conflictsWith?: string;
}

export interface StoredReading {
  batchId: string;
  /** Position of the reading in its batch. */
  index: number;
  gateway: string;
  seq: number;
  sensor: string;
  location: string;
  ts: number;
  tsSource: TimestampSource;
  tempC?: number;
  rh?: number;
  battery?: number;
  link?: number;
  src: string;
}

export interface ReadingQuery {
  location?: string;
  sensor?: string;
  gateway?: string;
  /** Inclusive lower bound of ts, ms. */
  from?: number;
  /** Exclusive upper bound of ts, ms. */
  to?: number;
  limit: number;
}

/**
 * A committed batch as after-commit consumers see it (ingest/consumers/): its header, its
 * readings in batch order, and its position, the commit order key (batches.rid) that consumer
 * cursors hold. Positions only grow; they need not be consecutive.
 */
export interface CommittedBatch extends BatchHeader {
  position: number;
  readings: StoredReading[];
}

/** What a consumer has still to handle after its cursor. */
export interface Backlog {
  batches: number;
  readings: number;
}

export interface StoreCounts {
  gateways: number;
  batches: number;
  readings: number;
  quarantined: number;
  rejectedByCode: Partial<Record<ErrorCode, number>>;
}

export interface Store extends AuthStore, AlertDeliveryStore, SensorActivityStore, AnchorStore, EpochStore, LotEventStore, ExportStore, RecallStore {
  /** Stores a gateway unless its id exists; see {@link EnrollResult}. */
  enrollGateway(gateway: Gateway): Promise<EnrollResult>;
  getGateway(id: string): Promise<Gateway | undefined>;
  getGatewaySummary(id: string): Promise<GatewaySummary | undefined>;
  listGateways(): Promise<GatewaySummary[]>;
  /**
   * Revokes a gateway's key (undefined when the id is not enrolled). Idempotent: a revocation
   * already in effect at or before `revocation.effectiveAt` is kept; an earlier effectiveAt
   * replaces a later one. See {@link RevokeResult}.
   */
  revokeGateway(id: string, revocation: Revocation): Promise<RevokeResult | undefined>;
  /** Stores a new join token (by hash). */
  createJoinToken(token: JoinToken): Promise<void>;
  /**
   * Consumes the token with this hash and stores the join request, atomically: of two
   * concurrent redemptions of one token exactly one gets 'pending'. A token is usable while
   * `now` < expiresAt and it was never used.
   */
  redeemJoinToken(tokenHash: string, request: NewJoinRequest, now: number): Promise<RedeemResult>;
  /** Join requests in id order; only those with `status` when given. */
  listJoinRequests(status?: JoinRequestStatus): Promise<JoinRequest[]>;
  getJoinRequest(id: number): Promise<JoinRequest | undefined>;
  /**
   * Marks a pending request approved or rejected and returns it; a request already decided is
   * returned unchanged (compare its status), an unknown id gives undefined.
   */
  decideJoinRequest(id: number, decision: 'approved' | 'rejected', at: number): Promise<JoinRequest | undefined>;

  /**
   * Stores a verified batch, its exact canonical bytes and one row per reading, in one
   * transaction. Idempotent on (gateway, seq): see {@link CommitResult}. The gateway must be
   * enrolled.
   */
  commitBatch(sealed: SealedBatch, meta: BatchMeta): Promise<CommitResult>;
  /** Calls `listener` after this process committed one or more batches; returns the unsubscribe function. */
  onCommitted(listener: () => void): () => void;
  /**
   * Commits several batches in one transaction, in order, each exactly as commitBatch would (a
   * later one sees the earlier ones): one durable commit for all, one result per batch. If the
   * transaction fails, nothing is stored.
   */
  commitBatches(batches: readonly BatchToCommit[]): Promise<CommitResult[]>;
  getBatch(gateway: string, seq: number): Promise<StoredBatch | undefined>;
  /**
   * The stored batches of `gateway` with fromSeq ≤ seq ≤ toSeq, in seq order, each as getBatch
   * returns it (exact signed bytes and signature), in one read. Seqs not stored are absent, so
   * a caller that needs the whole range compares the count; empty when fromSeq > toSeq.
   */
  batchRange(gateway: string, fromSeq: number, toSeq: number): Promise<StoredBatch[]>;
  /** Like getBatch without reading the bytes (up to the envelope limit) back. */
  getBatchHeader(gateway: string, seq: number): Promise<BatchHeader | undefined>;
  /** The headers stored under seq − 1, seq and seq + 1, in one read. */
  getChainNeighbours(gateway: string, seq: number): Promise<ChainNeighbours>;
  lastBatch(gateway: string): Promise<StoredBatch | undefined>;

  /** Holds an envelope of an unknown gateway; true when added, false when that id was already held. */
  quarantine(entry: QuarantinedBatch): Promise<boolean>;
  /** Whether the envelope with this id is held in quarantine. */
  isQuarantined(gateway: string, id: string): Promise<boolean>;
  /** How many envelopes one gateway has in quarantine. */
  quarantineCount(gateway: string): Promise<number>;
  /** Quarantined envelopes of one gateway in (seq, receivedAt) order. */
  listQuarantine(gateway: string): Promise<QuarantinedBatch[]>;
  /** Gateways with quarantined envelopes and how many each. */
  quarantineByGateway(): Promise<Array<{ gateway: string; batches: number }>>;
  /** True when an entry was removed. */
  removeFromQuarantine(gateway: string, id: string): Promise<boolean>;

  recordRejection(rejection: Rejection): Promise<void>;
  listRejections(gateway: string): Promise<Rejection[]>;
  /** One refused envelope of `gateway` by its row id, with its bytes (evidence download). */
  getRejection(gateway: string, rejectionId: number): Promise<StoredRejection | undefined>;
  /** Seqs of `gateway` with a refused FT_ERR_FORK envelope, in seq order, each with the stored batch. */
  listForks(gateway: string): Promise<ForkReport[]>;
  /**
   * Missing seqs above each gateway's retention floor and below its highest stored seq, in
   * (gateway, fromSeq) order; one gateway's or all gateways'. A gap that is later filled is
   * no longer listed.
   */
  listGaps(gateway?: string): Promise<ChainGap[]>;
  /** Highest seq of `gateway` retention has deleted (seqs up to it are not gaps); 0 when none. */
  retentionFloor(gateway: string): Promise<number>;

  /**
   * Opens an alert, or when a not-resolved alert with `dedupeKey` exists, bumps its
   * lastSeenAt and occurrences and keeps the latest message and details.
   */
  raiseAlert(input: AlertInput): Promise<RaiseResult>;
  /** raiseAlert for each input, in order, in one transaction; the results in input order. */
  raiseAlerts(inputs: readonly AlertInput[]): Promise<RaiseResult[]>;
  /** Resolves the not-resolved alert with this key; true when there was one. */
  resolveAlert(dedupeKey: string, at: number): Promise<boolean>;
  /** A person acknowledges or resolves alert `id`; undefined when there is no such alert. */
  actOnAlert(id: number, action: AlertAction): Promise<AlertActionResult | undefined>;
  /** Matching alerts, newest opened first, at most `limit`. */
  listAlerts(query: AlertQuery): Promise<Alert[]>;

  /** Protects batches (and their rejections) from retention. */
  addEvidenceHold(hold: NewEvidenceHold): Promise<EvidenceHold>;
  /** Holds of one gateway or all, in (gateway, fromSeq) order. */
  listEvidenceHolds(gateway?: string): Promise<EvidenceHold[]>;
  /** Every stored consumer cursor, by name. */
  listConsumerCursors(): Promise<ConsumerCursor[]>;
  /**
   * One bounded retention step over expired batches in (receivedAt, rid) order, in one
   * transaction: deletes the unheld, consumed ones with their readings (at most `maxRows`
   * rows) and raises the gateways' retention floors accordingly.
   */
  pruneBatches(step: PruneBatchesStep): Promise<PruneBatchesResult>;
  /** Deletes up to `maxRows` records of a kind older than `before` (UTC ms) in one transaction; returns how many. */
  pruneRecords(kind: ExpiringRecords, before: number, maxRows: number): Promise<number>;

  /**
   * Matching readings in ts order, at most `limit`. Readings with equal ts keep arrival order:
   * the batch committed first, then the position in the batch.
   */
  queryReadings(query: ReadingQuery): Promise<StoredReading[]>;

  /**
   * Committed batches with position > `position`, in commit order, at most `limit`, each with
   * its readings. Never skips: a batch not returned now (still committing) has a position above
   * the last one returned, so a consumer that stores that position as its cursor misses nothing.
   */
  committedBatchesAfter(position: number, limit: number): Promise<CommittedBatch[]>;
  /** How many committed batches and readings lie after `position` (consumer lag). */
  backlogAfter(position: number): Promise<Backlog>;
  /** The position stored for consumer `name`; 0 (before every batch) when none is stored. */
  getConsumerCursor(name: string): Promise<number>;
  /** Stores the position of consumer `name`; a lower one rewinds it (replay). */
  setConsumerCursor(name: string, position: number): Promise<void>;
  /**
   * Moves consumer `name` from `from` to `to` only if its cursor is still `from`; false when
   * something else moved it meanwhile (an operator's rewind, a previous leader's last round),
   * so a consumer round never overwrites a rewind. (A rewind to exactly `from` cannot be told
   * apart; that round delivers the very batches such a rewind asks for.)
   */
  advanceConsumerCursor(name: string, from: number, to: number): Promise<boolean>;

  // Lots and their freshness (lot-types.ts).
  /** Creates a lot with its first custody interval (at `location` from `createdAt`). Idempotent on the id. */
  createLot(lot: NewLot): Promise<CreateLotResult>;
  /** Ends the lot's current custody interval at `at` and starts one at `location`; undefined for an unknown lot. */
  moveLot(id: string, location: string, at: number): Promise<MoveLotResult | undefined>;
  getLot(id: string): Promise<Lot | undefined>;
  /** The lot's custody intervals in time order. */
  lotCustody(id: string): Promise<CustodyInterval[]>;
  /** Custody intervals at `location` overlapping [fromTs, toTs], with each lot's commodity. */
  custodyAt(location: string, fromTs: number, toTs: number): Promise<Array<HeldCustody>>;
  /** custodyAt for many locations over one span, in one query; ordered by location, lot, start. */
  custodyAtMany(locations: readonly string[], fromTs: number, toTs: number): Promise<Array<HeldCustody>>;
  /** The lots at `location` now (open custody intervals), with their commodity. */
  lotsAt(location: string): Promise<Array<HeldCustody>>;
  /**
   * At most `limit` lots (of `scope`, if given), least remaining shelf life first, then the lots
   * without freshness yet by id; each with its freshness and open custody. The dashboard's
   * overview: lots at risk, not a catalogue.
   */
  listLots(limit: number, scope?: LocationScope): Promise<ListedLot[]>;
  /** Stored freshness of these lots (those that have one). */
  lotFreshness(lots: readonly string[]): Promise<LotFreshness[]>;
  /** Where these locations' reading series stand (those that have one). */
  locationSeries(locations: readonly string[]): Promise<LocationPoint[]>;
  /** Writes series positions, lot freshness and history points in one transaction. */
  saveShelfLife(update: ShelfLifeUpdate): Promise<void>;
  /** A lot's freshness history, newest first, at most `limit` points. */
  freshnessHistory(lot: string, limit: number): Promise<FreshnessPoint[]>;
  /** Records a shipment of a known lot; idempotent on the id (same content: exists; other: conflict). */
  createShipment(shipment: Shipment): Promise<CreateShipmentResult>;
  /** A lot's shipments by ETA. */
  lotShipments(lot: string): Promise<Shipment[]>;
  shipmentsOfLots(lots: readonly string[], etaAfter: number): Promise<Shipment[]>; // those with an ETA after etaAfter (still under way), by lot, ETA, id

  counts(): Promise<StoreCounts>;
  /** Resolves when the store answers a trivial query; for health checks. */
  ping(): Promise<void>;
  /** Closes the store; pending calls finish first. Safe to call twice. */
  close(): Promise<void>;
}
