/**
 * The `chilling_exposure` alert of a chilling-sensitive lot (banana, tomato, avocado: the
 * commodities with a chilling penalty λ > 0, models/commodities.ts). Two levels of the lot's
 * chilling dose C = Σ max(0, T_chill − T)·Δt (°C·h, docs/model.md §1):
 *
 *  - exposed (warning): C > 0. The model charges chilling from the first degree-hour below
 *    T_chill (the rate λ·(T_chill − T) has no lag), and the injury it stands for shows only days
 *    later (pitting, peel browning, failure to ripen), so the first exposure is worth a look.
 *    This is also when the API flags the lot `chilling_exposure`.
 *  - injured (critical): C ≥ 24·SL_ref / λ, the dose whose chilling term alone has used the
 *    lot's whole shelf life. The λ values were set from the storage tables' "injury after
 *    ~N days at X °C" statements (tomato: ~3 d at 3 °C → 908 °C·h here), so this is the model's
 *    own point of visible injury. Produce without a penalty has no such level.
 *
 * Chilling injury is irreversible: the service never resolves this alert; a person
 * acknowledges or resolves it once the lot has been inspected. The alert's dedupe key is
 * `chilling:<lot>`, and it is raised only in the round where the dose crosses a level (the
 * previous stored dose against the new one), so later rounds and redelivered ones add nothing.
 */
import type { Commodity } from '../../models/commodities.js';
import type { AlertInput } from '../store/integrity-types.js';

export type ChillingLevel = 'none' | 'exposed' | 'injured';
const RANK: Record<ChillingLevel, number> = { none: 0, exposed: 1, injured: 2 };

/** The dose at which the chilling term alone uses the whole shelf life, °C·h; undefined without a penalty. */
export function chillingInjuryDose(c: Commodity): number | undefined {
  return c.chillPenalty > 0 ? (24 * c.slRefDays) / c.chillPenalty : undefined;
}

export function chillingLevel(c: Commodity, chillDegreeHours: number): ChillingLevel {
  if (!(chillDegreeHours > 0)) return 'none';
  const injury = chillingInjuryDose(c);
  return injury !== undefined && chillDegreeHours >= injury ? 'injured' : 'exposed';
}

/** The level the lot reached in this round when it is above the one it had; undefined otherwise. */
export function chillingCrossed(c: Commodity, previousDose: number, dose: number): Exclude<ChillingLevel, 'none'> | undefined {
  const level = chillingLevel(c, dose);
  return level !== 'none' && RANK[level] > RANK[chillingLevel(c, previousDose)] ? level : undefined;
}

export const chillingDedupeKey = (lot: string): string => `chilling:${lot}`;

export interface ChillingReport {
  lot: string;
  commodity: Commodity;
  level: Exclude<ChillingLevel, 'none'>;
  chillDegreeHours: number;
  /** Locations where the lot was below its chilling threshold in this round. */
  locations: readonly string[];
  /** Time of the readings that crossed the level, UTC ms. */
  at: number;
}

export function chillingAlert({ lot, commodity: c, level, chillDegreeHours, locations, at }: ChillingReport): AlertInput {
  const dose = chillDegreeHours.toFixed(1);
  const where = locations.length > 0 ? ` at ${locations.join(', ')}` : '';
  const injury = chillingInjuryDose(c);
  const message =
    level === 'injured'
      ? `lot ${lot} (${c.name}) has a chilling dose of ${dose} °C·h below ${c.tChillC} °C${where}, past the ${injury!.toFixed(0)} °C·h at which the model counts its whole shelf life lost to chilling: expect visible injury; inspect the lot before it is sold or shipped`
      : `lot ${lot} (${c.name}) was below its chilling threshold of ${c.tChillC} °C${where} (dose ${dose} °C·h): chilling injury is irreversible and shows days later; bring it back to ${c.tRefC} °C, inspect it and sell it first`;
  return {
    kind: 'chilling_exposure',
    severity: level === 'injured' ? 'critical' : 'warning',
    subject: lot,
    dedupeKey: chillingDedupeKey(lot),
    message,
    details: { lot, commodity: c.id, chillDegreeHours, chillingThresholdC: c.tChillC, ...(injury === undefined ? {} : { injuryDoseDegreeHours: injury }), locations: [...locations] },
    at,
  };
}
