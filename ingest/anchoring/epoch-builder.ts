/**
 * The epoch builder (issue 6, docs/anchoring.md "Epochs"): closes an epoch by building a lot
 * evidence header (protocol/lot-digest.ts) for every lot whose evidence changed since the last
 * epoch, an RFC 9162 tree over them, and a head signed with the ingest's head key and chained to
 * the previous head; stores it all in one transaction with evidence holds on the batches it
 * refers to, then queues the head's hash for the anchoring job (anchor-job.ts).
 *
 * Changed-lots rule: candidates are the lots named by events recorded, and the lots in custody
 * where readings of batches received, at or after the previous close minus `overlapMs` (a row
 * timestamped before the close may commit after it); a candidate gets a leaf only when its
 * header, salt aside, differs from its latest leaf. An epoch without changed lots is not closed:
 * there are no empty heads, so epoch numbers count heads that say something.
 */
import type { KeyObject } from 'node:crypto';
import type { Logger } from '../../common/log.js';
import { isEd25519Signer, type Ed25519Signer } from '../../common/signers/signer.js';
import { GENESIS_HEAD_HASH, headBytes, headHash, signHead, type EpochHead, type SignedEpochHead } from '../../protocol/epoch-head.js';
import { buildLotHeader, lotHeaderBytes, newSalt, sameLotEvidence, type LotEvidenceHeader } from '../../protocol/lot-digest.js';
import { merkleRoot } from '../../protocol/merkle.js';
import { periodicJob, type SingletonJob } from '../leader/singleton-jobs.js';
import type { AnchorStore } from '../store/anchor-types.js';
import type { EpochStore, LotGatewayBatches } from '../store/epoch-types.js';
import type { NewEvidenceHold } from '../store/integrity-types.js';
import type { LotEventStore } from '../store/lot-event-types.js';

export const EPOCHS_JOB = 'epochs';
/** Default look-back before the previous close: far above the time a commit takes. */
export const DEFAULT_OVERLAP_MS = 10 * 60_000;
/** The job checks this often whether an epoch is due (at most; less when epochs are shorter). */
const CHECK_INTERVAL_MS = 60_000;

export type EpochBuilderStore = EpochStore & Pick<LotEventStore, 'lotEvents'> & Pick<AnchorStore, 'enqueueAnchorHead'>;

export interface EpochBuilderOptions {
  store: EpochBuilderStore;
  /** The head's `log`: the deployment's name for its chain of heads. */
  log: string;
  /** The ingest's Ed25519 head key: a signer (a file or a PKCS#11 token, docs/keys.md) or an in-process key (tests). */
  headKey: KeyObject | Ed25519Signer;
  /** Epoch length: an epoch closes once this long after the previous close. */
  epochMs: number;
  logger: Logger;
  overlapMs?: number;
  /** Salt source (tests); default 32 random bytes per leaf. */
  salt?: () => string;
}

export interface ClosedEpoch {
  epoch: number;
  /** Lowercase hex, no 0x. */
  headHash: string;
  leafCount: number;
  /** The lots of the leaves, in tree order. */
  lots: string[];
}

export class EpochBuilder {
  constructor(private readonly options: EpochBuilderOptions) {}

  /** The singleton job `epochs`: checks every minute (or every epoch, if shorter) whether an epoch is due. */
  singleton(): SingletonJob {
    return periodicJob(EPOCHS_JOB, Math.min(this.options.epochMs, CHECK_INTERVAL_MS), (now) => this.closeIfDue(now), this.options.logger);
  }

  /** Closes an epoch when `epochMs` has passed since the previous close (at once on an empty store). */
  async closeIfDue(now: number): Promise<ClosedEpoch | undefined> {
    const latest = await this.options.store.latestEpochHead();
    if (latest && now < latest.head.closedAt + this.options.epochMs) return undefined;
    return this.closeEpoch(now);
  }

