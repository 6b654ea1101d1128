/**
 * The shelf-life consumer: an after-commit consumer (ingest/consumers/) that keeps every lot's
 * freshness current. For each round of committed batches it
 *  1. turns each location's new readings into model steps (location-series.ts), continuing the
 *     series where it stood;
 *  2. gives each step to the lots in custody at that location when the step ended;
 *  3. updates those lots in batched model calls from their carried state (lot-evaluator.ts);
 *  4. raises the lot alerts whose condition starts (or ends) in this round (lot-alerts.ts:
 *     chilling exposure, a shipment now predicted to arrive below the receiver's minimum);
 *  5. writes the series positions, the lots' freshness and one history point per lot in one
 *     transaction (store.saveShelfLife).
 * A round redelivered after a crash finds the series already past its readings, so nothing is
 * counted twice. Humidity before any sensor reported it is the commodity's recommended RH.
 */
import type { Logger } from '../../common/log.js';
import { findCommodity, parameterRow, type Commodity } from '../../models/commodities.js';
import type { ShelfLifeModel } from '../../models/runner.js';
import type { BatchConsumer } from '../consumers/consumer.js';
import { readingsByLocation } from '../consumers/readings-by-location.js';
import type { CommittedBatch, LocationPoint, LotFreshness, ShelfLifeUpdate, Store, StoredReading } from '../store/types.js';
import { raiseLotAlerts, type LotChange } from './lot-alerts.js';
import { evaluateLots, type LotWindow } from './lot-evaluator.js';
import { LocationSeries, type TimedStep } from './location-series.js';

export const SHELF_LIFE_CONSUMER = 'shelf-life';

export interface ShelfLifeConsumerOptions {
  store: Store;
  /** Loaded on first use (the consumer's job may start before the model is needed). */
  loadModel: () => Promise<ShelfLifeModel>;
  logger: Logger;
}

export class ShelfLifeConsumer implements BatchConsumer {
  readonly name = SHELF_LIFE_CONSUMER;
  private model: Promise<ShelfLifeModel> | undefined;

  constructor(private readonly options: ShelfLifeConsumerOptions) {}

  async consume(batches: readonly CommittedBatch[]): Promise<void> {
    const { store, logger } = this.options;
    const byLocation = readingsByLocation(batches, (r) => r.tempC !== undefined || r.rh !== undefined);
    if (byLocation.size === 0) return;
    const positions = new Map((await store.locationSeries([...byLocation.keys()])).map((p) => [p.location, p]));

    const series: LocationPoint[] = [];
    const windows = new Map<string, { commodity: Commodity; steps: Array<TimedStep & { location: string }> }>();
    for (const [location, readings] of byLocation) {
      const line = new LocationSeries(positions.get(location) ?? {});
      // NaN marks "no humidity known yet"; each lot fills it with its commodity's recommended RH.
      const { steps } = line.append(readings, Number.NaN);
      series.push({ location, ...line.position });
      if (steps.length === 0) continue;
      const custody = await store.custodyAt(location, steps[0]!.endTs, steps[steps.length - 1]!.endTs);
      for (const interval of custody) {
        const mine = steps.filter((s) => s.endTs > interval.fromTs && (interval.toTs === undefined || s.endTs <= interval.toTs));
        if (mine.length === 0) continue;
        let window = windows.get(interval.lot);
        if (!window) {
          const known = findCommodity(interval.commodity);
          if (!known) {
            logger.warn({ lot: interval.lot, commodity: interval.commodity }, 'lot of an unknown commodity: no shelf life computed');
            continue;
          }
          window = { commodity: known, steps: [] };
          windows.set(interval.lot, window);
        }
        window.steps.push(...mine.map((s) => ({ ...s, location })));
      }
    }

    const update: ShelfLifeUpdate = { series, freshness: [], history: [] };
    if (windows.size > 0) {
      const stored = new Map((await store.lotFreshness([...windows.keys()])).map((f) => [f.lot, f]));
      const lotWindows: LotWindow[] = [];
      const changes = new Map<string, Omit<LotChange, 'next'> & { throughTs: number }>();
      for (const [lot, { commodity: c, steps }] of windows) {
        const previous = stored.get(lot);
        // A lot moved between locations in this round: its steps in time order.
        const ordered = steps.filter((s) => previous === undefined || s.endTs > previous.throughTs).sort((a, b) => a.endTs - b.endTs);
        if (ordered.length === 0) continue;
        const chilledAt = new Set(ordered.filter((s) => s.tempC < c.tChillC).map((s) => s.location));
        changes.set(lot, { lot, commodity: c, ...(previous ? { previous } : {}), chilledAt: [...chilledAt], throughTs: ordered[ordered.length - 1]!.endTs });
        lotWindows.push({
          lot,
          params: parameterRow(c),
          state: previous ? [previous.usedFraction, previous.waterLossPct, previous.chillDegreeHours] : [0, 0, 0],
          steps: ordered.map((s) => ({ tempC: s.tempC, rh: Number.isNaN(s.rh) ? c.rhBest : s.rh, dtH: s.dtH })),
        });
      }
      const model = await this.loadModel();
      const results = await evaluateLots(model, lotWindows);
      const updated: LotChange[] = [];
      for (const [lot, result] of results) {
        const { throughTs, ...change } = changes.get(lot)!;
        const freshness: LotFreshness = {
          lot,
          usedFraction: result.state[0]!,
          waterLossPct: result.state[1]!,
          chillDegreeHours: result.state[2]!,
          quality: result.quality,
          remainingDays: result.remainingDays,
          throughTs,
        };
        update.freshness.push(freshness);
        updated.push({ ...change, next: freshness });
        const { lot: _lot, throughTs: ts, ...point } = freshness;
        update.history.push({ lot, ts, ...point });
      }
      await raiseLotAlerts({ store, model, logger }, updated);
    }
    await store.saveShelfLife(update);
  }

  async close(): Promise<void> {
    const model = this.model;
    this.model = undefined;
    if (model) await (await model.catch(() => undefined))?.close();
  }

  private loadModel(): Promise<ShelfLifeModel> {
    this.model ??= this.options.loadModel().catch((err: unknown) => {
      this.model = undefined; // the next round tries again
      throw err;
    });
    return this.model;
  }
}
