/**
 * Batch v1 and its signed envelope (DESIGN.md "Batch"). A gateway signs batches, never single
 * readings; the batch id is SHA-256 of the canonical bytes and the next batch's `prev`, which
 * chains each gateway's stream so gaps, forks and rewrites are detectable (docs/protocol.md §4–6).
 */
import { createHash, type KeyObject } from 'node:crypto';
import { FreshTrailError } from '../common/errors.js';
import { isEd25519Signer, type Ed25519Signer } from '../common/signers/signer.js';
import { canonicalBytes, CanonicalizationError, type CanonicalValue } from './canonical.js';
import { signBytes, verifyBytes, SIGNATURE_HEX } from './keys.js';
import { isPlainObject, isTimestamp, readingProblems, type Reading } from './reading.js';

export const BATCH_VERSION = 1;
/** `prev` of a gateway's first batch. */
export const GENESIS_PREV = '0'.repeat(64);
export const MAX_READINGS_PER_BATCH = 10_000;
/** Default size limit of one envelope on the wire; the ingest may configure another. */
export const DEFAULT_MAX_ENVELOPE_BYTES = 2 * 1024 * 1024;
const HASH_HEX = /^[0-9a-f]{64}$/;
/**
 * A gateway id is an id (reading.ts ID_PATTERN) that can also be one MQTT topic level: no `/` (level
 * separator) and no `+` or `#` (wildcards, which MQTT 5 §4.7.1 forbids in a topic name), since
 * it becomes `freshtrail/v1/gateways/{gateway}/batches` (docs/protocol.md §7.2).
 */
export const GATEWAY_ID_PATTERN = /^[\x20-\x21\x24-\x2a\x2c-\x2e\x30-\x5b\x5d-\x7e]{1,128}$/;
/** Strict UTF-8 (RFC 3629): malformed bytes are refused rather than replaced with U+FFFD; a BOM stays and fails JSON.parse. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export interface Batch {
  v: typeof BATCH_VERSION;
  gateway: string;
  /** 1, 2, 3, … per gateway; never reused. */
  seq: number;
  /** Batch id of seq − 1, or {@link GENESIS_PREV} for seq 1. */
  prev: string;
  /** When the gateway sealed the batch, UTC ms. */
  createdAt: number;
  readings: Reading[];
}

/** What travels on the wire: the batch and the gateway's Ed25519 signature over its canonical bytes. */
export interface SignedBatch {
  batch: Batch;
  sig: string;
}

/** A verified-shape envelope with its canonical bytes and id computed once. */
export interface SealedBatch extends SignedBatch {
  id: string;
  canonical: Buffer;
}

