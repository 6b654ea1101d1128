/**
 * The readings of committed batches grouped by location, in the order they were committed:
 * what the consumers that reason per location (shelf life, alert rules) start from.
 */
import type { CommittedBatch, StoredReading } from '../store/types.js';

export function readingsByLocation(batches: readonly CommittedBatch[], keep: (r: StoredReading) => boolean = () => true): Map<string, StoredReading[]> {
  const byLocation = new Map<string, StoredReading[]>();
  for (const batch of batches) {
    for (const r of batch.readings) {
      if (!keep(r)) continue;
      let list = byLocation.get(r.location);
      if (!list) byLocation.set(r.location, (list = []));
      list.push(r);
    }
  }
  return byLocation;
}
