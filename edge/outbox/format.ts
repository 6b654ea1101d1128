/**
 * On-disk record format of the edge outbox (a write-ahead log in segment files).
 *
 * A segment is a sequence of records, each:
 *   magic "FTOB" (4 bytes) | kind (1 byte) | 3 zero bytes | payload length (u32 LE) |
 *   CRC-32 (u32 LE, zlib's ISO-HDLC polynomial) over kind byte + payload | payload
 *
 * Payloads (UTF-8):
 *   Readings   {"n":<number of the first reading>,"r":[<Reading>…],"k":[<dedupe key or null>…]?}
 *   Batch      {"seq":…,"upTo":…,"id":…,"sig":…} "\n" <the batch's canonical bytes, as signed>
 *   Ack        {"seq":…,"status":…}
 *   Checkpoint {"seq":…,"id":…,"readingNo":…,"sealedUpTo":…,"keys":[…]}
 *
 * Invariants: records are only appended; a record is valid only if its header is complete,
 * its length is within MAX_PAYLOAD and its CRC matches. Anything else (a torn write at the end,
 * flipped bits in the middle) is damage: recovery keeps every valid record, resynchronizing on
 * the next magic that starts a valid record, and reports the damaged byte ranges.
 */
import { crc32 } from 'node:zlib';

export const MAGIC = Buffer.from('FTOB', 'ascii');
export const HEADER_BYTES = 16;
export const MAX_PAYLOAD = 64 * 1024 * 1024;

export enum RecordKind {
  /** Readings accepted from inputs, numbered consecutively from `n`, not yet sealed. */
  Readings = 1,
  /** A sealed, signed batch covering readings up to a reading number. */
  Batch = 2,
  /** The ingest acknowledged a batch (accepted, duplicate, quarantined or dead-lettered). */
  Ack = 3,
  /** Chain, counter and dedupe state carried into a new segment, so old segments can be deleted. */
  Checkpoint = 4,
}

export interface RawRecord {
  kind: RecordKind;
  payload: Buffer;
}

export interface DamagedRange {
  start: number;
  end: number;
}

export function encodeRecord(kind: RecordKind, payload: Buffer): Buffer {
  const record = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  MAGIC.copy(record, 0);
  record.writeUInt32LE(kind, 4); // kind byte followed by three zero bytes
  record.writeUInt32LE(payload.length, 8);
  record.writeUInt32LE(recordCrc(kind, payload), 12);
  payload.copy(record, HEADER_BYTES);
  return record;
}

/** Encodes a record whose payload is a string, without an intermediate payload buffer. */
export function encodeTextRecord(kind: RecordKind, text: string): Buffer {
  const length = Buffer.byteLength(text, 'utf8');
  const record = Buffer.allocUnsafe(HEADER_BYTES + length);
  record.write(text, HEADER_BYTES, 'utf8');
  MAGIC.copy(record, 0);
  record.writeUInt32LE(kind, 4);
  record.writeUInt32LE(length, 8);
  record.writeUInt32LE(recordCrc(kind, record.subarray(HEADER_BYTES)), 12);
  return record;
}

const KIND_BYTES = [0, 1, 2, 3, 4].map((k) => Buffer.from([k]));

function recordCrc(kind: number, payload: Buffer): number {
  return crc32(payload, crc32(KIND_BYTES[kind] ?? Buffer.from([kind])));
}

/** Tries to read one valid record at `offset`; undefined if none starts there. */
function readRecordAt(buf: Buffer, offset: number): { record: RawRecord; next: number } | undefined {
  if (offset + HEADER_BYTES > buf.length) return undefined;
  if (buf.readUInt32BE(offset) !== MAGIC.readUInt32BE(0)) return undefined;
  const kind = buf.readUInt8(offset + 4);
  if (!(kind in RecordKind) || buf.readUIntLE(offset + 5, 3) !== 0) return undefined;
  const length = buf.readUInt32LE(offset + 8);
  const end = offset + HEADER_BYTES + length;
  if (length > MAX_PAYLOAD || end > buf.length) return undefined;
  const payload = buf.subarray(offset + HEADER_BYTES, end);
  if (recordCrc(kind, payload) !== buf.readUInt32LE(offset + 12)) return undefined;
  return { record: { kind, payload }, next: end };
}

/**
 * Splits a segment's bytes into valid records and damaged ranges. Never throws: damaged bytes
 * are skipped up to the next position where a valid record starts.
 */
export function scanSegment(buf: Buffer): { records: RawRecord[]; damaged: DamagedRange[] } {
  const records: RawRecord[] = [];
  const damaged: DamagedRange[] = [];
  let offset = 0;
  while (offset < buf.length) {
    const hit = readRecordAt(buf, offset);
    if (hit) {
      records.push(hit.record);
      offset = hit.next;
      continue;
    }
    let resume = buf.indexOf(MAGIC, offset + 1);
    while (resume !== -1 && !readRecordAt(buf, resume)) resume = buf.indexOf(MAGIC, resume + 1);
    const end = resume === -1 ? buf.length : resume;
    damaged.push({ start: offset, end });
    offset = end;
  }
  return { records, damaged };
}