export function batchCanonicalBytes(batch: Batch): Buffer {
  return canonicalBytes(batch as unknown as CanonicalValue);
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Signs a batch: the gateway side of the protocol. `key` is an in-process private key or an
 * {@link Ed25519Signer} (a file key, or a key inside a PKCS#11 token: docs/keys.md).
 */
export function sealBatch(batch: Batch, key: KeyObject | Ed25519Signer): SealedBatch {
  const canonical = batchCanonicalBytes(batch);
  const sig = isEd25519Signer(key) ? key.sign(canonical) : signBytes(key, canonical);
  return { batch, sig, id: sha256Hex(canonical), canonical };
}

export function verifySealedBatch(sealed: SealedBatch, publicKey: KeyObject): boolean {
  return verifyBytes(publicKey, sealed.canonical, sealed.sig);
}

/** The wire form of a signed batch: UTF-8 JSON `{"batch":…,"sig":…}` (canonical, so stable). */
export function encodeEnvelope(sealed: SignedBatch): Buffer {
  // "batch" sorts before "sig", so the canonical envelope is the batch's canonical bytes wrapped
  // as below; reusing bytes already computed at signing saves re-serializing every reading.
  const canonical = (sealed as Partial<SealedBatch>).canonical ?? batchCanonicalBytes(sealed.batch);
  return Buffer.concat([ENVELOPE_HEAD, canonical, Buffer.from(`,"sig":${JSON.stringify(sealed.sig)}}`, 'utf8')]);
}
const ENVELOPE_HEAD = Buffer.from('{"batch":', 'utf8');

/**
 * Parses and checks the shape of an envelope received from the network, without verifying the
 * signature (that needs the gateway's key). Throws a {@link FreshTrailError} whose code says
 * what is wrong: FT_ERR_TOO_LARGE, FT_ERR_MALFORMED, FT_ERR_UNSUPPORTED_VERSION or FT_ERR_SCHEMA.
 */
export function decodeEnvelope(bytes: Uint8Array, maxBytes = DEFAULT_MAX_ENVELOPE_BYTES): SealedBatch {
  if (bytes.length > maxBytes) {
    throw new FreshTrailError('FT_ERR_TOO_LARGE', `the envelope is ${bytes.length} bytes; the limit is ${maxBytes}: send smaller batches`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(UTF8.decode(bytes));
  } catch (err) {
    throw new FreshTrailError('FT_ERR_MALFORMED', `the envelope is not valid JSON (${(err as Error).message})`);
  }
  return checkEnvelope(parsed);
}

export function checkEnvelope(parsed: unknown): SealedBatch {
  if (!isPlainObject(parsed) || !isPlainObject(parsed.batch) || typeof parsed.sig !== 'string') {
    throw new FreshTrailError('FT_ERR_MALFORMED', 'the envelope must be an object {"batch": {...}, "sig": "<hex>"}');
  }
  const extra = Object.keys(parsed).filter((k) => k !== 'batch' && k !== 'sig');
  if (extra.length > 0) throw new FreshTrailError('FT_ERR_SCHEMA', `envelope.${extra[0]} is not a v1 envelope field`);
  const batch = parsed.batch;
  if (batch.v !== BATCH_VERSION) {
    throw new FreshTrailError(
      'FT_ERR_UNSUPPORTED_VERSION',
      `batch.v is ${JSON.stringify(batch.v)}; this ingest accepts version ${BATCH_VERSION}: upgrade the ingest or configure the gateway for v${BATCH_VERSION}`,
    );
  }
  const problems = batchProblems(batch);
  if (!SIGNATURE_HEX.test(parsed.sig)) problems.unshift('sig must be 128 lowercase hex characters (an Ed25519 signature)');
  if (problems.length > 0) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    throw new FreshTrailError('FT_ERR_SCHEMA', `${problems[0]}${more}`);
  }
  const typed = batch as unknown as Batch;
  let canonical: Buffer;
  try {
    canonical = batchCanonicalBytes(typed);
  } catch (err) {
    // A string with a lone surrogate (e.g. "\ud800" in src) has no UTF-8 form and so no canonical bytes.
    if (err instanceof CanonicalizationError) throw new FreshTrailError('FT_ERR_SCHEMA', `the batch has no canonical form: ${err.message}`);
    throw err;
  }
  return { batch: typed, sig: parsed.sig, id: sha256Hex(canonical), canonical };
}

function batchProblems(batch: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const allowed = new Set(['v', 'gateway', 'seq', 'prev', 'createdAt', 'readings']);
  for (const key of Object.keys(batch)) if (!allowed.has(key)) problems.push(`batch.${key} is not a v1 batch field`);
  if (typeof batch.gateway !== 'string' || !GATEWAY_ID_PATTERN.test(batch.gateway)) {
    problems.push('batch.gateway must be 1–128 printable ASCII characters without " \\ / + #');
  }
  if (!Number.isSafeInteger(batch.seq) || (batch.seq as number) < 1) problems.push('batch.seq must be an integer ≥ 1');
  if (typeof batch.prev !== 'string' || !HASH_HEX.test(batch.prev)) problems.push('batch.prev must be 64 lowercase hex characters');
  else if (batch.seq === 1 && batch.prev !== GENESIS_PREV) problems.push('batch.prev of seq 1 must be 64 zeros');
  if (!isTimestamp(batch.createdAt)) problems.push('batch.createdAt must be an integer count of milliseconds since 1970 (UTC)');
  if (!Array.isArray(batch.readings) || batch.readings.length === 0 || batch.readings.length > MAX_READINGS_PER_BATCH) {
    problems.push(`batch.readings must be an array of 1–${MAX_READINGS_PER_BATCH} readings`);
  } else {
    batch.readings.forEach((r, i) => problems.push(...readingProblems(r, `batch.readings[${i}]`)));
  }
  return problems;
}
