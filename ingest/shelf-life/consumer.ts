/**
 * The shelf-life consumer: an after-commit consumer (ingest/consumers/) that keeps every lot's
 * freshness current. For each round of committed batches it
 *  1. turns each location's new readings into model steps (location-series.ts), continuing the
 *     series where it stood;
 *  2. gives each step to the lots in custody at that location when the step ended, in chains
 *     of custody that do not overlap in time (custody-chains.ts: one for a lot that moves, one
 *     per holder of a split lot);
 *  3. updates those lots in batched model calls from their carried state (lot-evaluator.ts),
 *     keeping, for a split lot, the chain with the fewest remaining days;
 *  4. raises the lot alerts whose condition starts (or ends) in this round (lot-alerts.ts:
 *     chilling exposure, a shipment now predicted to arrive below the receiver's minimum);
 *  5. writes the series positions, the lots' freshness and one history point per lot in one
 *     transaction (store.saveShelfLife).
 * A round redelivered after a crash finds the series already past its readings, so nothing is
 * counted twice. Humidity before any sensor reported it is the commodity's recommended RH.
 */
import type { Logger } from '../../common/log.js';
import { findCommodity, parameterRow, type Commodity } from '../../models/commodities.js';
import type { Step } from '../../models/reference.js';
import { LazyModel, type ShelfLifeModel } from '../../models/runner.js';
import type { BatchConsumer } from '../consumers/consumer.js';
import { readingsByLocation } from '../consumers/readings-by-location.js';
import type { CommittedBatch, LocationPoint, LotFreshness, ShelfLifeUpdate, Store } from '../store/types.js';
import { raiseLotAlerts, type LotChange } from './lot-alerts.js';
import { custodyChains, type Segment } from './custody-chains.js';
import { evaluateWindows, type LotFreshness as ChainFreshness, type LotWindow } from './lot-evaluator.js';
import { LocationSeries, type TimedStep } from './location-series.js';

export const SHELF_LIFE_CONSUMER = 'shelf-life';

export interface ShelfLifeConsumerOptions {
  store: Store;
  /** Loaded on first use (the consumer's job may start before the model is needed). */
  loadModel: () => Promise<ShelfLifeModel>;
  logger: Logger;
}

/** A lot's new steps, one segment per custody interval the round's steps fall in. */
interface LotSegments {
  commodity: Commodity;
  segments: Segment[];
}

export class ShelfLifeConsumer implements BatchConsumer {
  readonly name = SHELF_LIFE_CONSUMER;
  private readonly model: LazyModel;

  constructor(private readonly options: ShelfLifeConsumerOptions) {
    this.model = new LazyModel(options.loadModel);
  }

  async consume(batches: readonly CommittedBatch[]): Promise<void> {
    const { store, logger } = this.options;
    const byLocation = readingsByLocation(batches, (r) => r.tempC !== undefined || r.rh !== undefined);
    if (byLocation.size === 0) return;
    const positions = new Map((await store.locationSeries([...byLocation.keys()])).map((p) => [p.location, p]));

    const series: LocationPoint[] = [];
    const stepsAt = new Map<string, TimedStep[]>();
    let fromTs = Infinity;
    let toTs = -Infinity;
    for (const [location, readings] of byLocation) {
      const line = new LocationSeries(positions.get(location) ?? {});
      // NaN marks "no humidity known yet"; each lot fills it with its commodity's recommended RH.
      const { steps } = line.append(readings, Number.NaN);
      series.push({ location, ...line.position });
      if (steps.length === 0) continue;
      stepsAt.set(location, steps);
      fromTs = Math.min(fromTs, steps[0]!.endTs);
      toTs = Math.max(toTs, steps[steps.length - 1]!.endTs);
    }
    const lots = stepsAt.size === 0 ? new Map<string, LotSegments>() : await this.lotSegments(stepsAt, fromTs, toTs);

    const update: ShelfLifeUpdate = { series, freshness: [], history: [] };
    if (lots.size > 0) {
      const stored = new Map((await store.lotFreshness([...lots.keys()])).map((f) => [f.lot, f]));
      const params = new Map<Commodity, readonly number[]>(); // one parameter row per commodity
      const lotWindows: LotWindow[] = [];
      const chilledAt: string[][] = []; // per window
      const changes: Array<Omit<LotChange, 'next' | 'chilledAt'> & { throughTs: number; windows: number[] }> = []; // windows: indices into lotWindows
      for (const [lot, { commodity: c, segments }] of lots) {
        const previous = stored.get(lot);
        const afterTs = previous?.throughTs ?? -Infinity;
        const chains = custodyChains(segments).map((chain) => newSteps(c, chain, afterTs)).filter((w) => w.steps.length > 0);
        if (chains.length === 0) continue;
        let row = params.get(c);
        if (!row) params.set(c, (row = parameterRow(c)));
        const state = previous ? [previous.usedFraction, previous.waterLossPct, previous.chillDegreeHours] : [0, 0, 0];
        const windows: number[] = [];
        for (const chain of chains) {
          windows.push(lotWindows.length);
          lotWindows.push({ lot, params: row, state, steps: chain.steps });
          chilledAt.push(chain.chilledAt);
        }
        // The lot's steps run through the latest step of any chain: later rounds count what follows.
        const throughTs = Math.max(...chains.map((w) => w.throughTs));
        changes.push({ lot, commodity: c, ...(previous ? { previous } : {}), throughTs, windows });
      }
      const model = await this.model.get();
      const results = await evaluateWindows(model, lotWindows);
      const updated: LotChange[] = [];
      for (const { windows, throughTs, ...change } of changes) {
        const { lot } = change;
        const kept = worstKept(windows, results);
        const result = results[kept]!;
        const [usedFraction, waterLossPct, chillDegreeHours] = result.state as [number, number, number];
        const { quality, remainingDays } = result;
        const freshness: LotFreshness = { lot, usedFraction, waterLossPct, chillDegreeHours, quality, remainingDays, throughTs };
        update.freshness.push(freshness);
        update.history.push({ lot, ts: throughTs, usedFraction, waterLossPct, chillDegreeHours, quality, remainingDays });
        updated.push({ ...change, chilledAt: chilledAt[kept]!, next: freshness });
      }
      await raiseLotAlerts({ store, model, logger }, updated);
    }
    await store.saveShelfLife(update);
  }

