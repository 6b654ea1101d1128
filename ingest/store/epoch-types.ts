/**
 * Store types of epochs (issue 6, docs/anchoring.md "Epochs"): the signed heads, chained by
 * `prev`, and the leaves of each epoch's tree (one lot evidence header per changed lot, with its
 * salt). Leaves are kept in tree order so that an inclusion proof can be rebuilt for any leaf of
 * any epoch, and indexed by lot for a lot's evidence.
 */
import type { EpochHead } from '../../protocol/epoch-head.js';
import type { LotEvidenceHeader } from '../../protocol/lot-digest.js';
import type { NewEvidenceHold } from './integrity-types.js';

export interface StoredEpochHead {
  head: EpochHead;
  /** Ed25519 signature of the head's canonical bytes, lowercase hex. */
  sig: string;
  /** SHA-256 of the head's canonical bytes, lowercase hex (no 0x): what is anchored. */
  headHash: string;
}

export interface EpochLeaf {
  epoch: number;
  /** Position in the epoch's tree, from 0. */
  index: number;
  lot: string;
  /** The header with its salt: the leaf data is its canonical bytes. */
  header: LotEvidenceHeader;
}

export interface NewEpoch extends StoredEpochHead {
  /** In tree order; the header's lot is the leaf's lot. */
  leaves: readonly LotEvidenceHeader[];
  /** Seq ranges of the batches the leaves refer to, kept from retention. */
  holds: readonly NewEvidenceHold[];
}

export type SaveEpochResult =
  | { status: 'saved' }
  /** The epoch is stored already, or is not the one after the latest: nothing was written. */
  | { status: 'conflict'; latestEpoch: number };

/**
 * The batches one gateway has with readings in a lot's custody (at a custody location, from
 * ≤ ts < to): the latest one (`seq`, `id`) and the first (`firstSeq`).
 */
export interface LotGatewayBatches {
  gateway: string;
  firstSeq: number;
  seq: number;
  id: string;
}

export interface EpochStore {
  /**
   * Stores a closed epoch in one transaction: its head, its leaves and the evidence holds. The
   * epoch must be 1 + the latest stored one (1 on an empty store); otherwise 'conflict'.
   */
  saveEpoch(epoch: NewEpoch, at: number): Promise<SaveEpochResult>;
  epochHead(epoch: number): Promise<StoredEpochHead | undefined>;
  latestEpochHead(): Promise<StoredEpochHead | undefined>;
  /** The leaves of an epoch in tree order (index 0, 1, …). */
  epochLeaves(epoch: number): Promise<EpochLeaf[]>;
  /** A lot's leaves, newest epoch first, at most `limit`. */
  lotLeaves(lot: string, limit: number): Promise<EpochLeaf[]>;
  /**
   * Lots whose evidence may have changed since `since` (UTC ms), sorted: lots named by events
   * recorded at or after it, and lots in custody at a location during the span of the readings
   * of batches received at or after it there. A superset: the epoch builder compares headers.
   */
  epochCandidateLots(since: number): Promise<string[]>;
  /** Per gateway, the batches with readings in the lot's custody intervals; sorted by gateway. */
  lotGatewayBatches(lot: string): Promise<LotGatewayBatches[]>;
}
