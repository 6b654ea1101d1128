/**
 * Store types of the anchoring job (issue 6, docs/anchoring.md "The anchoring job"). Epoch heads
 * to anchor form a durable queue (`anchor_heads`); every anchor target (one contract on one
 * chain, sent from one key) gets one anchor per epoch and its own persisted next nonce, so the
 * job is the single writer of that key. A broadcast is recorded before it is sent, with its
 * raw signed transaction: after a crash the job finds it mined or sends the same bytes again,
 * never a second transaction with a new nonce.
 */

/** pending: not sent yet; sent: broadcast, not in a block; included: in a block (≥ 1
 * confirmation); final: at or below the chain's finalized block; failed: refused for good. */
export const ANCHOR_STATUSES = ['pending', 'sent', 'included', 'final', 'failed'] as const;
export type AnchorStatus = (typeof ANCHOR_STATUSES)[number];

/** One epoch head to anchor, as the epoch module hands it over. */
export interface AnchorHead {
  /** 1, 2, 3, …: the contract takes them strictly in order. */
  epoch: number;
  /** 0x and 64 hex characters (lowercase in the store). */
  headHash: string;
  leafCount: number;
}

/** Where anchors go: a FreshTrailAnchor contract on a chain, anchored from one address. */
export interface AnchorTargetSpec {
  /** Stable name, e.g. "sepolia" (metrics label, key of the state). */
  name: string;
  chainId: bigint;
  /** Contract address (checksummed or not; stored lowercase). */
  contract: string;
  /** The sending address (the contract's anchorer). */
  anchorer: string;
}

export interface AnchorTargetState extends AnchorTargetSpec {
  /** The nonce the next new transaction takes; undefined until read from the chain. */
  nextNonce?: number;
  /** Why the target is halted (e.g. another sender used the key); undefined when fine. */
  lastError?: string;
  createdAt: number;
  updatedAt: number;
}

/** One signed transaction sent for an anchor; a rebroadcast adds one with the same nonce and higher fees. */
export interface AnchorBroadcast {
  txHash: string;
  /** The signed transaction, 0x hex: re-sent as it is after a crash or a drop. */
  rawTx: string;
  /** Decimal wei. */
  maxFeePerGas: string;
  maxPriorityFeePerGas: string;
  at: number;
}

export interface AnchorRecord extends AnchorHead {
  target: string;
  status: AnchorStatus;
  nonce?: number;
  /** Every broadcast, oldest first. */
  broadcasts: AnchorBroadcast[];
  /** First broadcast. */
  sentAt?: number;
  /** The transaction that got the head on chain (one of ours, or another sender's). */
  txHash?: string;
  blockNumber?: number;
  blockHash?: string;
  /** Confirmations seen at the last check (1 = in the latest block). */
  confirmations?: number;
  lastError?: string;
  createdAt: number;
  updatedAt: number;
}

export type EnqueueAnchorResult = { status: 'queued' | 'unchanged'; targets: number } | { status: 'conflict'; headHash: string };

export interface AnchorInclusion {
  txHash: string;
  blockNumber: number;
  blockHash: string;
  confirmations: number;
  at: number;
}

export interface AnchorQuery {
  target?: string;
  status?: AnchorStatus;
  limit: number;
}

/** The part of the Store that queues epoch heads and tracks their anchors per target. */
export interface AnchorStore {
  /**
   * Registers a target (a new one gets an anchor row for every queued head) or confirms a known
   * one. conflict (nothing changed) when the name is known with another chain, contract or
   * anchorer: a new contract starts again at epoch 1 and needs a new name.
   */
  ensureAnchorTarget(spec: AnchorTargetSpec, at: number): Promise<{ status: 'registered' | 'unchanged' | 'conflict'; target: AnchorTargetState }>;
  anchorTarget(name: string): Promise<AnchorTargetState | undefined>;
  /** Sets (a number) or forgets (undefined: re-read from the chain) the next nonce, and clears or sets the target's error. */
  setAnchorNonce(name: string, nextNonce: number | undefined, lastError: string | undefined, at: number): Promise<void>;
  /**
   * Queues an epoch head for every registered target (pending). Idempotent: the same head again
   * is unchanged; another hash for a queued epoch is a conflict and changes nothing.
   */
  enqueueAnchorHead(head: AnchorHead, at: number): Promise<EnqueueAnchorResult>;
  /** A target's anchors that are not final, epoch order, at most `limit`: the job's work list. */
  openAnchors(target: string, limit: number): Promise<AnchorRecord[]>;
  getAnchor(target: string, epoch: number): Promise<AnchorRecord | undefined>;
  /** Anchors, newest epoch first. */
  listAnchors(query: AnchorQuery): Promise<AnchorRecord[]>;
  /**
   * The included or final anchors, every target's, of the first epoch ≥ `fromEpoch` that has
   * any, target order; [] when none has. Its head chains back to `fromEpoch`'s (docs/evidence.md).
   */
  firstAnchors(fromEpoch: number): Promise<AnchorRecord[]>;
  /** Number of anchors per status of a target (statuses with none are 0). */
  anchorCounts(target: string): Promise<Record<AnchorStatus, number>>;
  /**
   * Records a broadcast before it is sent, in one transaction. A first broadcast (anchor
   * pending) takes the target's next nonce, which must equal `nonce`, and moves it on by one; a
   * rebroadcast (anchor sent) must carry the anchor's nonce. Refused (false, nothing written)
   * otherwise, so two writers never both spend a nonce.
   */
  recordAnchorBroadcast(target: string, epoch: number, nonce: number, broadcast: AnchorBroadcast): Promise<boolean>;
  /** sent/included → included in the given block (a re-inclusion after a reorg updates the block). */
  recordAnchorInclusion(target: string, epoch: number, inclusion: AnchorInclusion): Promise<boolean>;
  /** included → final; the confirmations seen then. */
  recordAnchorFinal(target: string, epoch: number, confirmations: number, at: number): Promise<boolean>;
  /** included/final → sent (nonce and broadcasts kept, block forgotten): the block left the chain. */
  recordAnchorReorg(target: string, epoch: number, reason: string, at: number): Promise<boolean>;
  /** → failed with the reason (no longer retried). */
  recordAnchorFailure(target: string, epoch: number, reason: string, at: number): Promise<boolean>;
  /** Notes a reason on an anchor without changing its state (e.g. a fee above the cap; undefined clears it), and the confirmations seen. */
  noteAnchor(target: string, epoch: number, note: { lastError?: string; confirmations?: number }, at: number): Promise<boolean>;
}
