/**
 * Published shelf-life observations at constant temperatures, against which docs/model.md §4
 * compares the model. None of them was used to choose a parameter: the Q10 values come from
 * respiration tables (models/commodities.ts). Where a source gives a ratio to the life at the
 * best temperature rather than days, the observation is that ratio applied to the model's
 * slRefDays, so the comparison tests the temperature dependence only.
 */
import { commodity, parameterRow } from './commodities.js';
import { lnRelativeRate } from './reference.js';

export interface Observation {
  commodity: string;
  tempC: number;
  /** Observed shelf life, days (an upper bound when `atMost`). */
  observedDays: number;
  atMost?: boolean;
  /** What the source says, briefly, and where. */
  source: string;
}

const UCD_BROCCOLI = 'UC Davis Postharvest fact sheet, Broccoli (Cantwell & Suslow): 21–28 d at 0 °C, 14 d at 5 °C, ~5 d at 10 °C — postharvest.ucdavis.edu, Vegetables uid=6';
const UCD_ICEBERG = 'UC Davis Postharvest fact sheet, Lettuce (crisphead): 21–28 d at 0 °C, 14 d at 5 °C without ethylene — postharvest.ucdavis.edu/produce-facts-sheets/lettuce-crisphead';
const UCD_ROMAINE = 'UC Davis Postharvest fact sheet, Lettuce (romaine): ~21 d at 0 °C, ~14 d at 5 °C — Vegetables uid=20';
const CHO_2009 = 'Cho, Kim & Kim 2009, Acta Hort. 837:161–166 (fresh-cut lettuce): marketable 6 d at 5 °C, lost in < 2 d at 10 °C, < 1 d at 20 °C — ishs.org/ishs-article/837_19';
const OMAFRA_BERRIES = 'OMAFRA, Postharvest Handling and Storage of Berries: at 10 °C about one third of the storage life at 0 °C';
const UCD_STRAWBERRY = 'UC Davis, Ask the Produce Docs: strawberries decay ~10× faster at 20 °C than at 0 °C — postharvest.ucdavis.edu/Ask_the_Produce_Docs/?uid=84';
const USDA_APPLES = 'USDA, Canning, Freezing, Storing Garden Produce (apples): ripening at 30 °F takes ~25 % longer than at 32 °F; rate ×2 at 40 °F, ×3 again at 60 °F, ×2 again at 85 °F';

/** slRefDays of a commodity divided by a published rate ratio relative to its best temperature. */
const relative = (id: string, ratio: number): number => commodity(id).slRefDays / ratio;

export const OBSERVATIONS: readonly Observation[] = [
  { commodity: 'broccoli', tempC: 5, observedDays: 14, source: UCD_BROCCOLI },
  { commodity: 'broccoli', tempC: 10, observedDays: 5, source: UCD_BROCCOLI },
  { commodity: 'lettuce-iceberg', tempC: 5, observedDays: 14, source: UCD_ICEBERG },
  { commodity: 'lettuce-romaine', tempC: 5, observedDays: 14, source: UCD_ROMAINE },
  { commodity: 'salad-fresh-cut', tempC: 5, observedDays: 6, source: CHO_2009 },
  { commodity: 'salad-fresh-cut', tempC: 10, observedDays: 2, atMost: true, source: CHO_2009 },
  { commodity: 'salad-fresh-cut', tempC: 20, observedDays: 1, atMost: true, source: CHO_2009 },
  { commodity: 'strawberry', tempC: 10, observedDays: relative('strawberry', 3), source: OMAFRA_BERRIES },
  { commodity: 'strawberry', tempC: 20, observedDays: relative('strawberry', 10), source: UCD_STRAWBERRY },
  // 30 / 40 / 60 / 85 °F = −1.1 / 4.4 / 15.6 / 29.4 °C; rates 0.8 / 2 / 6 / 12 relative to 0 °C.
  { commodity: 'apple', tempC: -1.1, observedDays: relative('apple', 0.8), source: USDA_APPLES },
  { commodity: 'apple', tempC: 4.4, observedDays: relative('apple', 2), source: USDA_APPLES },
  { commodity: 'apple', tempC: 15.6, observedDays: relative('apple', 6), source: USDA_APPLES },
  { commodity: 'apple', tempC: 29.4, observedDays: relative('apple', 12), source: USDA_APPLES },
];

/** The model's shelf life at a constant temperature, days (reference implementation). */
export function predictedDays(id: string, tempC: number): number {
  const c = commodity(id);
  return c.slRefDays / Math.exp(lnRelativeRate(tempC, parameterRow(c)));
}

/** (predicted − observed) / observed; for an upper bound, the smallest error consistent with it. */
export function relativeError(o: Observation): number {
  return (predictedDays(o.commodity, o.tempC) - o.observedDays) / o.observedDays;
}
