/**
 * How a stored reading is keyed since migration 2: its row id is derived from the row id of its
 * batch and its position in the batch, `rid = batchRid × 65536 + index`. Readings therefore need
 * no key of their own (the 64-hex-character batch id was repeated in every row and indexed),
 * a commit appends them at the end of the table in one b-tree, and the readings of one batch are
 * the row id range of {@link readingRidRange}. The SQL expressions below are the same arithmetic.
 */
import { MAX_READINGS_PER_BATCH } from '../../protocol/batch.js';

/** Row id slots per batch: a power of two above the protocol limit (10,000 readings per batch). */
export const READING_SLOTS = 65_536;
const SHIFT = 16;

if (MAX_READINGS_PER_BATCH > READING_SLOTS) throw new Error('READING_SLOTS must exceed MAX_READINGS_PER_BATCH');

/** Row id of the first reading of a batch; reading i is this + i. */
export function firstReadingRid(batchRid: number): number {
  return batchRid * READING_SLOTS;
}

/** SQL: the batch row id of the reading row `alias`. */
export const batchRidOf = (alias: string): string => `(${alias}.rid >> ${SHIFT})`;
/** SQL: the position in its batch of the reading row `alias`. */
export const indexOf = (alias: string): string => `(${alias}.rid & ${READING_SLOTS - 1})`;
/** SQL: a condition that the reading row `reading` belongs to the batch row `batch`. */
export const readingRidRange = (reading: string, batch: string): string =>
  `${reading}.rid BETWEEN ${batch}.rid * ${READING_SLOTS} AND ${batch}.rid * ${READING_SLOTS} + ${READING_SLOTS - 1}`;
