/**
 * Commodity parameters of the shelf-life model, each number with its source. Sources are the
 * numbered references of ../shared/reference/shelf-life.md (listed at the end of this file);
 * "assumption" marks a value no source gave, with the reasoning. Q10 values come from
 * respiration-rate tables (rate at 10 °C / rate at 0 °C, and 20 °C / 10 °C), never from fitting
 * published shelf-life observations, so docs/model.md can compare predictions with those.
 *
 * Common assumptions:
 *  - Quality index: 10 when fresh, 4 at the end of shelf life (q0, qLimit), the usual layout of
 *    a 1–9/10-point sensory scale where ≤ 4 is unmarketable. Assumption.
 *  - Breakpoint of the two Q10 ranges: 10 °C, where the respiration tables change slope [11].
 *  - Produce that is not chilling-sensitive: no rate floor and no chilling threshold (their low
 *    limit is freezing, [11][12]); FLOOR_NONE keeps T* = T for every plausible reading.
 *  - Transpiration coefficients (%/(kPa·h)): the ASHRAE / Becker & Fricke tables were not
 *    retrieved (reference note), so every waterCoeff is an assumption unless derived below.
 */
import { PARAM, PARAM_COUNT } from './signature.js';

/** Far below any reading: "no floor" / "no chilling threshold". */
export const FLOOR_NONE = -50;
const Q0 = 10;
const Q_LIMIT = 4;
const T_BREAK = 10;

export interface Commodity {
  id: string;
  name: string;
  /** Best storage temperature, °C (the reference temperature of slRefDays). */
  tRefC: number;
  /** Shelf life at tRefC, days. */
  slRefDays: number;
  q10Low: number;
  q10High: number;
  /** Rate floor (chilling-sensitive: the chilling threshold). */
  tFloorC: number;
  tChillC: number;
  /** Relative rate added per °C below tChillC. */
  chillPenalty: number;
  /** %/(kPa·h). */
  waterCoeff: number;
  waterMaxPct: number;
  /** Recommended relative humidity, % (for the alert rules). */
  rhBest: number;
}

