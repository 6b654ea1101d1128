/**
 * A lot's custody within one round, as chains of custody segments that never overlap in time.
 * A lot that moves is one chain: an interval closes and the next one opens. A lot split between
 * holders (docs/events.md §7: shipping closes custody at the ship-from location, receiving opens
 * it without closing any other) is held at several locations at once; each holder then carries
 * on the history that led to it as a chain of its own, so an hour held at two places is counted
 * once in each chain and never twice in one.
 */
import type { TimedStep } from './location-series.js';

/** The steps of one custody interval of a lot: a time-ordered run of that location's steps. */
export interface Segment {
  location: string;
  /** The custody interval the steps fall in (fromTs < endTs ≤ toTs). */
  fromTs: number;
  /** Absent while the interval is open. */
  toTs?: number;
  /** At least one step. */
  steps: readonly TimedStep[];
}

/**
 * Groups a lot's segments into chains, each in time order. A segment extends every chain whose
 * last interval closed by the time it opened (a move; several chains when split parts come back
 * together). A segment no chain's last interval ended before is held beside them: it starts a new
 * chain carrying on the longest history that had ended when it opened (the ship-from location's
 * steps of this round), so every part of a split lot keeps what it went through before the split.
 */
export function custodyChains(segments: readonly Segment[]): Segment[][] {
  const ordered = [...segments].sort((a, b) => a.fromTs - b.fromTs || a.steps[0]!.endTs - b.steps[0]!.endTs);
  const chains: Segment[][] = [];
  for (const segment of ordered) {
    const followed = chains.filter((chain) => endedBy(chain[chain.length - 1]!, segment.fromTs));
    if (followed.length > 0) {
      for (const chain of followed) chain.push(segment);
      continue;
    }
    let before: Segment[] = [];
    for (const chain of chains) {
      let k = chain.length;
      while (k > 0 && !endedBy(chain[k - 1]!, segment.fromTs)) k--;
      if (k > 0 && (before.length === 0 || chain[k - 1]!.toTs! > before[before.length - 1]!.toTs!)) before = chain.slice(0, k);
    }
    chains.push([...before, segment]);
  }
  return chains;
}

/** The segment's custody interval closed at or before `ts`. */
const endedBy = (segment: Segment, ts: number): boolean => segment.toTs !== undefined && segment.toTs <= ts;
