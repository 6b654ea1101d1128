/**
 * The life of one alarm or alert (one rule at one location), free of I/O, shared by the edge
 * agent's local alarms and the ingest's alert rules: when a value is beyond its
 * threshold, when it is back inside, and when an excursion has lasted long enough to raise or
 * has been over long enough to clear. Reading timestamps measure durations; the gateway clock
 * only extends them while no reading arrives.
 */

export type Side = 'above' | 'below';

export interface Thresholds {
  above?: number;
  below?: number;
  hysteresis: number;
}

/**
 * Where a value stands: `out` beyond a threshold; `inside` within both by at least the
 * hysteresis margin (the only zone that can clear an alarm); `band` in between.
 */
export type Zone = { kind: 'out'; side: Side } | { kind: 'band' } | { kind: 'inside' };

/**
 * How far a value is past its nearest threshold: positive beyond it, 0 on it, negative inside.
 * Rounded to 1e-6 so decimal arithmetic (4 − 0.3 vs 3.7) does not move a value across a zone
 * boundary; readings carry two fraction digits (protocol/reading.ts).
 */
export function severity(value: number, t: Thresholds): { by: number; side: Side } {
  const overAbove = t.above === undefined ? -Infinity : value - t.above;
  const underBelow = t.below === undefined ? -Infinity : t.below - value;
  const side: Side = overAbove >= underBelow ? 'above' : 'below';
  const by = Math.round(Math.max(overAbove, underBelow) * 1e6) / 1e6;
  return { by, side };
}

export function classify(value: number, t: Thresholds): Zone {
  const { by, side } = severity(value, t);
  if (by > 0) return { kind: 'out', side };
  return by <= -t.hysteresis ? { kind: 'inside' } : { kind: 'band' };
}

/** Of several sensors' latest values, the worst: furthest past (or least inside) its nearest limit. */
export function worstOf<K>(values: Iterable<readonly [K, number]>, t: Thresholds): { key: K; value: number } | undefined {
  let worst: { key: K; value: number; by: number } | undefined;
  for (const [key, value] of values) {
    const { by } = severity(value, t);
    if (!worst || by > worst.by) worst = { key, value, by };
  }
  return worst && { key: worst.key, value: worst.value };
}

/** The side and most extreme value of an excursion so far, after `value` on `side` (a new side starts over). */
export function trackPeak(state: { side?: Side; peak?: number }, side: Side, value: number): void {
  if (state.side !== side || state.peak === undefined) {
    state.side = side;
    state.peak = value;
    return;
  }
  state.peak = side === 'above' ? Math.max(state.peak, value) : Math.min(state.peak, value);
}

export interface Timing {
  forMs: number;
  clearAfterMs: number;
}

type Phase =
  /** Nothing is wrong, or the alarm just cleared. */
  | { name: 'idle' }
  /** Beyond the threshold since `since` (reading time), not yet for forMs. */
  | { name: 'pending'; since: number; lastOutTs: number; lastOutSeenAt: number }
  /** Raised. `insideSince` is the reading time the value came back inside, if it has. */
  | { name: 'active'; since: number; insideSince?: number };

export type Transition = 'raise' | 'clear' | undefined;

export class Excursion {
  private phase: Phase = { name: 'idle' };

  constructor(private readonly timing: Timing) {}

  get active(): boolean {
    return this.phase.name === 'active';
  }

  /** Reading time the current excursion began; undefined when idle. */
  get since(): number | undefined {
    return this.phase.name === 'idle' ? undefined : this.phase.since;
  }

  /**
   * Applies the location's zone after a reading taken at `ts`, observed at gateway time `now`.
   * Returns 'raise' once per excursion and 'clear' once per raised alarm.
   */
  onReading(zone: Zone, ts: number, now: number): Transition {
    const p = this.phase;
    switch (p.name) {
      case 'idle':
        if (zone.kind !== 'out') return undefined;
        this.phase = { name: 'pending', since: ts, lastOutTs: ts, lastOutSeenAt: now };
        return this.raiseIfLongEnough(0);
      case 'pending':
        if (zone.kind !== 'out') {
          // Back at or under the threshold before forMs: the excursion was not continuous.
          this.phase = { name: 'idle' };
          return undefined;
        }
        p.lastOutTs = Math.max(p.lastOutTs, ts);
        p.lastOutSeenAt = now;
        return this.raiseIfLongEnough(0);
      case 'active':
        if (zone.kind !== 'inside') {
          // Out again, or only within the hysteresis margin: not on the way to clearing.
          p.insideSince = undefined;
          return undefined;
        }
        p.insideSince ??= ts;
        if (ts - p.insideSince < this.timing.clearAfterMs) return undefined;
        this.phase = { name: 'idle' };
        return 'clear';
    }
  }

  /**
   * Periodic check at gateway time `now`: raises a pending excursion whose last reading was
   * beyond the threshold and which, counting the silence since that reading, has lasted
   * forMs. Silence never clears: only readings back inside do.
   */
  onTick(now: number): Transition {
    const p = this.phase;
    if (p.name !== 'pending') return undefined;
    // Device-clock span covered by readings plus gateway-clock silence after the last one:
    // each clock is only compared with itself, so a skewed device clock cannot raise early.
    return this.raiseIfLongEnough(Math.max(0, now - p.lastOutSeenAt));
  }

  private raiseIfLongEnough(silentMs: number): Transition {
    const p = this.phase;
    if (p.name !== 'pending') return undefined;
    if (p.lastOutTs - p.since + silentMs < this.timing.forMs) return undefined;
    this.phase = { name: 'active', since: p.since };
    return 'raise';
  }
}
