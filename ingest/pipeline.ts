/**
 * The ingest pipeline: envelope bytes from any transport → verification rules (verify.ts) →
 * a store commit → the Ack the transport returns. Every batch of one gateway goes through one
 * serial queue, whichever transport carried it, so chain checks and commits never race.
 * Quarantine admission and enrollment run in the same queue. Batches of a gateway that queue
 * up while its previous commit is in progress are verified and committed as one group
 * (commit-group.ts), each with its own outcome.
 *
 * Outcomes: an Ack with status accepted, duplicate, quarantined or rejected (a rejected input is
 * counted and kept as evidence, never thrown). A batch beyond its gateway's rate limit
 * (rate-limit.ts) is answered before any verification with a rejected Ack of the retryable code
 * FT_ERR_RATE_LIMITED: counted, but neither stored nor kept as evidence. Retryable failures
 * (the store is down, the service is shutting down) are thrown as FreshTrailError FT_ERR_STORE:
 * nothing was committed and the sender must retry.
 */
import { FreshTrailError, errorMessage, isFreshTrailError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import type { Ack } from '../protocol/ack.js';
import type { SealedBatch } from '../protocol/batch.js';
import { PUBLIC_KEY_HEX } from '../protocol/keys.js';
import { ID_PATTERN } from '../protocol/reading.js';
import { CommitGroup, MAX_GROUP_BATCHES, type EntryOutcome, type GroupEntry, type Receipt } from './commit-group.js';
import { GroupingQueue, settle, type Settled } from './grouping-queue.js';
import { startSignatureCheck } from './signature-check.js';
import { alertForRejection, raiseSafely } from './integrity-alerts.js';
import { KeyedSerialQueue } from './keyed-queue.js';
import type { IngestMetrics } from './metrics.js';
import { GatewayRateLimiter, type GatewayRateConfig } from './rate-limit.js';
import type { EnrollResult, Gateway, QuarantinedBatch, Rejection, RevokeResult, Store, Transport } from './store/types.js';
import { checkTopic, claimedIdentity, decodeRule, resealQuarantined } from './verify.js';

export interface PipelineLimits {
  maxEnvelopeBytes: number;
  maxClockSkewMs: number;
  maxQuarantinePerGateway: number;
  /** Per-gateway rate limit over readings; none when absent (tests, benchmarks). */
  gatewayRate?: GatewayRateConfig;
}

export interface PipelineOptions {
  store: Store;
  metrics: IngestMetrics;
  logger: Logger;
  limits: PipelineLimits;
  /** Receipt clock, UTC ms; injected so tests control skew. */
  now?: () => number;
}

export interface Submission {
  transport: Transport;
  /** Gateway id of the MQTT topic the envelope arrived on; undefined for HTTP. */
  topicGateway?: string;
}

export interface AdmissionReport {
  gateway: string;
  admitted: number;
  duplicates: number;
  rejected: number;
}

export interface EnrollRequest {
  id: string;
  publicKey: string;
  label?: string;
}

export interface EnrollOutcome {
  result: EnrollResult;
  admission: AdmissionReport;
}

export interface RevokeRequest {
  id: string;
  reason: string;
  /** Batches whose signed createdAt is at or after this (UTC ms) are refused; default now. */
  effectiveAt?: number;
}

/** Bound of the enrolled-key hint map; gateways beyond it are simply checked later, on the main thread. */
const MAX_REMEMBERED_KEYS = 10_000;
/** Re-verifications of a group whose neighbours other instances keep storing; a batch's two neighbours can change at most twice. */
const MAX_STALE_ROUNDS = 4;

export class IngestPipeline {
  private readonly queue = new KeyedSerialQueue();
  private readonly batches: GroupingQueue<GroupEntry, Ack>;
  /** Public keys of gateways seen enrolled, for early signature checks only (a hint: see signature-check.ts). */
  private readonly enrolledKeys = new Map<string, string>();
  private readonly now: () => number;
  private readonly rate: GatewayRateLimiter | undefined;
  private closing = false;

  constructor(private readonly options: PipelineOptions) {
    this.now = options.now ?? Date.now;
    this.rate = options.limits.gatewayRate ? new GatewayRateLimiter(options.limits.gatewayRate) : undefined;
    this.batches = new GroupingQueue(this.queue, MAX_GROUP_BATCHES, (gateway, entries) => this.processGroup(gateway, entries));
  }

  /** Loads the gauges from the store; call once before serving. */
  async init(): Promise<void> {
    const counts = await this.options.store.counts();
    this.options.metrics.gatewaysEnrolled.set(counts.gateways);
    this.options.metrics.quarantinePending.set(counts.quarantined);
  }

  /** Verifies and commits one envelope; resolves after the commit with the Ack to send back. */
  async submit(envelope: Uint8Array, submission: Submission): Promise<Ack> {
    if (this.closing) throw new FreshTrailError('FT_ERR_STORE', 'the ingest is shutting down: retry against the restarted service');
    const receipt: Receipt = { transport: submission.transport, receivedAt: this.now() };
    let sealed: SealedBatch;
    try {
      sealed = decodeRule(envelope, this.options.limits.maxEnvelopeBytes);
      checkTopic(sealed, submission.topicGateway);
    } catch (err) {
      if (!isRejection(err)) throw err;
      const claimed = claimedIdentity(envelope, this.options.limits.maxEnvelopeBytes);
      const outcome = await this.reject(err, receipt, { gateway: claimed.gateway ?? submission.topicGateway, seq: claimed.seq });
      this.countBatch(outcome, receipt.transport);
      return outcome;
    }
    const gateway = sealed.batch.gateway;
    this.options.metrics.readingsReceived.inc({ transport: receipt.transport }, sealed.batch.readings.length);
    const limited = this.rateLimited(sealed, receipt);
    if (limited) return limited;
    // Behind other batches of its gateway, the signature check can start now on another core.
    const key = this.batches.isBusy(gateway) ? this.enrolledKeys.get(gateway) : undefined;
    const signature = key === undefined ? undefined : startSignatureCheck(sealed, key);
    const ack = await this.batches.push(gateway, { sealed, receipt, signature });
    this.countBatch(ack, receipt.transport);
    return ack;
  }

  /**
   * Enrolls a gateway (DESIGN.md "Gateway identity") and then verifies and admits its
   * quarantined batches in seq order. A conflicting key changes nothing.
   */
  async enroll(request: EnrollRequest): Promise<EnrollOutcome> {
    if (!ID_PATTERN.test(request.id)) throw new FreshTrailError('FT_ERR_SCHEMA', 'id must be 1–128 printable ASCII characters without " or \\');
    if (!PUBLIC_KEY_HEX.test(request.publicKey)) throw new FreshTrailError('FT_ERR_SCHEMA', 'publicKey must be the raw Ed25519 public key as 64 lowercase hex characters');
    return this.queue.run(request.id, async () => {
      const gateway: Gateway = { id: request.id, publicKey: request.publicKey, label: request.label, enrolledAt: this.now() };
      const result = await this.options.store.enrollGateway(gateway);
      if (result.status === 'enrolled') {
        this.options.metrics.gatewaysEnrolled.inc();
        this.options.logger.info({ gateway: gateway.id, label: gateway.label }, 'gateway enrolled');
      }
      const admission = result.status === 'conflict' ? emptyReport(gateway.id) : await this.admitLocked(result.gateway);
      return { result, admission };
    });
  }

  /**
   * Revokes a gateway's key (undefined when it is not enrolled). Runs in the gateway's queue:
   * a group already being verified finishes first, every later one reads the revocation with
   * the gateway row (processGroup), so no batch races it.
   */
  async revoke(request: RevokeRequest): Promise<RevokeResult | undefined> {
    return this.queue.run(request.id, async () => {
      const recordedAt = this.now();
      const result = await this.options.store.revokeGateway(request.id, { effectiveAt: request.effectiveAt ?? recordedAt, reason: request.reason, recordedAt });
      this.enrolledKeys.delete(request.id);
      if (result && result.status !== 'unchanged') {
        this.options.logger.warn({ gateway: request.id, ...result.gateway.revocation }, 'gateway key revoked');
      }
      return result;
    });
  }

  /** Admits the quarantined batches of an enrolled gateway (no-op for an unknown one). */
  async admitQuarantined(gatewayId: string): Promise<AdmissionReport> {
    if (this.closing) return emptyReport(gatewayId); // shutting down: the next start admits it
    return this.queue.run(gatewayId, async () => {
      const gateway = await this.options.store.getGateway(gatewayId);
      return gateway ? this.admitLocked(gateway) : emptyReport(gatewayId);
    });
  }

  /** At start: admits what an enrollment made while the service was down left in quarantine. */
  async admitAllQuarantined(): Promise<AdmissionReport[]> {
    const held = await this.options.store.quarantineByGateway();
    return Promise.all(held.map((h) => this.admitQuarantined(h.gateway)));
  }

  /** Refuses new work and resolves when every queued batch is committed or refused. */
  async close(): Promise<void> {
    this.closing = true;
    await this.queue.drain();
  }

  /** One group of a gateway's batches, in arrival order (runs in the gateway's queue). */
  private async processGroup(gatewayId: string, entries: GroupEntry[]): Promise<Array<Settled<Ack>>> {
    const gateway = await this.options.store.getGateway(gatewayId);
    if (gateway) {
      if (this.enrolledKeys.size < MAX_REMEMBERED_KEYS) this.enrolledKeys.set(gateway.id, gateway.publicKey);
      return this.verifyAndCommit(gateway, entries);
    }
    const results: Array<Settled<Ack>> = [];
    for (const { sealed, receipt } of entries) results.push(await settle(() => this.quarantine(sealed, receipt)));
    return results;
  }

  /**
   * Rules 3–8 and one commit for batches of an enrolled gateway (commit-group.ts). A store
   * failure of the first verification or commit fails them all (nothing was committed). When
   * another instance stored a neighbour of some batches meanwhile (CommitResult 'stale'), those
   * are verified again against it — each round sees at least one more neighbour — and only they
   * fail if the store fails then or the chain keeps changing; the batches committed earlier are
   * concluded as usual. The evidence of a rejection is recorded after the commit, and failing to
   * record it fails only that batch.
   */
  private async verifyAndCommit(gateway: Gateway, entries: readonly GroupEntry[]): Promise<Array<Settled<Ack>>> {
    let outcomes: EntryOutcome[];
    try {
      outcomes = await this.verifyAndCommitOnce(gateway, entries);
    } catch (err) {
      throw this.storeFailure(err);
    }
    const failed = new Map<number, FreshTrailError>();
    for (let round = 1; round <= MAX_STALE_ROUNDS && outcomes.some((o) => o.status === 'stale'); round++) {
      this.options.metrics.staleRetries.inc();
      const stale = outcomes.flatMap((o, i) => (o.status === 'stale' ? [i] : []));
      try {
        const again = await this.verifyAndCommitOnce(gateway, stale.map((i) => entries[i]!));
        stale.forEach((i, k) => (outcomes[i] = again[k]!));
      } catch (err) {
        const failure = this.storeFailure(err);
        for (const i of stale) failed.set(i, failure);
        break;
      }
    }
    const results: Array<Settled<Ack>> = [];
    for (const [i, outcome] of outcomes.entries()) {
      const failure = failed.get(i) ?? (outcome.status === 'stale' ? this.storeFailure(new FreshTrailError('FT_ERR_STORE', `the chain of gateway "${gateway.id}" kept changing while this batch was verified (other ingest instances storing its batches): retry`)) : undefined);
      results.push(failure ? { error: failure } : await settle(() => this.conclude(entries[i]!, outcome)));
    }
    return results;
  }

  private async verifyAndCommitOnce(gateway: Gateway, entries: readonly GroupEntry[]): Promise<EntryOutcome[]> {
    const { store, metrics, limits } = this.options;
    const group = new CommitGroup(store, gateway, limits.maxClockSkewMs);
    for (const entry of entries) await group.verify(entry);
    const endTimer = group.accepted > 0 ? metrics.commitSeconds.startTimer() : undefined;
    const outcomes = await group.commit();
    endTimer?.();
    return outcomes;
  }

  /** Counts and logs one batch's outcome and builds its Ack; a rejection is recorded as evidence. */
  private async conclude({ sealed, receipt }: GroupEntry, outcome: EntryOutcome): Promise<Ack> {
    const { metrics, logger } = this.options;
    const { batch } = sealed;
    if (outcome.status === 'duplicate') return ack(sealed, 'duplicate');
    if (outcome.status === 'rejected') {
      return this.reject(outcome.error, receipt, { gateway: batch.gateway, seq: batch.seq, sealed, conflictsWith: outcome.conflictsWith });
    }
    if (outcome.status === 'stale') throw new Error('a stale outcome reached conclude: verifyAndCommit verifies those again');
    const { flags } = outcome;
    metrics.readingsVerified.inc(batch.readings.length);
    if (flags.gap) metrics.flagged.inc({ flag: 'gap' });
    if (flags.clockSkewMs !== undefined) metrics.flagged.inc({ flag: 'clock_skew' });
    logger.debug({ gateway: batch.gateway, seq: batch.seq, id: sealed.id, readings: batch.readings.length, ...flags }, 'batch committed');
    return ack(sealed, 'accepted');
  }

  private async quarantine(sealed: SealedBatch, receipt: Receipt): Promise<Ack> {
    const { store, metrics, limits } = this.options;
    const { batch } = sealed;
    const full = (await store.quarantineCount(batch.gateway)) >= limits.maxQuarantinePerGateway;
    if (full && !(await store.isQuarantined(batch.gateway, sealed.id))) {
      const err = new FreshTrailError(
        'FT_ERR_UNKNOWN_GATEWAY',
        `gateway "${batch.gateway}" is not enrolled and already has ${limits.maxQuarantinePerGateway} batches in quarantine: enroll it (freshtrail gateway enroll) or raise limits.maxQuarantinePerGateway`,
      );
      return this.reject(err, receipt, { gateway: batch.gateway, seq: batch.seq, keep: false });
    }
    const reason = `gateway "${batch.gateway}" is not enrolled; the batch is held in quarantine and will be verified when it is (freshtrail gateway enroll)`;
    const entry: QuarantinedBatch = { gateway: batch.gateway, seq: batch.seq, id: sealed.id, sig: sealed.sig, canonical: sealed.canonical, reason, ...receipt };
    if (await store.quarantine(entry)) {
      metrics.quarantined.inc();
      metrics.quarantinePending.inc();
      this.options.logger.info({ gateway: batch.gateway, seq: batch.seq, id: sealed.id }, 'batch of an unknown gateway quarantined');
    }
    return { ...ack(sealed, 'quarantined'), code: 'FT_ERR_UNKNOWN_GATEWAY', reason };
  }

  private async admitLocked(gateway: Gateway): Promise<AdmissionReport> {
    const { store, metrics, logger } = this.options;
    const report = emptyReport(gateway.id);
    for (const held of await store.listQuarantine(gateway.id)) {
      const receipt: Receipt = { transport: held.transport, receivedAt: held.receivedAt };
      const outcome = await this.admitOne(gateway, held, receipt);
      // Removed only after the commit (or the rejection record): a crash in between re-admits it as a duplicate.
      if (await store.removeFromQuarantine(held.gateway, held.id)) metrics.quarantinePending.dec();
      if (outcome.status === 'accepted') report.admitted += 1;
      else if (outcome.status === 'duplicate') report.duplicates += 1;
      else report.rejected += 1;
    }
    metrics.admitted.inc(report.admitted);
    if (report.admitted + report.duplicates + report.rejected > 0) logger.info(report, 'quarantined batches admitted');
    return report;
  }

  /** Verifies and commits one quarantined envelope (a group of one); throws only store failures. */
  private async admitOne(gateway: Gateway, held: QuarantinedBatch, receipt: Receipt): Promise<Ack> {
    let sealed: SealedBatch;
    try {
      sealed = resealQuarantined(held);
    } catch (err) {
      if (!isRejection(err)) throw err;
      return this.reject(err, receipt, { gateway: held.gateway, seq: held.seq });
    }
    const [result] = await this.verifyAndCommit(gateway, [{ sealed, receipt }]);
    if (result === undefined) throw new Error('no outcome for a quarantined batch');
    if ('error' in result) throw result.error;
    return result.value;
  }

  /** Records a refused envelope (with its bytes when decoded, as evidence) and builds its Ack. */
  private async reject(
    err: FreshTrailError,
    receipt: Receipt,
    about: { gateway?: string; seq?: number; sealed?: SealedBatch; conflictsWith?: string; keep?: boolean },
  ): Promise<Ack> {
    const { sealed } = about;
    const rejection: Rejection = {
      code: err.code,
      reason: err.message,
      ...receipt,
      gateway: about.gateway,
      seq: about.seq,
      id: sealed?.id,
      sig: sealed?.sig,
      canonical: sealed?.canonical,
      conflictsWith: about.conflictsWith,
    };
    try {
      if (about.keep !== false) await this.options.store.recordRejection(rejection);
    } catch (storeErr) {
      throw this.storeFailure(storeErr);
    }
    // After the evidence is stored; a failed raise is logged and counted, the Ack stands.
    const alert = about.keep !== false ? alertForRejection(rejection) : undefined;
    if (alert) await raiseSafely(this.options, alert);
    this.options.metrics.rejections.inc({ code: err.code });
    this.options.logger.warn({ code: err.code, gateway: about.gateway, seq: about.seq, transport: receipt.transport }, err.message);
    return { v: 1, gateway: about.gateway ?? '', seq: about.seq ?? 0, id: sealed?.id, status: 'rejected', code: err.code, reason: err.message };
  }

  private storeFailure(err: unknown): FreshTrailError {
    this.options.metrics.storeErrors.inc();
    this.options.logger.error({ err }, 'store failure: the batch was not committed');
    return isFreshTrailError(err) && err.code === 'FT_ERR_STORE' ? err : new FreshTrailError('FT_ERR_STORE', `the batch could not be committed: ${errorMessage(err)}`, { cause: err });
  }

  /**
   * The rate-limit answer for a batch beyond its gateway's bucket, or undefined when it may
   * proceed. Retryable: the edge keeps the batch and sends the same bytes again.
   */
  private rateLimited(sealed: SealedBatch, receipt: Receipt): Ack | undefined {
    const decision = this.rate?.take(sealed.batch.gateway, sealed.batch.readings.length, receipt.receivedAt);
    if (!decision || decision.allowed) return undefined;
    const { gateway } = sealed.batch;
    const retryAfterS = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    const reason = `gateway "${gateway}" sends more than limits.gatewayRate allows (${this.options.limits.gatewayRate!.readingsPerSecond} readings/s): the batch was not stored; send it again in ${retryAfterS} s, or raise the limit`;
    this.options.metrics.rejections.inc({ code: 'FT_ERR_RATE_LIMITED' });
    // debug, not warn: a gateway catching up is expected to hit this many times; the metric shows it.
    this.options.logger.debug({ gateway, seq: sealed.batch.seq, retryAfterS, transport: receipt.transport }, 'batch rate-limited');
    const limited: Ack = { ...ack(sealed, 'rejected'), code: 'FT_ERR_RATE_LIMITED', reason, retryAfterS };
    this.countBatch(limited, receipt.transport);
    return limited;
  }

  private countBatch(outcome: Ack, transport: Transport): void {
    this.options.metrics.batches.inc({ status: outcome.status, transport });
  }
}

function isRejection(err: unknown): err is FreshTrailError {
  return isFreshTrailError(err) && err.errorClass === 'rejected';
}

function ack(sealed: SealedBatch, status: Ack['status']): Ack {
  return { v: 1, gateway: sealed.batch.gateway, seq: sealed.batch.seq, id: sealed.id, status };
}

function emptyReport(gateway: string): AdmissionReport {
  return { gateway, admitted: 0, duplicates: 0, rejected: 0 };
}
