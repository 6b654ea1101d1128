/**
 * Assembles {@link CommittedBatch} values from two row sets both stores read the same way: the
 * batch headers of a page (with their rid) and the reading rows of the page's rid range
 * (reading-ids.ts: reading rid = batch rid × 65536 + index).
 */
import { READING_SLOTS } from './reading-ids.js';
import { toHeader, toReading, type Row } from './sqlite-rows.js';
import type { CommittedBatch } from './types.js';

/** The header columns plus the position, as toHeader reads them. */
export const COMMITTED_HEADER_COLUMNS = 'rid, gateway, seq, id, prev, created_at, received_at, transport, reading_count, gap, clock_skew_ms';

/** The reading rid range [first, last] holding every reading of batch rids [fromRid, toRid]. */
export function readingRidSpan(fromRid: number, toRid: number): [number, number] {
  return [fromRid * READING_SLOTS, toRid * READING_SLOTS + READING_SLOTS - 1];
}

/** `headers` in rid order; `readings` are rows of the readings table in rid order. */
export function assembleCommittedBatches(headers: Row[], readings: Row[]): CommittedBatch[] {
  const byRid = new Map<number, CommittedBatch>();
  const batches = headers.map((row) => {
    const batch: CommittedBatch = { ...toHeader(row), position: Number(row.rid), readings: [] };
    byRid.set(batch.position, batch);
    return batch;
  });
  for (const r of readings) {
    const rid = Number(r.rid);
    const batch = byRid.get(Math.floor(rid / READING_SLOTS));
    if (!batch) continue;
    batch.readings.push(toReading({ ...r, batch_id: batch.id, idx: rid % READING_SLOTS, gateway: batch.gateway, seq: batch.seq }));
  }
  return batches;
}
