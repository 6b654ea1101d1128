/**
 * Rules 4–8 of docs/protocol.md §6.3 (with 4b, revocation) and the commit, for one or more batches of one enrolled
 * gateway: group commit. The batches that queued up behind the gateway's previous commit are
 * checked in arrival order and the accepted ones committed in one transaction, one WAL fsync
 * instead of one per batch. Each batch still gets exactly the outcome it would have had alone:
 * the chain rules see the group's earlier accepted batches as stored (they are, once the
 * transaction commits), and the caller releases no outcome before commit() has returned, so an
 * ack still means "durably stored" (DESIGN.md "Transport and acknowledgement").
 */
import { isFreshTrailError, type FreshTrailError } from '../common/errors.js';
import type { SealedBatch } from '../protocol/batch.js';
import type { EarlySignatureCheck } from './signature-check.js';
import type { BatchFlags, BatchHeader, CheckedNeighbours, Gateway, Store, Transport } from './store/types.js';
import { checkChain, checkRevocation, checkSequence, checkSignature, clockSkew, forkError } from './verify.js';

export interface Receipt {
  transport: Transport;
  receivedAt: number;
}

export interface GroupEntry {
  sealed: SealedBatch;
  receipt: Receipt;
  /** Started when the batch arrived, if its gateway's key was known then. */
  signature?: EarlySignatureCheck;
}

export type EntryOutcome =
  | { status: 'accepted'; flags: BatchFlags }
  | { status: 'duplicate' }
  /** Kept as evidence by the caller; conflictsWith is the stored id for a fork. */
  | { status: 'rejected'; error: FreshTrailError; conflictsWith?: string }
  /** Another ingest instance stored a neighbour meanwhile; nothing was written: verify again. */
  | { status: 'stale' };

/** At most this many batches per group: bounds a transaction and the wait of its first batch. */
export const MAX_GROUP_BATCHES = 16;

export class CommitGroup {
  private readonly entries: GroupEntry[] = [];
  private readonly outcomes: EntryOutcome[] = [];
  /** Batches accepted in this group, by seq: what later entries see as stored. */
  private readonly pending = new Map<number, { header: BatchHeader; entry: number; checked: CheckedNeighbours }>();
  /** Entry → the earlier entry of this group it duplicates; its outcome follows that one's commit. */
  private readonly duplicateOf = new Map<number, number>();

  constructor(
    private readonly store: Store,
    private readonly gateway: Gateway,
    private readonly maxClockSkewMs: number,
  ) {}

  /** How many batches verified so far would be committed. */
  get accepted(): number {
    return this.pending.size;
  }

  /** Checks one more batch of the gateway. Throws only what is not a rejection (a store failure). */
  async verify(entry: GroupEntry): Promise<void> {
    const index = this.entries.push(entry) - 1;
    this.outcomes.push(await this.check(entry, index));
  }

  /**
   * Commits the accepted batches in one transaction and returns every entry's outcome, in order.
   * A store failure is thrown: nothing was committed and no outcome may be sent.
   */
  async commit(): Promise<EntryOutcome[]> {
    const accepted = [...this.pending.values()].sort((a, b) => a.entry - b.entry);
    if (accepted.length > 0) {
      const results = await this.store.commitBatches(
        accepted.map(({ header, entry, checked }) => ({ sealed: this.entries[entry]!.sealed, meta: { ...this.entries[entry]!.receipt, flags: header.flags }, checkedNeighbours: checked })),
      );
      // Only another ingest instance writing the same gateway can make a result differ from
      // 'committed' here (the pipeline serializes one gateway's batches within an instance).
      results.forEach((result, k) => {
        const i = accepted[k]!.entry;
        if (result.status === 'duplicate') this.outcomes[i] = { status: 'duplicate' };
        if (result.status === 'stale') this.outcomes[i] = { status: 'stale' };
        if (result.status === 'fork') this.outcomes[i] = { status: 'rejected', error: forkError(this.entries[i]!.sealed, result.existingId), conflictsWith: result.existingId };
      });
    }
    // A redelivery of a batch of this group is a duplicate only if that batch is now stored;
    // if it turned out to be a fork or stale, so is its copy (same bytes, same verdict).
    for (const [i, original] of this.duplicateOf) {
      const outcome = this.outcomes[original]!;
      if (outcome.status === 'rejected' || outcome.status === 'stale') this.outcomes[i] = outcome;
    }
    return this.outcomes;
  }

  private async check({ sealed, receipt, signature }: GroupEntry, index: number): Promise<EntryOutcome> {
    const { batch } = sealed;
    let current: BatchHeader | undefined;
    try {
      // An early verdict counts only if it was computed with the key enrolled now.
      const verified = signature?.publicKey === this.gateway.publicKey ? await signature.valid : undefined;
      checkSignature(sealed, this.gateway, verified);
      const stored = await this.store.getChainNeighbours(batch.gateway, batch.seq);
      const inGroup = this.pending.get(batch.seq);
      current = inGroup?.header ?? stored.current;
      if (checkSequence(sealed, current) === 'duplicate') {
        if (inGroup) this.duplicateOf.set(index, inGroup.entry);
        return { status: 'duplicate' };
      }
      checkRevocation(sealed, this.gateway);
      const previous = batch.seq > 1 ? (this.pending.get(batch.seq - 1)?.header ?? stored.previous) : undefined;
      const following = this.pending.get(batch.seq + 1)?.header ?? stored.following;
      const { gap } = checkChain(sealed, previous, following);
      const flags: BatchFlags = { gap, clockSkewMs: clockSkew(batch.createdAt, receipt.receivedAt, this.maxClockSkewMs) };
      const checked = { previous: previous?.id ?? null, following: following?.id ?? null };
      this.pending.set(batch.seq, { header: headerOf(sealed, receipt, flags), entry: index, checked });
      return { status: 'accepted', flags };
    } catch (err) {
      if (!isFreshTrailError(err) || err.errorClass !== 'rejected') throw err;
      return { status: 'rejected', error: err, conflictsWith: err.code === 'FT_ERR_FORK' ? current?.id : undefined };
    }
  }
}

/** The header a batch will have once committed. */
function headerOf(sealed: SealedBatch, receipt: Receipt, flags: BatchFlags): BatchHeader {
  const { batch } = sealed;
  return {
    gateway: batch.gateway,
    seq: batch.seq,
    id: sealed.id,
    prev: batch.prev,
    createdAt: batch.createdAt,
    receivedAt: receipt.receivedAt,
    transport: receipt.transport,
    readingCount: batch.readings.length,
    flags,
  };
}
