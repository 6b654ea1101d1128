/**
 * Lot evidence bundles (docs/evidence.md): everything a third party needs to check, offline and
 * against a chain node of its own choosing, what the ingest holds about one lot — its events,
 * the signed batches of the lot's custody, the leaf that commits to both, the inclusion proof,
 * the signed heads and the anchor coordinates. Pure: no ingest imports, so verifiers can mirror
 * it. Only the last batch of each gateway's chain has its signature checked: it signs bytes
 * that name the previous batch's id (`prev`), so one signature covers the whole hash chain.
 */
import { GENESIS_PREV, sha256Hex, type Batch } from './batch.js';
import { canonicalJson, CanonicalizationError, type CanonicalValue } from './canonical.js';
import { checkHeadLink, checkSignedHead, headHash, type SignedEpochHead } from './epoch-head.js';
import { publicKeyFromHex, verifyBytes, PUBLIC_KEY_HEX } from './keys.js';
import { byEventOrder, eventDigest, lotHeaderBytes, type DigestibleEvent, type LotEvidenceHeader } from './lot-digest.js';
import { verifyInclusion, type InclusionProof } from './merkle.js';

export const EVIDENCE_BUNDLE_VERSION = 1;

/** The lot was at `location` from `fromTs` until `toTs` (absent: still there), UTC ms. */
export interface BundleCustody {
  location: string;
  fromTs: number;
  toTs?: number;
}

/** One gateway's chain of signed batches, consecutive seqs from `fromSeq`. */
export interface BundleBatchChain {
  gateway: string;
  fromSeq: number;
  /** Each batch's exact signed bytes (RFC 8785 canonical JSON), base64, in seq order. */
  batches: string[];
  /** The gateway's Ed25519 signature (hex) of the last batch's bytes. */
  sig: string;
}

export interface BundleGateway {
  id: string;
  /** Raw Ed25519 public key, 64 lowercase hex. */
  publicKey: string;
  /** Batches with createdAt ≥ effectiveAt are not valid. */
  revocation?: { effectiveAt: number; reason: string };
}

/** Where a head hash was anchored: `heads(epoch)` of a FreshTrailAnchor contract. */
export interface BundleAnchor {
  /** Decimal chain id. */
  chainId: string;
  contract: string;
  epoch: number;
  /** 0x and 64 lowercase hex. */
  headHash: string;
  txHash: string;
  blockNumber: number;
  blockHash: string;
  status: 'included' | 'final';
}

export interface EvidenceBundle {
  v: typeof EVIDENCE_BUNDLE_VERSION;
  lot: string;
  leaf: { epoch: number; index: number; header: LotEvidenceHeader };
  /** The lot's events as recorded, without `contacts`, in (eventTime, eventId) order. */
  events: DigestibleEvent[];
  /** The lot's custody intervals as the ingest holds them (they select the lot's readings). */
  custody: BundleCustody[];
  batches: BundleBatchChain[];
  gateways: BundleGateway[];
  proof: InclusionProof;
  /** The leaf's epoch head, then every later head up to the anchored one. */
  heads: SignedEpochHead[];
  /** The ingest's head public key (hex) as the ingest states it; verifiers should pin their own. */
  ingestKey: string;
  /** Anchors of the last head of `heads`; empty while the leaf's epoch and later ones are pending. */
  anchors: BundleAnchor[];
  generatedAt: number;
}

export const CHECK_NAMES = [
  'bundle',
  'event digests',
  'batch chain',
  'batch signature',
  'header batches',
  'custody readings',
  'gateway keys',
  'leaf inclusion',
  'head signature',
  'head chain',
  'anchor',
  'on-chain head',
] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

export interface Check {
  name: CheckName;
  /** Passed. A skipped check is not passed. */
  ok: boolean;
  skipped?: true;
  detail: string;
}

/** Reads `heads(epoch)` of `contract` on chain `chainId`: 0x-hex, null when not anchored, undefined when this reader cannot reach that chain. */
export type ChainReader = (chainId: string, contract: string, epoch: number) => Promise<string | null | undefined>;

