/**
 * Lot evidence headers (docs/anchoring.md "Lot evidence leaves"): what one leaf of an epoch tree
 * says about one lot. The header names the lot, digests each of its traceability events, and
 * points at one signed batch per gateway whose readings fall in the lot's custody; its RFC 8785
 * canonical bytes are the leaf data of the RFC 9162 tree (merkle.ts). A third-party verifier
 * rebuilds the header from the events and batches it is given and checks the leaf hash against
 * an inclusion proof; it needs nothing from this ingest but the header and its salt.
 */
import { createHash, randomBytes } from 'node:crypto';
import { canonicalBytes, type CanonicalValue } from './canonical.js';
import { leafHash } from './merkle.js';

export const LOT_DIGEST_VERSION = 1;
const HASH_HEX = /^[0-9a-f]{64}$/;

/** The latest batch of one gateway that covers the lot's readings: its id commits through `prev` to every earlier batch of the gateway. */
export interface LotBatchRef {
  gateway: string;
  seq: number;
  /** The batch's id (SHA-256 of its canonical bytes, lowercase hex). */
  id: string;
}

export interface LotEvidenceHeader {
  v: typeof LOT_DIGEST_VERSION;
  /** Traceability lot code. */
  lot: string;
  /**
   * 32 random bytes, lowercase hex, fresh for every leaf and kept off-chain: without it a
   * low-entropy lot code could be found by hashing guesses (docs/anchoring.md).
   */
  salt: string;
  /** SHA-256 (lowercase hex) of each event's canonical JSON without `contacts`, in (eventTime, eventId) order. */
  events: string[];
  /** One per gateway, sorted by gateway (UTF-16 code units, as RFC 8785 sorts keys). */
  batches: LotBatchRef[];
}

/** An event as recorded (any JSON object with these members): `contacts` (personal data, erasable) is left out of the digest. */
export interface DigestibleEvent {
  eventId: string;
  /** UTC ms. */
  eventTime: number;
  contacts?: unknown;
}

export interface LotHeaderInput {
  lot: string;
  events: readonly DigestibleEvent[];
  batches: readonly LotBatchRef[];
  /** Default: 32 fresh random bytes. */
  salt?: string;
}

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The order of a header's event digests: by eventTime, then eventId (UTF-16 code units). */
export const byEventOrder = (a: DigestibleEvent, b: DigestibleEvent): number => a.eventTime - b.eventTime || byCodeUnits(a.eventId, b.eventId);

export function newSalt(): string {
  return randomBytes(32).toString('hex');
}

/** SHA-256 of the event's canonical JSON (RFC 8785) without its `contacts` member, lowercase hex. */
export function eventDigest(event: DigestibleEvent): string {
  const { contacts: _contacts, ...rest } = event;
  return createHash('sha256').update(canonicalBytes(rest as unknown as CanonicalValue)).digest('hex');
}

/** The header of a lot: events digested in (eventTime, eventId) order, batches sorted by gateway. */
export function buildLotHeader(input: LotHeaderInput): LotEvidenceHeader {
  const salt = input.salt ?? newSalt();
  if (!HASH_HEX.test(salt)) throw new RangeError('a lot header salt is 32 bytes as 64 lowercase hex characters');
  const events = [...input.events].sort(byEventOrder).map(eventDigest);
  const batches = [...input.batches].sort((a, b) => byCodeUnits(a.gateway, b.gateway)).map(({ gateway, seq, id }) => ({ gateway, seq, id }));
  for (let i = 1; i < batches.length; i++) {
    if (batches[i]!.gateway === batches[i - 1]!.gateway) throw new RangeError(`gateway "${batches[i]!.gateway}" appears twice; a header names one batch per gateway`);
  }
  return { v: LOT_DIGEST_VERSION, lot: input.lot, salt, events, batches };
}

/** The leaf data: the header's canonical JSON bytes (RFC 8785). */
export function lotHeaderBytes(header: LotEvidenceHeader): Buffer {
  return canonicalBytes({ ...header, batches: header.batches.map((b) => ({ ...b })) });
}

/** RFC 9162 leaf hash of the header: SHA-256(0x00 ‖ canonical bytes). */
export function lotLeafHash(header: LotEvidenceHeader): Buffer {
  return leafHash(lotHeaderBytes(header));
}

/** Whether two headers say the same about their lot (salt aside): a lot whose evidence did not change gets no new leaf. */
export function sameLotEvidence(a: LotEvidenceHeader, b: LotEvidenceHeader): boolean {
  const content = (h: LotEvidenceHeader): string => lotHeaderBytes({ ...h, salt: '0'.repeat(64) }).toString('utf8');
  return content(a) === content(b);
}
