/**
 * The shelf life a shipped lot will have on arrival, and the `arrival_below_minimum` alert when
 * that falls under the receiver's minimum. A prediction is the lot's state (A, W, C) after its
 * readings, then the transit until the ETA at the planned transit temperature and the
 * commodity's recommended RH, through the configured model; the remaining days are those at the
 * commodity's best temperature after arrival (docs/model.md §5).
 *
 * POST /api/v1/shipments predicts (and alerts) when a shipment is recorded; the shelf-life
 * consumer predicts again whenever new readings update a lot with a shipment under way, in one
 * model call for all of a round's shipments.
 */
import type { Commodity } from '../../models/commodities.js';
import { parameterRow } from '../../models/commodities.js';
import type { ShelfLifeModel } from '../../models/runner.js';
import { STATE_COUNT } from '../../models/signature.js';
import type { AlertInput } from '../store/integrity-types.js';
import type { LotFreshness, Shipment, Store } from '../store/types.js';

const HOUR = 3_600_000;

export interface ArrivalQuery {
  commodity: Commodity;
  /** The lot's stored freshness; undefined before its first reading (a fresh lot). */
  freshness?: Pick<LotFreshness, 'usedFraction' | 'waterLossPct' | 'chillDegreeHours' | 'throughTs'>;
  shipment: Shipment;
  /**
   * When the transit starts to count, UTC ms: it runs from max(from, freshness.throughTs) until
   * the ETA (none when that is past). Time between the last reading and `from` counts nothing.
   */
  from: number;
}

export interface ArrivalPrediction {
  /** Remaining shelf life on arrival at the commodity's best temperature, days. */
  remainingDays: number;
  quality: number;
  /** remainingDays < the shipment's minDaysOnArrival (false when it has none). */
  belowMinimum: boolean;
}

/** Predictions for many shipments in one model call (one step of transit each), in query order. */
export async function predictArrivals(model: Pick<ShelfLifeModel, 'evaluate'>, queries: readonly ArrivalQuery[]): Promise<ArrivalPrediction[]> {
  if (queries.length === 0) return [];
  const lots = queries.length;
  const state = new Float32Array(lots * STATE_COUNT);
  queries.forEach(({ freshness: f }, i) => {
    if (f) state.set([f.usedFraction, f.waterLossPct, f.chillDegreeHours], i * STATE_COUNT);
  });
  const result = await model.evaluate({
    tempC: Float32Array.from(queries, (q) => q.shipment.transitTempC),
    rh: Float32Array.from(queries, (q) => q.commodity.rhBest),
    dtH: Float32Array.from(queries, (q) => transitHours(q)),
    params: Float32Array.from(queries.flatMap((q) => parameterRow(q.commodity))),
    state,
    lots,
    steps: 1,
  });
  return queries.map(({ shipment }, i) => {
    const remainingDays = result.remainingDays[i]!;
    return { remainingDays, quality: result.quality[i]!, belowMinimum: shipment.minDaysOnArrival !== undefined && remainingDays < shipment.minDaysOnArrival };
  });
}

function transitHours({ freshness, shipment, from }: ArrivalQuery): number {
  return Math.max(0, shipment.eta - Math.max(from, freshness?.throughTs ?? from)) / HOUR;
}

/** One not-resolved alert per shipment. */
export const arrivalDedupeKey = (shipmentId: string): string => `arrival:${shipmentId}`;

export interface ArrivalReport {
  shipment: Shipment;
  commodity: Commodity;
  prediction: ArrivalPrediction;
  /** When the prediction was made, UTC ms. */
  at: number;
}

/** The warning for a shipment predicted to arrive below the receiver's minimum. */
export function arrivalAlert({ shipment: s, commodity, prediction, at }: ArrivalReport): AlertInput {
  const eta = new Date(s.eta).toISOString();
  const days = prediction.remainingDays.toFixed(1);
  return {
    kind: 'arrival_below_minimum',
    severity: 'warning',
    subject: s.lot,
    dedupeKey: arrivalDedupeKey(s.id),
    message:
      `lot ${s.lot} (${commodity.name}) to ${s.destination}, ETA ${eta}: predicted ${days} days of shelf life on arrival, ` +
      `below the receiver's minimum of ${s.minDaysOnArrival} days (shipment ${s.id}, transit at ${s.transitTempC} °C); ` +
      'send a fresher lot, ship colder or faster, or agree the shortfall with the receiver',
    details: {
      shipment: s.id,
      lot: s.lot,
      commodity: commodity.id,
      destination: s.destination,
      eta,
      transitTempC: s.transitTempC,
      predictedDays: prediction.remainingDays,
      minDaysOnArrival: s.minDaysOnArrival,
      quality: prediction.quality,
    },
    at,
  };
}

/**
 * Acts on a prediction: below the minimum raises (or bumps) the shipment's alert; at or above
 * it resolves the alert if one is open. A shipment without a minimum has no alert.
 */
export async function reportArrival(store: Pick<Store, 'raiseAlert' | 'resolveAlert'>, report: ArrivalReport): Promise<'raised' | 'resolved' | 'none'> {
  if (report.shipment.minDaysOnArrival === undefined) return 'none';
  if (report.prediction.belowMinimum) {
    await store.raiseAlert(arrivalAlert(report));
    return 'raised';
  }
  return (await store.resolveAlert(arrivalDedupeKey(report.shipment.id), report.at)) ? 'resolved' : 'none';
}