export interface VerifyOptions {
  /** The ingest's head public key, pinned by the verifier; default the bundle's `ingestKey` (said in the detail). */
  headPublicKey?: string;
  chain?: ChainReader;
}

/** A chain whose links held; only the last batch's bytes are kept (its signature covers the rest). */
/**
 * What the later checks need of one batch, taken while it is decoded: keeping the parsed
 * batches (10,080 of them for a week a minute) alive would make the garbage collector copy them
 * all, which was a third of the verification time.
 */
interface BatchSummary {
  seq: number;
  id: string;
  createdAt: number;
  /** Its readings within the lot's custody. */
  inCustody: number;
}

interface DecodedChain {
  gateway: string;
  batches: BatchSummary[];
  lastBytes: Buffer;
}

/** Whether a reading was taken within the lot's custody (at a custody location, from ≤ ts < to). */
type CustodyTest = (reading: { location: string; ts: number }) => boolean;

function custodyTest(custody: readonly BundleCustody[]): CustodyTest {
  const byLocation = new Map<string, BundleCustody[]>();
  for (const c of custody) byLocation.set(c.location, [...(byLocation.get(c.location) ?? []), c]);
  return (r) => {
    const intervals = byLocation.get(r.location);
    if (intervals === undefined) return false;
    for (const c of intervals) if (c.fromTs <= r.ts && (c.toTs === undefined || r.ts < c.toTs)) return true;
    return false;
  };
}

/** "1 event", "3 events". */
const count = (n: number, noun: string, plural = `${noun}s`): string => `${n} ${n === 1 ? noun : plural}`;

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Runs every check in order (docs/evidence.md "Verification"); all pass when each `ok` is true (a
 * skipped one is not). Never throws: the bundle is a file from anywhere.
 */
export async function verifyBundle(bundle: EvidenceBundle, options: VerifyOptions = {}): Promise<Check[]> {
  const checks: Check[] = [];
  try {
    return await runChecks(bundle, options, checks);
  } catch (err) {
    // The last line of defence for a value of a shape no check expects (say an object with a
    // member "toString" where an id belongs, which `${…}` cannot print): the check that met it
    // and the rest fail as not checked, rather than the verifier crashing (found by test/fuzz).
    const detail = `not checked: the bundle is malformed (${err instanceof Error ? err.message : 'an unreadable value'})`;
    const done = new Set(checks.map((c) => c.name));
    for (const name of CHECK_NAMES) if (!done.has(name)) checks.push({ name, ok: false, detail });
    return checks;
  }
}

