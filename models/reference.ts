/**
 * The reference implementation of the shelf-life model (docs/model.md), in plain TypeScript:
 * the ONNX graph built by models/build.ts must give the same outputs (parity tests), and the
 * runner uses it to explain a prediction step by step. Formulation after
 * ../shared/reference/shelf-life.md ("A formulation that maps to an ONNX graph without loops"):
 *
 *  - relative rate ρ(T) = exp(g(T*) − g(T_ref)), T* = max(T, T_floor), where
 *    g(x) = (ln Q10_low / 10)·min(x, T_break) + (ln Q10_high / 10)·relu(x − T_break): two Q10
 *    ranges joined at the breakpoint, ρ(T_ref) = 1. (The reference note writes the first term
 *    as min(T*, T_b) − T_ref, which equals this when T_ref ≤ T_b; this form also holds for
 *    produce stored above the breakpoint, such as bananas at 13.5 °C.)
 *  - chilling: rate λ·relu(T_chill − T) added to ρ; dose C = Σ relu(T_chill − T)·Δt (°C·h).
 *  - fraction of shelf life used A = Σ (Δt/24)·(ρ + λ·relu(T_chill − T)) / SL_ref.
 *  - water loss W = Σ k_w·VPD·Δt (%), VPD = es(T)·(1 − RH/100),
 *    es(T) = 0.6108·exp(17.27·T/(T + 237.3)) kPa (Tetens/FAO-56 form, reference note [38]).
 *  - quality Q = min(Q0·exp(−ln(Q0/Q_lim)·A), Q0 − (Q0 − Q_lim)·W/W_max), clipped to [0, Q0]:
 *    both reach Q_lim at the limit. (The note's Q0·(1 − W/W_max) would reach 0 there instead.)
 *  - remaining shelf life at T_future: max(0, 1 − max(A, W/W_max))·SL_ref / ρ(T_future) days.
 */
import { PARAM, STATE, STATE_COUNT } from './signature.js';

export interface Step {
  tempC: number;
  /** Relative humidity, %; clipped to [0, 100]. */
  rh: number;
  /** Step length, hours (0: padding). */
  dtH: number;
}

export interface Prediction {
  /** State after the steps (STATE layout). */
  state: number[];
  quality: number;
  remainingDays: number;
}

/** ln ρ(T): the log of the rate relative to the reference temperature. */
export function lnRelativeRate(tempC: number, params: readonly number[]): number {
  const g = (x: number): number =>
    (Math.log(params[PARAM.q10Low]!) / 10) * Math.min(x, params[PARAM.tBreakC]!) + (Math.log(params[PARAM.q10High]!) / 10) * Math.max(0, x - params[PARAM.tBreakC]!);
  return g(Math.max(tempC, params[PARAM.tFloorC]!)) - g(params[PARAM.tRefC]!);
}

/** Saturation vapour pressure over water, kPa. */
export function saturationVapourPressureKpa(tempC: number): number {
  return 0.6108 * Math.exp((17.27 * tempC) / (tempC + 237.3));
}

/** Vapour pressure deficit, kPa. */
export function vapourPressureDeficitKpa(tempC: number, rh: number): number {
  return saturationVapourPressureKpa(tempC) * (1 - Math.min(100, Math.max(0, rh)) / 100);
}

/** The state after `steps`, starting from `state` (zeros for a new lot). */
export function advance(state: readonly number[], steps: readonly Step[], params: readonly number[]): number[] {
  const next = [...state];
  const slRef = params[PARAM.slRefDays]!;
  const tChill = params[PARAM.tChillC]!;
  for (const { tempC, rh, dtH } of steps) {
    const chill = Math.max(0, tChill - tempC);
    const rate = Math.exp(lnRelativeRate(tempC, params)) + params[PARAM.chillPenalty]! * chill;
    next[STATE.usedFraction]! += ((dtH / 24) * rate) / slRef;
    next[STATE.waterLossPct]! += params[PARAM.waterCoeff]! * vapourPressureDeficitKpa(tempC, rh) * dtH;
    next[STATE.chillDegreeHours]! += chill * dtH;
  }
  return next;
}

/** Quality and remaining shelf life of a lot in `state`. */
export function assess(state: readonly number[], params: readonly number[]): { quality: number; remainingDays: number } {
  const q0 = params[PARAM.q0]!;
  const qLimit = params[PARAM.qLimit]!;
  const used = state[STATE.usedFraction]!;
  const water = state[STATE.waterLossPct]! / params[PARAM.waterMaxPct]!;
  const byTemperature = q0 * Math.exp(-Math.log(q0 / qLimit) * used);
  const byWater = q0 - (q0 - qLimit) * water;
  const quality = Math.min(q0, Math.max(0, Math.min(byTemperature, byWater)));
  const left = Math.max(0, 1 - Math.max(used, water));
  const remainingDays = (left * params[PARAM.slRefDays]!) / Math.exp(lnRelativeRate(params[PARAM.tFutureC]!, params));
  return { quality, remainingDays };
}

/** advance + assess: what one model call returns for one lot. */
export function predict(state: readonly number[] | undefined, steps: readonly Step[], params: readonly number[]): Prediction {
  const next = advance(state ?? new Array<number>(STATE_COUNT).fill(0), steps, params);
  return { state: next, ...assess(next, params) };
}
