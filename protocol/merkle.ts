/**
 * RFC 9162 Merkle trees over SHA-256 (Certificate Transparency v2 §2.1): the hashes, inclusion
 * proofs and consistency proofs that anchoring builds on. Leaf = SHA-256(0x00 ‖ data),
 * node = SHA-256(0x01 ‖ left ‖ right), the empty tree's root = SHA-256(""), and a tree of n
 * leaves splits at k, the largest power of two smaller than n (§2.1.1). No duplicated last
 * node, so the CVE-2012-2459 ambiguity cannot arise.
 */
import { createHash } from 'node:crypto';

export interface InclusionProof {
  leafIndex: number;
  treeSize: number;
  /** Audit path, leaf-to-root order, each a 32-byte hash in lowercase hex. */
  hashes: string[];
}

function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

/** Proof hashes are exactly 64 lowercase hex characters; Buffer.from(hex) alone would accept
 * odd lengths, upper case and trailing junk, so a tampered proof could still verify. */
const HASH_HEX = /^[0-9a-f]{64}$/;

function hashFromHex(hex: string): Buffer | undefined {
  return typeof hex === 'string' && HASH_HEX.test(hex) ? Buffer.from(hex, 'hex') : undefined;
}

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

export function leafHash(data: Uint8Array): Buffer {
  return sha256(LEAF_PREFIX, data);
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return sha256(NODE_PREFIX, left, right);
}

/** Largest power of two strictly smaller than n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Arithmetic rather than `n & (n - 1)`: bitwise operators truncate to 32 bits, and tree sizes may reach 2^53 − 1. */
function isExactPowerOfTwo(n: number): boolean {
  let x = n;
  while (x > 1 && x % 2 === 0) x /= 2;
  return x === 1;
}

/** MTH(D[n]) of RFC 9162 §2.1.1, over already-hashed leaves. */
export function rootFromLeafHashes(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return sha256();
  if (leaves.length === 1) return leaves[0]!;
  const k = splitPoint(leaves.length);
  return nodeHash(rootFromLeafHashes(leaves.slice(0, k)), rootFromLeafHashes(leaves.slice(k)));
}

export function merkleRoot(leafData: readonly Uint8Array[]): Buffer {
  return rootFromLeafHashes(leafData.map(leafHash));
}

/** PATH(m, D[n]) of RFC 9162 §2.1.3.1. */
function path(m: number, leaves: readonly Buffer[]): Buffer[] {
  if (leaves.length <= 1) return [];
  const k = splitPoint(leaves.length);
  if (m < k) return [...path(m, leaves.slice(0, k)), rootFromLeafHashes(leaves.slice(k))];
  return [...path(m - k, leaves.slice(k)), rootFromLeafHashes(leaves.slice(0, k))];
}

export function inclusionProof(leafData: readonly Uint8Array[], leafIndex: number): InclusionProof {
  if (!Number.isInteger(leafIndex) || leafIndex < 0 || leafIndex >= leafData.length) {
    throw new RangeError(`leaf index ${leafIndex} is outside a tree of ${leafData.length} leaves`);
  }
  const hashes = path(leafIndex, leafData.map(leafHash)).map((h) => h.toString('hex'));
  return { leafIndex, treeSize: leafData.length, hashes };
}

/**
 * Verifies an inclusion proof with the algorithm of RFC 9162 §2.1.3.2 and returns whether the
 * leaf hash and the audit path give `rootHex`.
 */
export function verifyInclusion(leaf: Uint8Array, proof: InclusionProof, rootHex: string): boolean {
  const { leafIndex, treeSize, hashes } = proof;
  if (!Number.isSafeInteger(leafIndex) || !Number.isSafeInteger(treeSize) || leafIndex < 0 || leafIndex >= treeSize) return false;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r: Buffer = leafHash(leaf);
  for (const hex of hashes) {
    if (sn === 0) return false;
    const p = hashFromHex(hex);
    if (p === undefined) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.toString('hex') === rootHex;
}

/** PROOF(m, D[n]) of RFC 9162 §2.1.4.1: that the first m leaves are a prefix of the n. */
export function consistencyProof(leafData: readonly Uint8Array[], oldSize: number): string[] {
  if (!Number.isInteger(oldSize) || oldSize < 1 || oldSize > leafData.length) {
    throw new RangeError(`old size ${oldSize} must be from 1 to ${leafData.length}`);
  }
  return subproof(oldSize, leafData.map(leafHash), true).map((h) => h.toString('hex'));
}

function subproof(m: number, leaves: readonly Buffer[], startFromOldRoot: boolean): Buffer[] {
  const n = leaves.length;
  if (m === n) return startFromOldRoot ? [] : [rootFromLeafHashes(leaves)];
  const k = splitPoint(n);
  if (m <= k) return [...subproof(m, leaves.slice(0, k), startFromOldRoot), rootFromLeafHashes(leaves.slice(k))];
  return [...subproof(m - k, leaves.slice(k), false), rootFromLeafHashes(leaves.slice(0, k))];
}

/** Verifies a consistency proof with the algorithm of RFC 9162 §2.1.4.2. */
export function verifyConsistency(oldSize: number, newSize: number, oldRootHex: string, newRootHex: string, proofHex: readonly string[]): boolean {
  if (!Number.isSafeInteger(oldSize) || !Number.isSafeInteger(newSize) || oldSize < 1 || oldSize > newSize) return false;
  if (hashFromHex(oldRootHex) === undefined || hashFromHex(newRootHex) === undefined) return false;
  if (oldSize === newSize) return proofHex.length === 0 && oldRootHex === newRootHex;
  const parsed = proofHex.map(hashFromHex);
  if (parsed.length === 0 || parsed.some((p) => p === undefined)) return false;
  const proof = parsed as Buffer[];
  // If oldSize is a power of two, the old root itself starts the path (§2.1.4.2 step 1).
  const isPowerOfTwo = isExactPowerOfTwo(oldSize);
  const path: Buffer[] = isPowerOfTwo ? [Buffer.from(oldRootHex, 'hex'), ...proof] : proof;
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr: Buffer = path[0]!;
  let sr: Buffer = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && fr.toString('hex') === oldRootHex && sr.toString('hex') === newRootHex;
}