export const COMMODITIES: readonly Commodity[] = [
  {
    id: 'lettuce-iceberg',
    name: 'Lettuce, iceberg',
    tRefC: 0, // [1]
    slRefDays: 24.5, // 21–28 d at 0 °C [1], midpoint
    q10Low: 2.8, // derived from respiration at 0/10 °C [1]
    q10High: 1.8, // derived from respiration at 10/20 °C [1]
    tFloorC: FLOOR_NONE, // not chilling-sensitive; freezes below −0.2 °C [1]
    tChillC: FLOOR_NONE,
    chillPenalty: 0,
    waterCoeff: 0.13, // assumption: ~0.1 %/day at 0 °C, 95 % RH (VPD 0.03 kPa); ~3 %/day at 20 °C, 60 % RH
    waterMaxPct: 3.5, // 3–4 % weight loss = soft head [25]
    rhBest: 95, // >95 % [1]
  },
  {
    id: 'lettuce-romaine',
    name: 'Lettuce, romaine',
    tRefC: 0, // [2]
    slRefDays: 21, // ~21 d [2]
    q10Low: 2.8, // iceberg respiration data, as the reference note advises [1]
    q10High: 1.8, // idem [1]
    tFloorC: FLOOR_NONE,
    tChillC: FLOOR_NONE,
    chillPenalty: 0,
    waterCoeff: 0.13, // assumption, as iceberg
    waterMaxPct: 3.5, // iceberg value [25]
    rhBest: 95, // >95 % [2]
  },
  {
    id: 'spinach',
    name: 'Spinach',
    tRefC: 0, // [3]
    slRefDays: 12, // 10–14 d [3], midpoint
    q10Low: 5.5, // derived [3]
    q10High: 2.1, // derived [3]
    tFloorC: FLOOR_NONE, // freezes at −0.3 °C [3c]
    tChillC: FLOOR_NONE,
    chillPenalty: 0,
    waterCoeff: 0.2, // assumption: thin leaves with a large surface per mass lose water faster than lettuce heads
    waterMaxPct: 3, // assumption: low end of the 3–6 % shrivel range [43] for a leafy green
    rhBest: 96, // 95–98 % [3b]
  },
  {
    id: 'salad-fresh-cut',
    name: 'Fresh-cut salad (bagged)',
    tRefC: 0,
    slRefDays: 12.4, // [19]
    q10Low: 2.8, // assumption: lettuce respiration data [1] (the study [19] gives no Q10 we could use)
    q10High: 1.8, // idem [1]
    tFloorC: FLOOR_NONE,
    tChillC: FLOOR_NONE,
    chillPenalty: 0,
    waterCoeff: 0, // in a sealed bag the air is saturated: no transpiration loss (reference note: n/a)
    waterMaxPct: 3.5,
    rhBest: 95,
  },
  {
    id: 'broccoli',
    name: 'Broccoli',
    tRefC: 0, // [5]
    slRefDays: 24.5, // 21–28 d [5], midpoint
    q10Low: 3.9, // derived [5b]
    q10High: 3.7, // derived [5b]
    tFloorC: FLOOR_NONE, // freezes at −0.6 to −1.0 °C [5]
    tChillC: FLOOR_NONE,
    chillPenalty: 0,
    waterCoeff: 0.1, // assumption
    waterMaxPct: 4, // assumption within the 3–6 % shrivel range [43]
    rhBest: 95, // >95 % [5]
  },
  {
    id: 'strawberry',
    name: 'Strawberry',
    tRefC: 0, // 0 ± 0.5 °C [4]
    slRefDays: 6, // 5–7 d [9][10], midpoint
    q10Low: 4.7, // derived [4]
    q10High: 2.0, // derived [4]
    tFloorC: FLOOR_NONE, // not chilling-sensitive
    tChillC: FLOOR_NONE,
    chillPenalty: 0,
    // Derived with an assumption: 3.7–5.0 % lost in 6 d at 3 °C uncovered [22] → 4.35 % / (144 h ×
    // VPD); the study's RH was not given, 85 % assumed (VPD 0.114 kPa) → 0.27.
    waterCoeff: 0.27,
    waterMaxPct: 5, // assumption: upper end of what [22] saw at the end of a 6-day storage
    rhBest: 92, // 90–95 % [4]
  },
  {
    id: 'blueberry',
    name: 'Blueberry',
    tRefC: 0, // −0.5 to 0 °C [10]
    slRefDays: 14, // ~2 weeks [9][10]
    q10Low: 3.25, // not found; generic 2.5–4.0 for 0–10 °C [11], midpoint (assumption)
    q10High: 2.25, // generic 2.0–2.5 for 10–20 °C [11], midpoint (assumption)
    tFloorC: FLOOR_NONE,
    tChillC: FLOOR_NONE,
    chillPenalty: 0,
    waterCoeff: 0.05, // assumption: the waxy bloom slows transpiration
    waterMaxPct: 5, // assumption within 3–6 % [43]
    rhBest: 92, // 90–95 % [9]
  },
  {
    id: 'raspberry',
    name: 'Raspberry',
    tRefC: 0, // −0.5 to 0 °C [10]
    slRefDays: 3.5, // 2–5 d [10][15], midpoint
    q10Low: 3.8, // derived from 24 → 92 mg CO₂/kg·h at 0 → 10 °C [14]
    q10High: 2.2, // derived from 92 → 200 mg CO₂/kg·h at 10 → 20 °C [14]
    tFloorC: FLOOR_NONE,
    tChillC: FLOOR_NONE,
    chillPenalty: 0,
    waterCoeff: 0.3, // assumption: a hollow, hairy drupelet fruit loses water faster than strawberry
    waterMaxPct: 5, // assumption within 3–6 % [43]
    rhBest: 92, // 90–95 % [15]
  },
  {
    id: 'tomato-mature-green',
    name: 'Tomato, mature-green',
    tRefC: 13, // 12.5–15 °C [6]; 13 °C is also the chilling threshold [17]
    slRefDays: 14, // up to 14 d at 12.5 °C before ripening [6b]
    // Q10 is not valid near the chilling range [11]; the tomato is never modelled below its floor,
    // so only q10High acts: generic 2.0–2.5 for 10–20 °C [11], midpoint (assumption).
    q10Low: 3.25, // generic [11] (inactive: the floor is above the breakpoint)
    q10High: 2.25,
    tFloorC: 13, // flavour loss below ~13 °C within 2 d [17]
    tChillC: 13, // [17]
    // Assumption from the storage tables' chilling statements [17]: injury after ~3 d at 3 °C
    // (10 °C below the threshold) uses the 14-day life → rate 14/3 ≈ 4.7 = 1 + 10·λ → λ ≈ 0.37.
    chillPenalty: 0.37,
    waterCoeff: 0.05, // derived: permeance 3–12 nmol·cm⁻²·s⁻¹·kPa⁻¹ [29], 7.5 for a 100 g fruit of ~100 cm² → 0.049 %/(kPa·h)
    waterMaxPct: 5, // assumption within 3–6 % [43]
    rhBest: 92, // 90–95 % [6]
  },
  {
    id: 'tomato-ripe',
    name: 'Tomato, ripe',
    tRefC: 10, // 7–10 °C for 3–5 d [6b]; upper end, above the chilling range [17]
    slRefDays: 3, // 2–4 d [41], midpoint
    q10Low: 3.25, // not found; generic [11] (assumption)
    q10High: 2.25, // not found; generic [11] (assumption)
    tFloorC: 7, // blotchy colour after ~1 week at 7–8 °C [17]: treated as the chilling threshold
    tChillC: 7,
    // Assumption from [17]: 3 d at 3 °C (4 °C below 7 °C) uses the 3-day life → rate 1 =
    // ρ(7 °C) + 4·λ = 0.70 + 4·λ → λ ≈ 0.075.
    chillPenalty: 0.075,
    waterCoeff: 0.05, // derived as for mature-green [29]
    waterMaxPct: 5, // assumption within 3–6 % [43]
    rhBest: 92, // 90–95 % [6]
  },
  {
    id: 'banana-green',
    name: 'Banana, green',
    tRefC: 13.5, // 13–14 °C [7]
    slRefDays: 28, // ~4 weeks [42]
    q10Low: 3, // ≈3, derived from respiration [7]
    q10High: 3, // idem [7]; green life falls exponentially above 13 °C [18]
    tFloorC: 12, // chilling threshold 11.5–13 °C [12], midpoint
    tChillC: 12,
    chillPenalty: 0.5, // assumption: peel browning after hours to a few days below the threshold [12]
    waterCoeff: 0.03, // assumption
    waterMaxPct: 5, // assumption within 3–6 % [43]
    rhBest: 92, // 90–95 % [7]
  },
  {
    id: 'avocado',
    name: 'Avocado (mature-green)',
    tRefC: 5, // 5–13 °C for mature-green fruit [8]
    slRefDays: 21, // 2–4 weeks [9], midpoint
    // Derived from respiration 10–25 / 25–80 / 40–150 mL CO₂/kg·h at 5 / 10 / 20 °C [8] (midpoints
    // 17.5 / 52.5 / 95): ×3 over 5–10 °C → Q10 9; ×1.8 over 10–20 °C → Q10 1.8.
    q10Low: 9,
    q10High: 1.8,
    tFloorC: 5, // chilling threshold 4.5–13 °C by cultivar [12]; 5 °C for cold-tolerant cultivars such as Hass (assumption)
    tChillC: 5,
    chillPenalty: 0.3, // assumption
    waterCoeff: 0.03, // assumption
    waterMaxPct: 5, // assumption within 3–6 % [43]
    rhBest: 92, // 90–95 % [8]
  },
  {
    id: 'apple',
    name: 'Apple',
    tRefC: 0, // −1 to 4 °C [9]
    slRefDays: 165, // 3–8 months [9], midpoint (cultivar-dependent)
    q10Low: 2.5, // ≈2–3 [16], midpoint
    q10High: 2.5, // idem [16]
    tFloorC: FLOOR_NONE, // some cultivars are chilling-sensitive at 2–3 °C [12]: configure those as a separate commodity
    tChillC: FLOOR_NONE,
    chillPenalty: 0,
    waterCoeff: 0.01, // assumption: a waxy cuticle; apples keep months at 90–95 % RH
    waterMaxPct: 5, // assumption within 3–6 % [43]
    rhBest: 92, // 90–95 % [9][16]
  },
];

