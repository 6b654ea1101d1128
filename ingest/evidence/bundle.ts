/**
 * Builds a lot's evidence bundle (protocol/evidence.ts, docs/evidence.md) from the store: the
 * lot's latest leaf, its events without contacts, its custody, per gateway the chain of signed
 * batches from the first one with a reading in the lot's custody up to the one the header names
 * (the range the epoch's evidence hold keeps from retention), the gateways' keys, the inclusion
 * proof rebuilt from the epoch's leaves, and the heads from the leaf's epoch up to the first
 * anchored one with that head's anchors.
 */
import { headHash } from '../../protocol/epoch-head.js';
import { EVIDENCE_BUNDLE_VERSION, type BundleAnchor, type BundleBatchChain, type BundleGateway, type EvidenceBundle } from '../../protocol/evidence.js';
import type { DigestibleEvent } from '../../protocol/lot-digest.js';
import { eventDigest, lotHeaderBytes } from '../../protocol/lot-digest.js';
import { inclusionProof } from '../../protocol/merkle.js';
import type { AnchorRecord } from '../store/anchor-types.js';
import type { EpochLeaf } from '../store/epoch-types.js';
import type { Store } from '../store/types.js';

export type EvidenceStore = Pick<
  Store,
  'lotLeaves' | 'lotEvents' | 'lotCustody' | 'lotGatewayBatches' | 'batchRange' | 'getGateway' | 'epochLeaves' | 'epochHead' | 'firstAnchors' | 'listAnchors' | 'anchorTarget'
>;

export interface BundleOptions {
  store: EvidenceStore;
  /** The ingest's head public key, hex. */
  headPublicKey: string;
  now: number;
  /** Default latest. */
  leaf?: BundleLeafChoice;
}

/** Leaves looked at, newest first, for one that an anchor covers. */
const ANCHORED_LEAF_SEARCH = 24;

/** The newest epoch with an included or final anchor on any target (it and every head before it are covered: heads chain by prev). */
async function newestAnchoredEpoch(store: EvidenceStore): Promise<number | undefined> {
  const newest = await Promise.all((['included', 'final'] as const).map((status) => store.listAnchors({ status, limit: 1 })));
  const epochs = newest.flat().map((a) => a.epoch);
  return epochs.length === 0 ? undefined : Math.max(...epochs);
}

/**
 * Which leaf a bundle is for: `latest`, the lot's newest leaf (maybe not anchored yet: its
 * verification then reports the anchor as pending); `anchored` (the default of the route), the
 * newest leaf that an included or final anchor covers, else the newest leaf.
 */
export type BundleLeafChoice = 'latest' | 'anchored';

async function chooseLeaf(store: EvidenceStore, lot: string, choice: BundleLeafChoice): Promise<EpochLeaf | undefined> {
  const leaves = await store.lotLeaves(lot, choice === 'latest' ? 1 : ANCHORED_LEAF_SEARCH);
  const anchored = choice === 'anchored' ? await newestAnchoredEpoch(store) : undefined;
  return (anchored === undefined ? undefined : leaves.find((leaf) => leaf.epoch <= anchored)) ?? leaves[0];
}

