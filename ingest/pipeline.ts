/**
 * The ingest pipeline: envelope bytes from any transport → verification rules (verify.ts) →
 * one store commit → the Ack the transport returns. Every batch of one gateway goes through
 * one serial queue, whichever transport carried it, so chain checks and commits never race.
 * Quarantine admission and enrollment run in the same queue.
 *
 * Outcomes: an Ack with status accepted, duplicate, quarantined or rejected (a rejected input is
 * counted and kept as evidence, never thrown). Retryable failures (the store is down, the
 * service is shutting down) are thrown as FreshTrailError FT_ERR_STORE: nothing was committed
 * and the sender must retry.
 */
import { FreshTrailError, errorMessage, isFreshTrailError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import type { Ack } from '../protocol/ack.js';
import { checkEnvelope, type SealedBatch } from '../protocol/batch.js';
import { PUBLIC_KEY_HEX } from '../protocol/keys.js';
import { ID_PATTERN } from '../protocol/reading.js';
import { KeyedSerialQueue } from './keyed-queue.js';
import type { IngestMetrics } from './metrics.js';
import type { EnrollResult, Gateway, QuarantinedBatch, Store, Transport } from './store/types.js';
import { checkChain, checkSequence, checkSignature, checkTopic, claimedIdentity, clockSkew, decodeRule, forkError } from './verify.js';

export interface PipelineLimits {
  maxEnvelopeBytes: number;
  maxClockSkewMs: number;
  maxQuarantinePerGateway: number;
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

interface Receipt {
  transport: Transport;
  receivedAt: number;
}

export class IngestPipeline {
  private readonly queue = new KeyedSerialQueue();
  private readonly now: () => number;
  private closing = false;

  constructor(private readonly options: PipelineOptions) {
    this.now = options.now ?? Date.now;
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
    const ack = await this.queue.run(sealed.batch.gateway, () => this.process(sealed, receipt));
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

  /** Admits the quarantined batches of an enrolled gateway (no-op for an unknown one). */
  async admitQuarantined(gatewayId: string): Promise<AdmissionReport> {
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

  private async process(sealed: SealedBatch, receipt: Receipt): Promise<Ack> {
    const gateway = await this.options.store.getGateway(sealed.batch.gateway);
    if (!gateway) return this.quarantine(sealed, receipt);
    return this.verifyAndCommit(sealed, gateway, receipt);
  }

  /** Rules 3–6 and the commit, for a batch of an enrolled gateway. */
  private async verifyAndCommit(sealed: SealedBatch, gateway: Gateway, receipt: Receipt): Promise<Ack> {
    const { store, metrics, limits } = this.options;
    const { batch } = sealed;
    try {
      checkSignature(sealed, gateway);
      if (checkSequence(sealed, await store.getBatchHeader(batch.gateway, batch.seq)) === 'duplicate') return ack(sealed, 'duplicate');
      const previous = batch.seq > 1 ? await store.getBatchHeader(batch.gateway, batch.seq - 1) : undefined;
      const { gap } = checkChain(sealed, previous, await store.getBatchHeader(batch.gateway, batch.seq + 1));
      const flags = { gap, clockSkewMs: clockSkew(batch.createdAt, receipt.receivedAt, limits.maxClockSkewMs) };
      const endTimer = metrics.commitSeconds.startTimer();
      const result = await store.commitBatch(sealed, { ...receipt, flags });
      endTimer();
      if (result.status === 'duplicate') return ack(sealed, 'duplicate');
      if (result.status === 'fork') throw forkError(sealed, result.existingId);
      metrics.readingsVerified.inc(batch.readings.length);
      if (flags.gap) metrics.flagged.inc({ flag: 'gap' });
      if (flags.clockSkewMs !== undefined) metrics.flagged.inc({ flag: 'clock_skew' });
      this.options.logger.debug({ gateway: batch.gateway, seq: batch.seq, id: sealed.id, readings: batch.readings.length, ...flags }, 'batch committed');
      return ack(sealed, 'accepted');
    } catch (err) {
      if (!isRejection(err)) throw this.storeFailure(err);
      const conflictsWith = err.code === 'FT_ERR_FORK' ? (await store.getBatchHeader(batch.gateway, batch.seq))?.id : undefined;
      return this.reject(err, receipt, { gateway: batch.gateway, seq: batch.seq, sealed, conflictsWith });
    }
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
      let outcome: Ack;
      try {
        outcome = await this.verifyAndCommit(reseal(held), gateway, receipt);
      } catch (err) {
        if (!isRejection(err)) throw err;
        outcome = await this.reject(err, receipt, { gateway: held.gateway, seq: held.seq });
      }
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

  /** Records a refused envelope (with its bytes when decoded, as evidence) and builds its Ack. */
  private async reject(
    err: FreshTrailError,
    receipt: Receipt,
    about: { gateway?: string; seq?: number; sealed?: SealedBatch; conflictsWith?: string; keep?: boolean },
  ): Promise<Ack> {
    const { sealed } = about;
    try {
      if (about.keep !== false) {
        await this.options.store.recordRejection({
          code: err.code,
          reason: err.message,
          ...receipt,
          gateway: about.gateway,
          seq: about.seq,
          id: sealed?.id,
          sig: sealed?.sig,
          canonical: sealed?.canonical,
          conflictsWith: about.conflictsWith,
        });
      }
    } catch (storeErr) {
      throw this.storeFailure(storeErr);
    }
    this.options.metrics.rejections.inc({ code: err.code });
    this.options.logger.warn({ code: err.code, gateway: about.gateway, seq: about.seq, transport: receipt.transport }, err.message);
    return { v: 1, gateway: about.gateway ?? '', seq: about.seq ?? 0, id: sealed?.id, status: 'rejected', code: err.code, reason: err.message };
  }

  private storeFailure(err: unknown): FreshTrailError {
    this.options.metrics.storeErrors.inc();
    this.options.logger.error({ err }, 'store failure: the batch was not committed');
    return isFreshTrailError(err) && err.code === 'FT_ERR_STORE' ? err : new FreshTrailError('FT_ERR_STORE', `the batch could not be committed: ${errorMessage(err)}`, { cause: err });
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

/** Rebuilds a SealedBatch from quarantined bytes, re-checking their shape (FT_ERR_MALFORMED/SCHEMA). */
function reseal(held: QuarantinedBatch): SealedBatch {
  let batch: unknown;
  try {
    batch = JSON.parse(held.canonical.toString('utf8'));
  } catch {
    throw new FreshTrailError('FT_ERR_MALFORMED', `quarantined batch ${held.id} is not valid JSON any more`);
  }
  return checkEnvelope({ batch, sig: held.sig });
}
