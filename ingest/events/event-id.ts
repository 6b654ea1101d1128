/**
 * Event ids and times. An id must be stable: the same record sent twice gets the same id, so
 * the store can make ingest idempotent.
 *
 * - CTE records: the client's `eventId`, else `ni:///sha-256;<hex>?ver=freshtrail-cte-1`, the
 *   SHA-256 of the RFC 8785 canonical bytes of the record without `eventId` and without its
 *   personal-data fields (an id must not encode a phone number).
 * - EPCIS events: the `eventID`, else `ni:///sha-256;<hex>?ver=freshtrail-jcs-1`, the SHA-256 of
 *   the canonical bytes of the event as received. This is NOT the GS1 CBV 2.0 event hash
 *   (`?ver=CBV2.0`, which hashes a normalized pre-hash string): the distinct `ver` keeps the two
 *   from being confused. A partner that needs the GS1 hash must send it as `eventID`.
 */
import { createHash } from 'node:crypto';
import { CanonicalizationError, canonicalBytes, type CanonicalValue } from '../../protocol/canonical.js';
import { FreshTrailError } from '../../common/errors.js';

export type DerivedIdVersion = 'freshtrail-cte-1' | 'freshtrail-jcs-1';

/** `ni:` URI (RFC 6920) of the canonical bytes of `content`. */
export function derivedEventId(content: CanonicalValue, version: DerivedIdVersion, what: string): string {
  let bytes: Buffer;
  try {
    bytes = canonicalBytes(content);
  } catch (err) {
    if (err instanceof CanonicalizationError) {
      throw new FreshTrailError('FT_ERR_SCHEMA', `${what}: cannot derive an event id: ${err.message}; send an explicit event id`);
    }
    throw err;
  }
  return `ni:///sha-256;${createHash('sha256').update(bytes).digest('hex')}?ver=${version}`;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;
const OFFSET = /^([+-])(0\d|1[0-4]):([0-5]\d)$/;

/** A time with an explicit offset → UTC ms and the offset as "+hh:mm"; undefined if invalid. */
export function parseTime(text: string): { ms: number; offset: string } | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return undefined;
  const offset = m[8]!.toUpperCase() === 'Z' ? '+00:00' : m[8]!;
  return { ms, offset };
}

/** "+02:00" → +120 minutes; undefined if it is no offset. */
export function offsetMinutes(offset: string): number | undefined {
  const m = OFFSET.exec(offset);
  if (!m) return undefined;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -minutes : minutes;
}

/** The calendar date (YYYY-MM-DD) of a UTC instant at a local offset. */
export function localDate(ms: number, offset: string): string {
  return new Date(ms + (offsetMinutes(offset) ?? 0) * 60_000).toISOString().slice(0, 10);
}

/** Midnight of a local date at an offset, as UTC ms. */
export function localMidnight(date: string, offset: string): number {
  return Date.parse(`${date}T00:00:00.000Z`) - (offsetMinutes(offset) ?? 0) * 60_000;
}