async function runChecks(bundle: EvidenceBundle, options: VerifyOptions, checks: Check[]): Promise<Check[]> {
  const add = (name: CheckName, problems: string[], passed: string): void => {
    checks.push({ name, ok: problems.length === 0, detail: problems.length === 0 ? passed : problems.join('; ') });
  };
  const shape = shapeProblems(bundle);
  add('bundle', shape, `version ${EVIDENCE_BUNDLE_VERSION}, lot "${shape.length === 0 ? bundle.lot : ''}"`);
  if (shape.length > 0) {
    for (const name of CHECK_NAMES.slice(1)) checks.push({ name, ok: false, detail: 'not checked: the bundle is malformed' });
    return checks;
  }
  const header = bundle.leaf.header;

  // 1. Events → header.events.
  add('event digests', eventProblems(bundle), `${count(bundle.events.length, 'event')} match the header's digests`);

  // 2. Each gateway's chain: consecutive seqs, prev = SHA-256 of the previous batch's bytes.
  const decoded = new Map<BundleBatchChain, DecodedChain>();
  const chainProblems: string[] = [];
  const inCustody = custodyTest(bundle.custody);
  for (const chain of bundle.batches) {
    const result = decodeChain(chain, inCustody);
    if (typeof result === 'string') chainProblems.push(`${chain.gateway}: ${result}`);
    else decoded.set(chain, result);
  }
  const chains = [...decoded.values()];
  const batchCount = chains.reduce((n, c) => n + c.batches.length, 0);
  add('batch chain', chainProblems, `${count(bundle.batches.length, 'gateway')}, ${count(batchCount, 'batch', 'batches')} linked by prev`);

  // 3. One signature per gateway: the last batch's, with the gateway's key (bytes decoded once, in step 2, when the chain held).
  const keys = new Map(bundle.gateways.map((g) => [g.id, g]));
  const sigProblems: string[] = [];
  for (const chain of bundle.batches) {
    const gw = keys.get(chain.gateway);
    const last = decoded.get(chain)?.lastBytes ?? Buffer.from(chain.batches[chain.batches.length - 1]!, 'base64');
    if (!gw) sigProblems.push(`${chain.gateway}: no public key in the bundle`);
    else if (!verifyBytes(publicKeyFromHex(gw.publicKey), last, chain.sig)) {
      sigProblems.push(`${chain.gateway}: the signature of batch ${chain.fromSeq + chain.batches.length - 1} does not verify with the gateway's key`);
    }
  }
  add('batch signature', sigProblems, `${count(bundle.batches.length, 'signature')} verified (each covers its gateway's chain through prev)`);

  // 4. The header names exactly the last batch of each chain.
  add('header batches', headerBatchProblems(header, chains, bundle.batches), `the header names the last batch of each of ${header.batches.length} chains`);

  // 5. The lot's readings are in the chains: each chain starts and ends with a batch holding a reading in custody.
  const custody = custodyProblems(chains);
  add('custody readings', custody.problems, `${count(custody.readings, 'reading')} in the lot's custody, all within the signed chains`);

  // 6. No batch was signed after its gateway's key was revoked.
  add('gateway keys', revocationProblems(keys, chains), `${count(bundle.gateways.length, 'gateway key')}, none revoked before its batches`);

  // 7. Leaf → inclusion proof → root of the leaf's epoch head.
  const leafHead = bundle.heads[0]!.head;
  const inclusion: string[] = [];
  if (leafHead.epoch !== bundle.leaf.epoch) inclusion.push(`the first head is epoch ${leafHead.epoch}, the leaf is in epoch ${bundle.leaf.epoch}`);
  if (bundle.proof.leafIndex !== bundle.leaf.index) inclusion.push(`the proof is for leaf ${bundle.proof.leafIndex}, the leaf is at ${bundle.leaf.index}`);
  if (bundle.proof.treeSize !== leafHead.treeSize) inclusion.push(`the proof is for a tree of ${bundle.proof.treeSize}, the head's tree has ${leafHead.treeSize}`);
  if (header.lot !== bundle.lot) inclusion.push(`the header is of lot "${header.lot}", the bundle of "${bundle.lot}"`);
  if (inclusion.length === 0) {
    const leaf = canonical(() => lotHeaderBytes(header));
    if (!leaf.ok) inclusion.push(`the header has no canonical form (${leaf.refused})`);
    else if (!verifyInclusion(leaf.value, bundle.proof, leafHead.root)) {
      inclusion.push(`the leaf hash and the proof do not give epoch ${leafHead.epoch}'s root (header, salt or proof changed)`);
    }
  }
  add('leaf inclusion', inclusion, `leaf ${bundle.leaf.index} of ${leafHead.treeSize} in epoch ${leafHead.epoch}`);

  // 8. Head signatures.
  const key = options.headPublicKey ?? bundle.ingestKey;
  const keySource = options.headPublicKey === undefined ? 'the key the bundle states (pin your own with the head key)' : 'the pinned head key';
  const headSigs = bundle.heads.flatMap((h) => checkSignedHead(h, key));
  add('head signature', headSigs, `${count(bundle.heads.length, 'head')} signed, checked with ${keySource}`);

  // 9. prev links from the leaf's head to the anchored one.
  const links: string[] = [];
  for (let i = 1; i < bundle.heads.length; i++) {
    const link = canonical(() => checkHeadLink(bundle.heads[i - 1]!.head, bundle.heads[i]!.head));
    links.push(...(link.ok ? link.value : [`the head before epoch ${bundle.heads[i]!.head.epoch} has no canonical form (${link.refused})`]));
  }
  const anchoredHead = bundle.heads[bundle.heads.length - 1]!.head;
  add('head chain', links, bundle.heads.length === 1 ? `epoch ${leafHead.epoch} is the anchored epoch` : `epochs ${leafHead.epoch}–${anchoredHead.epoch} linked by prev`);

  // 10. The anchors record the hash of the last head.
  const anchoredHash = canonical(() => headHash(anchoredHead));
  if (!anchoredHash.ok) {
    // A head without canonical bytes has no hash an anchor could record (the head signature check names the field).
    add('anchor', [`the last head has no canonical form (${anchoredHash.refused})`], '');
    checks.push({ name: 'on-chain head', ok: false, detail: 'not checked: the last head has no canonical form' });
    return checks;
  }
  const expected = `0x${anchoredHash.value}`;
  const anchorProblems: string[] = [];
  if (bundle.anchors.length === 0) anchorProblems.push(`no anchor yet for epoch ${anchoredHead.epoch} or later (pending): fetch the bundle again once an epoch is anchored`);
  for (const a of bundle.anchors) {
    if (a.epoch !== anchoredHead.epoch) anchorProblems.push(`an anchor is for epoch ${a.epoch}, the last head is epoch ${anchoredHead.epoch}`);
    else if (a.headHash !== expected) anchorProblems.push(`the anchor on chain ${a.chainId} records ${a.headHash}, the hash of epoch ${a.epoch}'s head is ${expected}`);
  }
  add('anchor', anchorProblems, `epoch ${anchoredHead.epoch} anchored on ${bundle.anchors.map((a) => `chain ${a.chainId} (${a.status}, block ${a.blockNumber})`).join(', ')}`);

  // 11. heads(epoch) on chain, read by the verifier's own node.
  checks.push(await onChainCheck(bundle.anchors, expected, anchoredHead.epoch, options.chain));
  return checks;
}