  /**
   * Gives each location's steps to the lots in custody there when each step ended (fromTs <
   * endTs ≤ toTs), reading the custody of every location in one store call. A location's steps
   * are in time order, so an interval's share is one run of them, found by binary search.
   */
  private async lotSegments(stepsAt: ReadonlyMap<string, readonly TimedStep[]>, fromTs: number, toTs: number): Promise<Map<string, LotSegments>> {
    const lots = new Map<string, LotSegments>();
    for (const interval of await this.options.store.custodyAtMany([...stepsAt.keys()], fromTs, toTs)) {
      const steps = stepsAt.get(interval.location)!;
      const first = endingAfter(steps, interval.fromTs);
      const end = interval.toTs === undefined ? steps.length : endingAfter(steps, interval.toTs);
      if (first >= end) continue;
      let lot = lots.get(interval.lot);
      if (!lot) {
        const known = findCommodity(interval.commodity);
        if (!known) {
          this.options.logger.warn({ lot: interval.lot, commodity: interval.commodity }, 'lot of an unknown commodity: no shelf life computed');
          continue;
        }
        lots.set(interval.lot, (lot = { commodity: known, segments: [] }));
      }
      const run = first === 0 && end === steps.length ? steps : steps.slice(first, end);
      lot.segments.push({ location: interval.location, fromTs: interval.fromTs, ...(interval.toTs === undefined ? {} : { toTs: interval.toTs }), steps: run });
    }
    return lots;
  }

  async close(): Promise<void> {
    await this.model.close();
  }
}

/** Index of the first step ending after `ts` (steps.length when none): steps are in time order. */
function endingAfter(steps: readonly TimedStep[], ts: number): number {
  let lo = 0;
  let hi = steps.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (steps[mid]!.endTs > ts) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The window of one custody chain (custody-chains.ts: its segments in time order): its steps
 * after `afterTs` (what the lot's stored freshness already counts), with unknown humidity filled
 * by the commodity's recommended RH, and the locations where it was below its chilling threshold.
 */
function newSteps(c: Commodity, chain: readonly Segment[], afterTs: number): { steps: Step[]; chilledAt: string[]; throughTs: number } {
  const steps: Step[] = [];
  const chilledAt: string[] = [];
  for (const { location, steps: run } of chain) {
    let chilled = false;
    for (let i = endingAfter(run, afterTs); i < run.length; i++) {
      const s = run[i]!;
      steps.push(Number.isNaN(s.rh) ? { tempC: s.tempC, rh: c.rhBest, dtH: s.dtH } : s);
      chilled ||= s.tempC < c.tChillC;
    }
    if (chilled && !chilledAt.includes(location)) chilledAt.push(location);
  }
  const last = chain[chain.length - 1]!.steps;
  return { steps, chilledAt, throughTs: last[last.length - 1]!.endTs };
}

/**
 * Which of a lot's chain windows it keeps: the one with the fewest remaining days (then the
 * lowest quality). The parts of a split lot are one lot, and a lot is only as fresh as its
 * worst-kept part (docs/model.md §5); the next round starts every chain from the kept state.
 */
function worstKept(windows: readonly number[], results: readonly ChainFreshness[]): number {
  let kept = windows[0]!;
  for (const i of windows) {
    const r = results[i]!;
    const k = results[kept]!;
    if (r.remainingDays < k.remainingDays || (r.remainingDays === k.remainingDays && r.quality < k.quality)) kept = i;
  }
  return kept;
}