const byId = new Map(COMMODITIES.map((c) => [c.id, c]));

/** The commodity, or undefined for an id the table does not have. */
export function findCommodity(id: string): Commodity | undefined {
  return byId.get(id);
}

/** Why `id` is not a commodity, naming the known ones (for error messages). */
export function unknownCommodityMessage(id: string): string {
  return `unknown commodity "${id}"; known: ${COMMODITIES.map((c) => c.id).join(', ')}`;
}

export function commodity(id: string): Commodity {
  const found = byId.get(id);
  if (!found) throw new Error(unknownCommodityMessage(id));
  return found;
}

/** The model's parameter row for a commodity and an assumed future temperature (default: its best temperature). */
export function parameterRow(c: Commodity, tFutureC = c.tRefC): number[] {
  const row = new Array<number>(PARAM_COUNT).fill(0);
  row[PARAM.slRefDays] = c.slRefDays;
  row[PARAM.tRefC] = c.tRefC;
  row[PARAM.q10Low] = c.q10Low;
  row[PARAM.q10High] = c.q10High;
  row[PARAM.tBreakC] = T_BREAK;
  row[PARAM.tFloorC] = c.tFloorC;
  row[PARAM.tChillC] = c.tChillC;
  row[PARAM.chillPenalty] = c.chillPenalty;
  row[PARAM.waterCoeff] = c.waterCoeff;
  row[PARAM.waterMaxPct] = c.waterMaxPct;
  row[PARAM.q0] = Q0;
  row[PARAM.qLimit] = Q_LIMIT;
  row[PARAM.tFutureC] = tFutureC;
  return row;
}

