/**
 * Where a lot's evidence stands (GET /api/v1/lots/{id} `anchoring`; docs/evidence.md "Where a
 * lot's evidence stands"): its latest leaf (the epoch that last committed the lot's events and
 * readings) and the first included or final anchor of that epoch or a later one, whose head
 * chains back to it.
 *
 *  - disabled: this ingest closes no epochs (anchoring.enabled is false);
 *  - not_committed: no epoch holds the lot yet (the next one closes within anchoring.epochMinutes);
 *  - committed: in a signed epoch head, not yet in a block on any chain;
 *  - anchored: in a block (included) on at least one chain;
 *  - final: at or below a chain's finalized block on at least one chain.
 */
import type { Store } from '../store/types.js';
import { anchorOf } from './bundle.js';

export type LotAnchoringStatus = 'disabled' | 'not_committed' | 'committed' | 'anchored' | 'final';

export interface LotAnchorView {
  target: string;
  chainId: string;
  contract: string;
  epoch: number;
  txHash: string;
  blockNumber: number;
  status: 'included' | 'final';
}

export interface LotAnchoring {
  status: LotAnchoringStatus;
  /** The latest leaf's epoch and position. */
  epoch?: number;
  leafIndex?: number;
  /** When that epoch closed (its head's closedAt), UTC ms: the evidence covers what was stored before. */
  committedAt?: number;
  /** SHA-256 of that epoch's head, 0x hex. */
  headHash?: string;
  /** The anchors that cover it (every target's, of the first anchored epoch ≥ `epoch`). */
  anchors: LotAnchorView[];
}

export type LotAnchoringStore = Pick<Store, 'lotLeaves' | 'epochHead' | 'firstAnchors' | 'anchorTarget'>;

export async function lotAnchoring(lot: string, store: LotAnchoringStore, enabled: boolean): Promise<LotAnchoring> {
  if (!enabled) return { status: 'disabled', anchors: [] };
  const [leaf] = await store.lotLeaves(lot, 1);
  if (!leaf) return { status: 'not_committed', anchors: [] };
  const [head, firsts] = await Promise.all([store.epochHead(leaf.epoch), store.firstAnchors(leaf.epoch)]);
  const anchors: LotAnchorView[] = [];
  for (const a of firsts) {
    const coords = await anchorOf(store, a);
    if (coords) anchors.push({ target: a.target, chainId: coords.chainId, contract: coords.contract, epoch: a.epoch, txHash: coords.txHash, blockNumber: coords.blockNumber, status: coords.status });
  }
  const status: LotAnchoringStatus = anchors.some((a) => a.status === 'final') ? 'final' : anchors.length > 0 ? 'anchored' : 'committed';
  return {
    status,
    epoch: leaf.epoch,
    leafIndex: leaf.index,
    ...(head ? { committedAt: head.head.closedAt, headHash: `0x${head.headHash}` } : {}),
    anchors,
  };
}
