/**
 * After-commit consumers (DESIGN.md "Store": consumer cursors): plugins that receive committed
 * batches in commit order, after the store has made them durable, and export or derive
 * something from them. Everything a consumer produces can be rebuilt from the store by
 * rewinding its cursor.
 */
import type { CommittedBatch } from '../store/types.js';

/**
 * One after-commit consumer, driven by a {@link ConsumerRunner}.
 *
 * Contract:
 * - `consume` is called with batches in commit order, never concurrently with itself or close().
 * - Delivery is at least once: a batch may come again after a failure or a restart, so
 *   `consume` must be idempotent (writing the same batch twice leaves the same result).
 * - `consume` resolves only once its output is durable at its destination; the runner then
 *   advances the cursor. A rejection means nothing is acknowledged: the same batches come again.
 * - `close` is called once, after the last `consume` has settled; it releases connections.
 */
export interface BatchConsumer {
  /** Stable name: the key of the consumer's cursor in the store and the metrics label. */
  readonly name: string;
  consume(batches: readonly CommittedBatch[]): Promise<void>;
  close(): Promise<void>;
}