async function onChainCheck(anchors: BundleAnchor[], expected: string, epoch: number, chain: ChainReader | undefined): Promise<Check> {
  const name = 'on-chain head';
  if (!chain) return { name, ok: false, skipped: true, detail: 'skipped: no chain node given (--rpc)' };
  if (anchors.length === 0) return { name, ok: false, detail: 'no anchor to read' };
  const problems: string[] = [];
  const passed: string[] = [];
  for (const a of anchors) {
    let onChain: string | null | undefined;
    try {
      onChain = await chain(a.chainId, a.contract, a.epoch);
    } catch (err) {
      problems.push(`chain ${a.chainId} contract ${a.contract}: heads(${a.epoch}) could not be read (${(err as Error).message})`);
      continue;
    }
    if (onChain === undefined) continue;
    if (onChain === null) problems.push(`chain ${a.chainId} contract ${a.contract}: heads(${epoch}) is not anchored`);
    else if (onChain.toLowerCase() !== expected) problems.push(`chain ${a.chainId} contract ${a.contract}: heads(${epoch}) is ${onChain.toLowerCase()}, the head's hash is ${expected}`);
    else passed.push(`chain ${a.chainId} contract ${a.contract}`);
  }
  if (problems.length > 0) return { name, ok: false, detail: problems.join('; ') };
  if (passed.length === 0) return { name, ok: false, skipped: true, detail: `skipped: the node given serves none of the anchors' chains (${anchors.map((a) => a.chainId).join(', ')})` };
  return { name, ok: true, detail: `heads(${epoch}) = ${expected} on ${passed.join(', ')}` };
}

/**
 * Runs a computation over bundle values that must have a canonical form (a header, a head);
 * a value that has none (1e-7, a lone surrogate) is a refusal to report, not an exception.
 */
function canonical<T>(compute: () => T): { ok: true; value: T } | { ok: false; refused: string } {
  try {
    return { ok: true, value: compute() };
  } catch (err) {
    if (err instanceof CanonicalizationError) return { ok: false, refused: err.message };
    throw err;
  }
}