/*
 * Sources (numbering of ../shared/reference/shelf-life.md):
 * [1] UC Davis Postharvest, Lettuce (crisphead) https://postharvest.ucdavis.edu/produce-facts-sheets/lettuce-crisphead
 * [2] UC Davis, Lettuce (romaine) fact sheet, Vegetables uid=20
 * [3] UC Davis, Spinach, Vegetables uid=32; [3b] https://www.water-foods.com/services/spinach/; [3c] Cargo Handbook, Spinach
 * [4] UC Davis, Strawberry https://postharvest.ucdavis.edu/node/7996
 * [5] UC Davis, Broccoli, Vegetables uid=6; [5b] https://www.water-foods.com/services/broccoli/
 * [6] UC Davis, Tomato, Vegetables uid=36; [6b] https://pectinguard.com/en/tomato
 * [7] UC Davis Postharvest Technology Center, Banana: Recommendations for Maintaining Postharvest Quality
 * [8] UC Davis, Avocado, Fruit uid=8
 * [9] USDA Agriculture Handbook 66 (reprint)
 * [10][11][12] USDA Agriculture Handbook 66 (2016): storage tables, Saltveit's respiration chapter (generic Q10), chilling injury
 * [14] https://ste-valentine.ca/fr/perishable (raspberry respiration 24 / 92 / 200 mg CO₂/kg·h)
 * [15] https://www.isofruit.eu (raspberries)
 * [16] Iowa State Extension, apple storage conditions
 * [17] Tomato chilling thresholds (USDA AH-66 tomato section)
 * [18] Effect of storage climate on green life of bananas
 * [19] Fresh-cut lettuce shelf-life study
 * [22] https://phtnet.org/research/view-abstract.asp?research_id=wl718 (strawberry weight loss)
 * [25] UC Davis, Water loss and quality (lettuce)
 * [29] https://phtnet.org/research/view-abstract.asp?research_id=wc224 (tomato water-vapour permeance)
 * [41] NC State, Tomatoes postharvest; [42] banana storage life (secondary); [43] shrivel threshold citing Hardenburg 1986
 */
