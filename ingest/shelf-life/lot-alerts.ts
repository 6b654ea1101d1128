/**
 * The lot alerts of one shelf-life round: `chilling_exposure` (chilling.ts) and
 * `arrival_below_minimum` (arrival.ts), decided by comparing each updated lot's previous stored
 * freshness with its new one, so an alert is raised in the round where its condition starts and
 * not again in later rounds. The consumer calls this before it saves the round: a crash in
 * between brings the round again, which raises again and only bumps the alerts already open
 * (their dedupe keys), so no alert is lost and none is doubled.
 */
import type { Logger } from '../../common/log.js';
import type { Commodity } from '../../models/commodities.js';
import type { ShelfLifeModel } from '../../models/runner.js';
import type { LotFreshness, Store } from '../store/types.js';
import { predictArrivals, reportArrival, type ArrivalQuery } from './arrival.js';
import { chillingAlert, chillingCrossed } from './chilling.js';

/** A lot the round updated. */
export interface LotChange {
  lot: string;
  commodity: Commodity;
  /** Its stored freshness before the round; undefined for its first readings. */
  previous?: LotFreshness;
  next: LotFreshness;
  /** Locations where the round's steps were below the commodity's chilling threshold. */
  chilledAt: readonly string[];
}

export interface LotAlertContext {
  store: Store;
  model: Pick<ShelfLifeModel, 'evaluate'>;
  logger: Logger;
}

export async function raiseLotAlerts(context: LotAlertContext, changes: readonly LotChange[]): Promise<void> {
  await chillingAlerts(context, changes);
  await arrivalAlerts(context, changes);
}

/** The chilling alerts of the round in one store call: one transaction, however many lots crossed a level. */
async function chillingAlerts({ store, logger }: LotAlertContext, changes: readonly LotChange[]): Promise<void> {
  const crossed = changes.flatMap(({ lot, commodity, previous, next, chilledAt }) => {
    const level = chillingCrossed(commodity, previous?.chillDegreeHours ?? 0, next.chillDegreeHours);
    return level === undefined ? [] : [{ lot, commodity, level, chillDegreeHours: next.chillDegreeHours, locations: chilledAt, at: next.throughTs }];
  });
  const raised = await store.raiseAlerts(crossed.map(chillingAlert));
  for (const [i, { lot, commodity, level, chillDegreeHours }] of crossed.entries()) {
    logger.warn({ lot, commodity: commodity.id, level, chillDegreeHours, opened: raised[i]!.opened }, 'chilling exposure: alert raised');
  }
}

/**
 * For every shipment under way of the updated lots (ETA after the lot's new readings, with a
 * minimum), two predictions in one model call: as of the lot's previous readings and as of its
 * new ones. Both count the transit from max(shipment created, readings through), so the
 * previous one is what POST /api/v1/shipments or the previous round predicted, and the outcome
 * does not depend on when a round runs. Only a change of side acts: falling below the minimum
 * raises, coming back to it resolves (a lot kept colder than its planned transit temperature
 * gains predicted days as the remaining transit shortens).
 */
async function arrivalAlerts({ store, model, logger }: LotAlertContext, changes: readonly LotChange[]): Promise<void> {
  if (changes.length === 0) return;
  const byLot = new Map(changes.map((c) => [c.lot, c]));
  const earliest = changes.reduce((min, c) => Math.min(min, c.next.throughTs), Infinity);
  const shipments = (await store.shipmentsOfLots([...byLot.keys()], earliest)).filter((s) => s.minDaysOnArrival !== undefined && s.eta > byLot.get(s.lot)!.next.throughTs);
  if (shipments.length === 0) return;
  const queries = shipments.flatMap((shipment): ArrivalQuery[] => {
    const { commodity, previous, next } = byLot.get(shipment.lot)!;
    return [
      { commodity, shipment, from: shipment.createdAt, ...(previous ? { freshness: previous } : {}) },
      { commodity, shipment, from: shipment.createdAt, freshness: next },
    ];
  });
  const predictions = await predictArrivals(model, queries);
  for (const [i, shipment] of shipments.entries()) {
    const before = predictions[2 * i]!;
    const after = predictions[2 * i + 1]!;
    if (before.belowMinimum === after.belowMinimum) continue;
    const { commodity, next } = byLot.get(shipment.lot)!;
    const outcome = await reportArrival(store, { shipment, commodity, prediction: after, at: next.throughTs });
    logger.info({ shipment: shipment.id, lot: shipment.lot, predictedDays: after.remainingDays, minDaysOnArrival: shipment.minDaysOnArrival, outcome }, 'arrival prediction crossed the receiver\'s minimum');
  }
}
