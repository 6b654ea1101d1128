/**
 * The shelf-life model's input/output signature (docs/model.md): what the ONNX file built by
 * models/build.ts takes and returns, what the reference implementation (reference.ts) computes,
 * and what a user's own ONNX model must accept to replace it.
 *
 * One call evaluates B lots over a window of N steps each; a lot's history is carried between
 * calls in `state_in` / `state_out`, so a lot with new readings is updated in O(new readings).
 * Every tensor is float32.
 */

/** Per-lot parameter row, the `params` input [B, PARAM_COUNT]; indices into it. */
export const PARAM = {
  /** Shelf life at the reference temperature, days. */
  slRefDays: 0,
  /** Reference temperature, °C (where the relative rate is 1). */
  tRefC: 1,
  /** Q10 below the breakpoint temperature. */
  q10Low: 2,
  /** Q10 above the breakpoint temperature. */
  q10High: 3,
  /** Breakpoint between the two Q10 ranges, °C. */
  tBreakC: 4,
  /** The rate law sees max(T, tFloorC): the chilling threshold for chilling-sensitive produce, else far below any reading. */
  tFloorC: 5,
  /** Chilling threshold, °C; exposure below it accumulates chilling dose. */
  tChillC: 6,
  /** Chilling penalty: relative rate added per °C below tChillC (0 for produce that is not chilling-sensitive). */
  chillPenalty: 7,
  /** Transpiration coefficient: % of weight lost per kPa of vapour pressure deficit per hour. */
  waterCoeff: 8,
  /** Weight loss at which the produce is unsellable, %. */
  waterMaxPct: 9,
  /** Quality index when fresh. */
  q0: 10,
  /** Quality index at the end of shelf life. */
  qLimit: 11,
  /** Assumed temperature from now on, °C, for the remaining shelf life. */
  tFutureC: 12,
} as const;
export const PARAM_COUNT = Object.keys(PARAM).length;

/** Carried state, the `state_in` / `state_out` tensors [B, STATE_COUNT]; indices into it. */
export const STATE = {
  /** Fraction of shelf life used by temperature (and chilling), 0 = fresh, 1 = at its limit. */
  usedFraction: 0,
  /** Weight lost to transpiration, %. */
  waterLossPct: 1,
  /** Chilling dose: degree-hours below the chilling threshold, °C·h. */
  chillDegreeHours: 2,
} as const;
export const STATE_COUNT = Object.keys(STATE).length;

/** Input names and shapes (B lots, N steps). */
export const INPUTS = {
  /** Temperature per step, °C. [B, N] */
  temp_c: 'temp_c',
  /** Relative humidity per step, %. [B, N] */
  rh: 'rh',
  /** Step length, hours; 0 marks padding (a step that contributes nothing). [B, N] */
  dt_h: 'dt_h',
  /** Per-lot parameters (PARAM). [B, PARAM_COUNT] */
  params: 'params',
  /** State carried from earlier windows (zeros for a new lot). [B, STATE_COUNT] */
  state_in: 'state_in',
} as const;

/** Output names and shapes. */
export const OUTPUTS = {
  /** State after this window, to pass as state_in next time. [B, STATE_COUNT] */
  state_out: 'state_out',
  /** Quality index, between qLimit-ish and q0 (min of the temperature and water-loss qualities). [B] */
  quality: 'quality',
  /** Remaining shelf life at tFutureC, days (0 when used up). [B] */
  remaining_days: 'remaining_days',
} as const;

export const INPUT_NAMES = Object.values(INPUTS);
export const OUTPUT_NAMES = Object.values(OUTPUTS);