/** The lot's bundle for the chosen leaf; undefined when the lot has no leaf yet. */
export async function buildEvidenceBundle(lot: string, { store, headPublicKey, now, leaf: choice = 'latest' }: BundleOptions): Promise<EvidenceBundle | undefined> {
  const leaf = await chooseLeaf(store, lot, choice);
  if (!leaf) return undefined;
  const [events, custody, gatewayRanges, epochLeaves] = await Promise.all([
    store.lotEvents(lot),
    store.lotCustody(lot),
    store.lotGatewayBatches(lot),
    store.epochLeaves(leaf.epoch),
  ]);
  const firstSeqOf = new Map(gatewayRanges.map((g) => [g.gateway, g.firstSeq]));
  const covered = new Set(leaf.header.events);

  // One range read per chain (not one read per batch: a week of one-a-minute batches is 10,080),
  // and the chains and gateway keys of all the header's gateways read at once.
  const [batches, gatewayRows] = await Promise.all([
    Promise.all(leaf.header.batches.map((ref) => batchChain(store, lot, ref.gateway, Math.min(firstSeqOf.get(ref.gateway) ?? ref.seq, ref.seq), ref.seq))),
    Promise.all(leaf.header.batches.map((ref) => store.getGateway(ref.gateway))),
  ]);
  const gateways: BundleGateway[] = gatewayRows
    .filter((gw) => gw !== undefined)
    .map((gw) => ({ id: gw.id, publicKey: gw.publicKey, ...(gw.revocation ? { revocation: { effectiveAt: gw.revocation.effectiveAt, reason: gw.revocation.reason } } : {}) }));

  const proof = inclusionProof(epochLeaves.map((l) => lotHeaderBytes(l.header)), leaf.index);
  const { heads, anchors } = await headsToAnchor(store, leaf.epoch);
  return {
    v: EVIDENCE_BUNDLE_VERSION,
    lot,
    leaf: { epoch: leaf.epoch, index: leaf.index, header: leaf.header },
    // The events the leaf digests: an older leaf does not cover events recorded after it.
    events: events.map(({ event }) => {
      const { contacts: _contacts, ...rest } = event as unknown as DigestibleEvent & Record<string, unknown>;
      return rest as unknown as DigestibleEvent;
    }).filter((e) => covered.has(eventDigest(e))),
    custody: custody.map((c) => ({ location: c.location, fromTs: c.fromTs, ...(c.toTs === undefined ? {} : { toTs: c.toTs }) })),
    batches,
    gateways,
    proof,
    heads,
    ingestKey: headPublicKey,
    anchors,
    generatedAt: now,
  };
}

/** The gateway's signed batches fromSeq..toSeq, all of them: a missing one is an error, as the epoch's evidence hold should keep them. */
async function batchChain(store: EvidenceStore, lot: string, gateway: string, fromSeq: number, toSeq: number): Promise<BundleBatchChain> {
  const stored = await store.batchRange(gateway, fromSeq, toSeq);
  if (stored.length !== toSeq - fromSeq + 1) {
    const missing = stored.findIndex((b, i) => b.seq !== fromSeq + i);
    const seq = fromSeq + (missing === -1 ? stored.length : missing);
    throw new Error(`batch ${gateway}/${seq} of lot ${lot}'s evidence is not stored (an evidence hold should keep it)`);
  }
  return { gateway, fromSeq, batches: stored.map((b) => b.canonical.toString('base64')), sig: stored[stored.length - 1]!.sig };
}

/** Heads from `epoch` to the first epoch ≥ it with an included or final anchor (just `epoch`'s head when none is anchored yet), and that epoch's anchors. */
async function headsToAnchor(store: EvidenceStore, epoch: number): Promise<Pick<EvidenceBundle, 'heads' | 'anchors'>> {
  const anchored = await store.firstAnchors(epoch);
  const target = anchored[0]?.epoch ?? epoch;
  const heads = [];
  for (let e = epoch; e <= target; e++) {
    const stored = await store.epochHead(e);
    if (!stored) throw new Error(`epoch head ${e} is not stored`);
    heads.push({ head: stored.head, sig: stored.sig });
  }
  const anchors: BundleAnchor[] = [];
  for (const a of anchored) {
    const coords = await anchorOf(store, a);
    if (coords && coords.headHash === `0x${headHash(heads[heads.length - 1]!.head)}`) anchors.push(coords);
  }
  return { heads, anchors };
}

/** The chain coordinates of an included or final anchor; undefined for another status or an unknown target. */
export async function anchorOf(store: Pick<Store, 'anchorTarget'>, a: AnchorRecord): Promise<BundleAnchor | undefined> {
  const target = await store.anchorTarget(a.target);
  if (!target || a.txHash === undefined || a.blockNumber === undefined || a.blockHash === undefined) return undefined;
  return {
    chainId: target.chainId.toString(),
    contract: target.contract,
    epoch: a.epoch,
    headHash: a.headHash.toLowerCase(),
    txHash: a.txHash,
    blockNumber: a.blockNumber,
    blockHash: a.blockHash,
    status: a.status as 'included' | 'final',
  };
}