function shapeProblems(b: EvidenceBundle): string[] {
  if (typeof b !== 'object' || b === null) return ['the bundle is not a JSON object'];
  const problems: string[] = [];
  if (b.v !== EVIDENCE_BUNDLE_VERSION) problems.push(`v must be ${EVIDENCE_BUNDLE_VERSION}`);
  if (typeof b.lot !== 'string') problems.push('lot must be a string');
  if (typeof b.leaf !== 'object' || b.leaf === null || typeof b.leaf.header !== 'object' || b.leaf.header === null) problems.push('leaf.header is missing');
  else if (!Array.isArray(b.leaf.header.events) || !Array.isArray(b.leaf.header.batches)) problems.push('leaf.header must have events and batches');
  for (const key of ['events', 'custody', 'batches', 'gateways', 'heads', 'anchors'] as const) if (!Array.isArray(b[key])) problems.push(`${key} must be an array`);
  if (typeof b.proof !== 'object' || b.proof === null || !Array.isArray(b.proof.hashes)) problems.push('proof must be {leafIndex, treeSize, hashes}');
  if (Array.isArray(b.heads) && b.heads.length === 0) problems.push('heads must hold at least the leaf\'s epoch head');
  if (typeof b.ingestKey !== 'string' || !PUBLIC_KEY_HEX.test(b.ingestKey)) problems.push('ingestKey must be 64 lowercase hex characters');
  if (Array.isArray(b.gateways)) for (const g of b.gateways) if (typeof g?.publicKey !== 'string' || !PUBLIC_KEY_HEX.test(g.publicKey)) problems.push(`gateway ${show(g?.id)}: publicKey must be 64 lowercase hex characters`);
  if (Array.isArray(b.batches)) {
    for (const c of b.batches) {
      if (!Array.isArray(c?.batches) || c.batches.length === 0 || !Number.isSafeInteger(c.fromSeq)) problems.push(`batches of ${show(c?.gateway)}: need fromSeq and at least one batch`);
      else if (!c.batches.every((x) => typeof x === 'string')) problems.push(`batches of ${show(c.gateway)}: each batch must be a base64 string`);
    }
  }
  // The checks read members of these entries: null or a number in their place would be a crash, not a finding (found by test/fuzz).
  const entries: Array<[string, unknown]> = [['events', b.events], ['custody', b.custody], ['anchors', b.anchors], ['leaf.header.batches', b.leaf?.header?.batches]];
  for (const [name, list] of entries) if (Array.isArray(list) && !list.every(isObject)) problems.push(`${name} must hold objects`);
  if (Array.isArray(b.heads) && !b.heads.every((h) => isObject(h) && isObject(h.head))) problems.push('heads must hold signed heads {head, sig}');
  return problems;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An untrusted value in a message: `${v}` throws for an object with a member named "toString". */
function show(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return typeof v;
  }
}

/** A time in a message: a value that is no valid time is shown as it is (toISOString would throw). */
function isoTime(ms: unknown): string {
  const date = new Date(ms as number);
  return Number.isNaN(date.getTime()) ? show(ms) : date.toISOString();
}

function eventProblems(bundle: EvidenceBundle): string[] {
  const sorted = [...bundle.events].sort(byEventOrder);
  const digests = sorted.map((e) => {
    try {
      return eventDigest(e);
    } catch {
      return 'no canonical form';
    }
  });
  const want = bundle.leaf.header.events;
  const problems: string[] = [];
  if (digests.length !== want.length) problems.push(`${digests.length} events, the header digests ${want.length}`);
  digests.forEach((d, i) => {
    if (i < want.length && d !== want[i]) problems.push(`event ${sorted[i]!.eventId}: its digest ${d} is not the header's ${want[i]}`);
  });
  return problems;
}