  /** Closes the next epoch over the lots that changed since the previous one; undefined when none did. */
  async closeEpoch(now: number): Promise<ClosedEpoch | undefined> {
    const { store, logger } = this.options;
    const latest = await store.latestEpochHead();
    // Idempotent: queues a head stored by a run that stopped before queueing it.
    if (latest) await this.enqueue(latest.head, latest.headHash, now);
    const since = latest ? latest.head.closedAt - (this.options.overlapMs ?? DEFAULT_OVERLAP_MS) : Number.MIN_SAFE_INTEGER;
    const leaves: LotEvidenceHeader[] = [];
    const batchesOf = new Map<string, LotGatewayBatches[]>();
    for (const lot of await store.epochCandidateLots(since)) {
      // Three independent reads: side by side (one round trip on PostgreSQL, not three).
      const [batches, events, [previous]] = await Promise.all([store.lotGatewayBatches(lot), store.lotEvents(lot), store.lotLeaves(lot, 1)]);
      const header = buildLotHeader({ lot, events: events.map((e) => e.event), batches, salt: (this.options.salt ?? newSalt)() });
      // A false candidate (custody overlapping the readings' span without a reading inside) has nothing to say.
      if (!previous && header.events.length === 0 && header.batches.length === 0) continue;
      if (previous && sameLotEvidence(previous.header, header)) continue;
      leaves.push(header);
      batchesOf.set(lot, batches);
    }
    if (leaves.length === 0) return undefined;

    const epoch = (latest?.head.epoch ?? 0) + 1;
    const head: EpochHead = {
      v: 1,
      log: this.options.log,
      epoch,
      treeSize: leaves.length,
      root: merkleRoot(leaves.map(lotHeaderBytes)).toString('hex'),
      prev: latest?.headHash ?? GENESIS_HEAD_HASH,
      // A head is never closed before the previous one (checkHeadLink), even if the clock stepped back.
      closedAt: Math.max(now, latest?.head.closedAt ?? now),
    };
    const signed = signEpochHead(head, this.options.headKey);
    const hash = headHash(head);
    const holds = evidenceHolds([...batchesOf.values()].flat(), `epoch ${epoch}`, now);
    const saved = await store.saveEpoch({ ...signed, headHash: hash, leaves, holds }, now);
    if (saved.status === 'conflict') {
      logger.warn({ epoch, latestEpoch: saved.latestEpoch }, 'another run stored this epoch first; nothing written');
      return undefined;
    }
    await this.enqueue(head, hash, now);
    logger.info({ epoch, leaves: leaves.length, headHash: hash }, 'epoch closed');
    return { epoch, headHash: hash, leafCount: leaves.length, lots: leaves.map((l) => l.lot) };
  }

  private async enqueue(head: EpochHead, hash: string, now: number): Promise<void> {
    const queued = await this.options.store.enqueueAnchorHead({ epoch: head.epoch, headHash: `0x${hash}`, leafCount: head.treeSize }, now);
    if (queued.status === 'conflict') this.options.logger.error({ epoch: head.epoch, queued: queued.headHash, stored: hash }, 'the anchor queue holds another hash for this epoch');
  }
}

/** protocol/epoch-head.ts signHead, also through a signer whose key stays in a token. */
function signEpochHead(head: EpochHead, key: KeyObject | Ed25519Signer): SignedEpochHead {
  return isEd25519Signer(key) ? { head, sig: key.sign(headBytes(head)) } : signHead(head, key);
}

/**
 * Hold rule: for each lot and gateway, seqs from the first batch with a reading in the lot's
 * custody to the referenced (latest) one — the batches a verifier needs to follow `prev` from
 * any of the lot's readings to the referenced batch. Ranges of one gateway that overlap or touch
 * are merged, so an epoch adds a few holds per gateway, not one per lot.
 */
export function evidenceHolds(refs: readonly LotGatewayBatches[], reason: string, createdAt: number): NewEvidenceHold[] {
  const sorted = [...refs].sort((a, b) => (a.gateway < b.gateway ? -1 : a.gateway > b.gateway ? 1 : a.firstSeq - b.firstSeq));
  const holds: NewEvidenceHold[] = [];
  for (const r of sorted) {
    const last = holds[holds.length - 1];
    if (last && last.gateway === r.gateway && r.firstSeq <= last.toSeq + 1) last.toSeq = Math.max(last.toSeq, r.seq);
    else holds.push({ gateway: r.gateway, fromSeq: r.firstSeq, toSeq: r.seq, reason, createdAt });
  }
  return holds;
}
