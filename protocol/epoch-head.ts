/**
 * Epoch heads (docs/anchoring.md): the ingest closes an epoch by building an RFC 9162 tree over
 * the epoch's lot-digest leaves (merkle.ts) and signing a head that commits to the tree (size and
 * root) and to the previous head (its hash), so the heads form a chain: anchoring one head on
 * chain fixes every head before it. The head's bytes are its RFC 8785 canonical JSON
 * (canonical.ts); its hash, SHA-256 of those bytes, is what the anchor contract stores.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { canonicalBytes } from './canonical.js';
import { publicKeyFromHex, signBytes, verifyBytes } from './keys.js';

export const EPOCH_HEAD_VERSION = 1;
/** `prev` of epoch 1: no head before it. */
export const GENESIS_HEAD_HASH = '0'.repeat(64);
const HASH_HEX = /^[0-9a-f]{64}$/;

export interface EpochHead {
  v: typeof EPOCH_HEAD_VERSION;
  /** Which log: the deployment's name for its chain of heads, so heads of two deployments never mix. */
  log: string;
  /** 1, 2, 3, … */
  epoch: number;
  /** Leaves in this epoch's tree. */
  treeSize: number;
  /** RFC 9162 root of the epoch's tree, lowercase hex (SHA-256 of the empty string for an empty epoch). */
  root: string;
  /** headHash of the previous epoch's head; GENESIS_HEAD_HASH for epoch 1. */
  prev: string;
  /** When the epoch was closed, UTC ms. */
  closedAt: number;
}

export interface SignedEpochHead {
  head: EpochHead;
  /** Ed25519 signature of the head's canonical bytes by the ingest's head key, lowercase hex. */
  sig: string;
}

/** What is signed: the canonical JSON of the head. */
export function headBytes(head: EpochHead): Buffer {
  return canonicalBytes({ ...head });
}

/** SHA-256 of the head's bytes, lowercase hex: the bytes32 the anchor contract stores for the epoch. */
export function headHash(head: EpochHead): string {
  return createHash('sha256').update(headBytes(head)).digest('hex');
}

export function signHead(head: EpochHead, privateKey: KeyObject): SignedEpochHead {
  return { head, sig: signBytes(privateKey, headBytes(head)) };
}

/**
 * The problems of a head as a verifier meets it in a bundle (shape, then signature); empty when
 * it is well formed and signed by `publicKeyHex`.
 */
export function checkSignedHead(signed: SignedEpochHead, publicKeyHex: string): string[] {
  const problems = headShapeProblems(signed?.head);
  if (problems.length > 0) return problems;
  if (!verifyBytes(publicKeyFromHex(publicKeyHex), headBytes(signed.head), signed.sig)) return [`epoch ${signed.head.epoch}: the head's signature does not verify with the ingest's head key`];
  return [];
}

/** Problems linking `next` to `previous` (the chain of heads); empty when `next` follows it. */
export function checkHeadLink(previous: EpochHead, next: EpochHead): string[] {
  const problems: string[] = [];
  if (next.log !== previous.log) problems.push(`epoch ${next.epoch} belongs to log "${next.log}", epoch ${previous.epoch} to "${previous.log}"`);
  if (next.epoch !== previous.epoch + 1) problems.push(`epoch ${next.epoch} does not follow epoch ${previous.epoch}`);
  if (next.prev !== headHash(previous)) problems.push(`epoch ${next.epoch}'s prev is not the hash of epoch ${previous.epoch}'s head: the chain of heads is broken`);
  if (next.closedAt < previous.closedAt) problems.push(`epoch ${next.epoch} was closed before epoch ${previous.epoch}`);
  return problems;
}

function headShapeProblems(head: unknown): string[] {
  if (typeof head !== 'object' || head === null) return ['the head is not an object'];
  const h = head as Record<string, unknown>;
  const problems: string[] = [];
  const allowed = new Set(['v', 'log', 'epoch', 'treeSize', 'root', 'prev', 'closedAt']);
  for (const key of Object.keys(h)) if (!allowed.has(key)) problems.push(`head.${key} is not a head field`);
  if (h.v !== EPOCH_HEAD_VERSION) problems.push(`head.v must be ${EPOCH_HEAD_VERSION}`);
  if (typeof h.log !== 'string' || h.log.length === 0 || h.log.length > 256) problems.push('head.log must be a string of 1–256 characters');
  if (!Number.isSafeInteger(h.epoch) || (h.epoch as number) < 1) problems.push('head.epoch must be an integer ≥ 1');
  if (!Number.isSafeInteger(h.treeSize) || (h.treeSize as number) < 0) problems.push('head.treeSize must be an integer ≥ 0');
  if (typeof h.root !== 'string' || !HASH_HEX.test(h.root)) problems.push('head.root must be 64 lowercase hex characters');
  if (typeof h.prev !== 'string' || !HASH_HEX.test(h.prev)) problems.push('head.prev must be 64 lowercase hex characters');
  if (!Number.isSafeInteger(h.closedAt) || (h.closedAt as number) < 0) problems.push('head.closedAt must be UTC milliseconds');
  if (h.epoch === 1 && h.prev !== GENESIS_HEAD_HASH) problems.push('head.prev of epoch 1 must be 64 zeros');
  return problems;
}