function decodeChain(chain: BundleBatchChain, inCustody: CustodyTest): DecodedChain | string {
  const batches: BatchSummary[] = [];
  let lastBytes: Buffer | undefined;
  for (let i = 0; i < chain.batches.length; i++) {
    const seq = chain.fromSeq + i;
    const bytes = Buffer.from(chain.batches[i]!, 'base64');
    let text: string;
    let batch: Batch;
    try {
      // Strict UTF-8 as the ingest decodes envelopes (batch.ts): a lenient decode would turn bad
      // bytes into U+FFFD, whose re-serialization matches the text while the hash covers the bytes.
      text = STRICT_UTF8.decode(bytes);
      batch = JSON.parse(text) as Batch;
    } catch {
      return `batch ${seq} is not UTF-8 JSON`;
    }
    // The bytes must be the batch's canonical form: otherwise two readers could parse different readings from signed bytes.
    if (!isCanonical(batch, text) || typeof batch !== 'object' || batch === null) return `batch ${seq} is not in canonical form`;
    if (batch.gateway !== chain.gateway) return `batch ${seq} is of gateway "${batch.gateway}"`;
    if (batch.seq !== seq) return `batch at position ${i} has seq ${batch.seq}, expected ${seq}`;
    if (i > 0 && batch.prev !== batches[i - 1]!.id) return `batch ${seq}'s prev is not the id of batch ${seq - 1}: the chain is broken (a batch before it was changed)`;
    if (seq === 1 && batch.prev !== GENESIS_PREV) return 'batch 1 must have prev 0…0';
    let readings = 0;
    if (Array.isArray(batch.readings)) for (const r of batch.readings) if (isObject(r) && inCustody(r as { location: string; ts: number })) readings++;
    batches.push({ seq, id: sha256Hex(bytes), createdAt: batch.createdAt, inCustody: readings });
    lastBytes = bytes;
  }
  return { gateway: chain.gateway, batches, lastBytes: lastBytes! };
}

/** Whether `text` is the RFC 8785 canonical form of what it parses to (canonical.ts re-serializes; a string compare, no Buffer). */
function isCanonical(parsed: unknown, text: string): boolean {
  try {
    return canonicalJson(parsed as CanonicalValue) === text;
  } catch {
    return false;
  }
}

function headerBatchProblems(header: LotEvidenceHeader, decoded: DecodedChain[], chains: BundleBatchChain[]): string[] {
  const problems: string[] = [];
  const byGateway = new Map(decoded.map((c) => [c.gateway, c]));
  const named = new Set(header.batches.map((b) => b.gateway));
  for (const c of chains) if (!named.has(c.gateway)) problems.push(`the bundle has batches of ${c.gateway}, the header names none`);
  for (const ref of header.batches) {
    const chain = byGateway.get(ref.gateway);
    const last = chain?.batches[chain.batches.length - 1];
    if (!chain || !last) problems.push(`the header names ${ref.gateway} batch ${ref.seq}, the bundle has no valid chain of it`);
    else if (last.seq !== ref.seq || last.id !== ref.id) problems.push(`the header names ${ref.gateway} batch ${ref.seq} (${ref.id}), the chain ends at batch ${last.seq} (${last.id})`);
  }
  return problems;
}

function custodyProblems(decoded: DecodedChain[]): { problems: string[]; readings: number } {
  const problems: string[] = [];
  let readings = 0;
  for (const chain of decoded) {
    for (const b of chain.batches) readings += b.inCustody;
    const first = chain.batches[0]!;
    const last = chain.batches[chain.batches.length - 1]!;
    if (first.inCustody === 0) problems.push(`${chain.gateway}: the chain starts at batch ${first.seq}, which holds no reading in the lot's custody`);
    if (last.inCustody === 0) problems.push(`${chain.gateway}: the chain ends at batch ${last.seq}, which holds no reading in the lot's custody`);
  }
  return { problems, readings };
}

function revocationProblems(keys: Map<string, BundleGateway>, decoded: DecodedChain[]): string[] {
  const problems: string[] = [];
  for (const chain of decoded) {
    const revokedAt = keys.get(chain.gateway)?.revocation?.effectiveAt;
    if (revokedAt === undefined) continue;
    const late = chain.batches.find((b) => b.createdAt >= revokedAt);
    if (late) problems.push(`${chain.gateway}: batch ${late.seq} was created at ${isoTime(late.createdAt)}, after the key was revoked (${isoTime(revokedAt)})`);
  }
  return problems;
}
