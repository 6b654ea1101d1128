/**
 * SQL of epochs shared by the SQLite and PostgreSQL stores (SQLite migration 14, PostgreSQL 13;
 * `?` placeholders, PostgreSQL numbers them) and the row mappers. Heads and headers are stored
 * as their canonical JSON text: parsing it back and canonicalizing gives the same bytes, so the
 * signature and the leaf hashes stay checkable from the rows alone.
 */
import { headBytes, type EpochHead } from '../../protocol/epoch-head.js';
import { lotHeaderBytes, type LotEvidenceHeader } from '../../protocol/lot-digest.js';
import { batchRidOf, readingRidRange } from './reading-ids.js';
import type { EpochLeaf, LotGatewayBatches, StoredEpochHead } from './epoch-types.js';
import type { Row } from './sqlite-rows.js';

export const INSERT_HEAD_SQL = 'INSERT INTO epoch_heads (epoch, head, sig, head_hash, tree_size, closed_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)';
export const INSERT_LEAF_SQL = 'INSERT INTO epoch_leaves (epoch, idx, lot, header) VALUES (?, ?, ?, ?)';
export const LATEST_EPOCH_SQL = 'SELECT COALESCE(MAX(epoch), 0) AS epoch FROM epoch_heads';
export const HEAD_SQL = 'SELECT epoch, head, sig, head_hash FROM epoch_heads WHERE epoch = ?';
export const LATEST_HEAD_SQL = 'SELECT epoch, head, sig, head_hash FROM epoch_heads ORDER BY epoch DESC LIMIT 1';
export const EPOCH_LEAVES_SQL = 'SELECT epoch, idx, lot, header FROM epoch_leaves WHERE epoch = ? ORDER BY idx';
export const LOT_LEAVES_SQL = 'SELECT epoch, idx, lot, header FROM epoch_leaves WHERE lot = ? ORDER BY epoch DESC LIMIT ?';

/**
 * Candidate lots for the next epoch (docs/anchoring.md "Epochs", the changed-lots rule), two
 * parameters, both `since`:
 * - lots named by events recorded at or after `since` (index lot_events_recorded);
 * - per location, the ts span of the readings of batches received at or after `since` (index
 *   batches_received_at, then each batch's reading rid range), and the lots whose custody at
 *   that location overlaps the span (index lot_custody_by_location). A lot in custody during
 *   the span but between two readings is a false candidate; the header comparison drops it.
 */
export const CANDIDATE_LOTS_SQL = `
SELECT lot FROM (
  SELECT l.tlc AS lot FROM lot_events e JOIN lot_event_lots l ON l.event_id = e.event_id WHERE e.recorded_at >= ?
  UNION
  SELECT c.lot FROM (
    SELECT r.location, MIN(r.ts) AS min_ts, MAX(r.ts) AS max_ts
    FROM batches b JOIN readings r ON ${readingRidRange('r', 'b')}
    WHERE b.received_at >= ?
    GROUP BY r.location
  ) s JOIN lot_custody c ON c.location = s.location AND c.from_ts <= s.max_ts AND (c.to_ts IS NULL OR c.to_ts > s.min_ts)
) u ORDER BY lot`;

/**
 * Per gateway, the first and the latest batch holding a reading at one of the lot's custody
 * locations during that custody (from ≤ ts < to; an open interval has no end). The readings are
 * found through the (location, ts) index, their batches by rid.
 */
export const LOT_GATEWAY_BATCHES_SQL = `
WITH g AS (
  SELECT b.gateway, MIN(b.seq) AS first_seq, MAX(b.seq) AS last_seq FROM batches b
  WHERE b.rid IN (
    SELECT DISTINCT ${batchRidOf('r')} FROM lot_custody c
    JOIN readings r ON r.location = c.location AND r.ts >= c.from_ts AND (c.to_ts IS NULL OR r.ts < c.to_ts)
    WHERE c.lot = ?
  )
  GROUP BY b.gateway
)
SELECT g.gateway, g.first_seq, g.last_seq, b.id FROM g JOIN batches b ON b.gateway = g.gateway AND b.seq = g.last_seq ORDER BY g.gateway`;

/** Parameters of INSERT_HEAD_SQL. */
export function headParams(h: StoredEpochHead, at: number): unknown[] {
  return [h.head.epoch, headBytes(h.head).toString('utf8'), h.sig, h.headHash, h.head.treeSize, h.head.closedAt, at];
}

/** Parameters of INSERT_LEAF_SQL for the leaf at `index`. */
export function leafParams(epoch: number, index: number, header: LotEvidenceHeader): unknown[] {
  return [epoch, index, header.lot, lotHeaderBytes(header).toString('utf8')];
}

export function toStoredHead(r: Row): StoredEpochHead {
  return { head: JSON.parse(String(r.head)) as EpochHead, sig: String(r.sig), headHash: String(r.head_hash) };
}

export function toLeaf(r: Row): EpochLeaf {
  return { epoch: Number(r.epoch), index: Number(r.idx), lot: String(r.lot), header: JSON.parse(String(r.header)) as LotEvidenceHeader };
}

export function toGatewayBatches(r: Row): LotGatewayBatches {
  return { gateway: String(r.gateway), firstSeq: Number(r.first_seq), seq: Number(r.last_seq), id: String(r.id) };
}
