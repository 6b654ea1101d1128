/**
 * Storage climates as pure functions of (seed, scenario time) → air temperature and RH at the
 * sensor. The same seed and time always give the same values, in any call order, so a test can
 * recompute what a device should have sent. Times are scenario milliseconds since its start.
 *
 * The shapes are first-order (exponential) approaches to a target, the usual lumped model of
 * room air; time constants are stated assumptions, set points come from USDA Agriculture
 * Handbook 66 as summarized in reference/shelf-life.md.
 */
import { normalAt, uniformAt } from './random.js';

export interface Climate {
  /** Air temperature at the sensor, °C (not yet quantized to what the device reports). */
  tempC: number;
  /** Relative humidity, % (0–100). */
  rh: number;
}

interface CommonParams {
  /** Shifts the scenario: its value at scenario time t is the model's at t + offsetMinutes. */
  offsetMinutes?: number;
  /** Sensor noise, standard deviation in °C. */
  tempNoiseC?: number;
  /** Sensor noise, standard deviation in % RH. */
  rhNoise?: number;
}

export interface ColdRoomParams extends CommonParams {
  setPointC?: number;
  hysteresisC?: number;
  rhPercent?: number;
  defrostEveryMin?: number;
  defrostMin?: number;
  firstDefrostMin?: number;
  defrostTargetC?: number;
}

export interface ReeferTruckParams extends CommonParams {
  setPointC?: number;
  rhPercent?: number;
  stopEveryMin?: number;
  doorOpenMinMin?: number;
  doorOpenMaxMin?: number;
  ambientC?: number;
  ambientRh?: number;
}

export interface CompressorFailureParams extends ColdRoomParams {
  failAtMin?: number;
  ambientC?: number;
}

export type ScenarioSpec =
  | ({ kind: 'cold-room' } & ColdRoomParams)
  | ({ kind: 'reefer-truck' } & ReeferTruckParams)
  | ({ kind: 'compressor-failure' } & CompressorFailureParams)
  | { kind: 'constant'; tempC: number; rh: number };

export type ScenarioKind = ScenarioSpec['kind'];

/** Defaults, shared with the config schema's documentation (firmware-sim/config.ts). */
export const SCENARIO_DEFAULTS = {
  // USDA HB66 / reference/shelf-life.md: leafy greens and berries are kept at 0 °C, 90–95 % RH
  // (lettuce > 95 %); a room controlled at 1 °C with a 2 °C band stays within 0–2 °C.
  coldRoom: { setPointC: 1, hysteresisC: 2, rhPercent: 92.5, defrostEveryMin: 360, defrostMin: 25, defrostTargetC: 7 },
  // Reefer set point 2 °C: a mixed produce load (berries 0 °C, leafy greens 0 °C) run slightly
  // above freezing so air near the evaporator does not freeze lettuce (−0.2 °C, shelf-life.md).
  reeferTruck: { setPointC: 2, rhPercent: 88, stopEveryMin: 60, doorOpenMinMin: 3, doorOpenMaxMin: 10, ambientC: 18, ambientRh: 65 },
  compressorFailure: { failAtMin: 60, ambientC: 20 },
  // Sensirion SHT20 datasheet: repeatability 0.1 °C / 0.1 %RH (3σ-ish); noise of this order.
  noise: { tempNoiseC: 0.05, rhNoise: 0.3 },
} as const;

// Time constants below are modelling assumptions (no datasheet gives them for a room): an
// evaporator pulls room air down with ~12 min constant, heat leaks back with ~50 min, the
// defrost heaters warm the air with ~15 min, an open truck door exchanges the compartment air
// with ~6 min, a reefer pulls it back with ~15 min, a loaded room without cooling warms with
// ~8 h (product thermal mass).
const COOL_TAU_MIN = 12;
const WARM_TAU_MIN = 50;
const EVAPORATOR_C = -4; // air off a running evaporator coil (what cooling approaches)
const HEAT_LOAD_C = 12; // what the room approaches with the compressor off (insulation leak)
const DEFROST_TAU_MIN = 15;
const DOOR_TAU_MIN = 6;
const REEFER_RECOVERY_TAU_MIN = 15;
const FAILURE_TAU_MIN = 480;
const DEFROST_RH = 96; // melting frost re-evaporates into the room during defrost

const MIN = 60_000;

/** Value of a scenario at scenario time `tMs` (ms since the scenario started). */
export function scenarioAt(spec: ScenarioSpec, seed: number, tMs: number): Climate {
  if (spec.kind === 'constant') return { tempC: spec.tempC, rh: spec.rh };
  const t = tMs + (spec.offsetMinutes ?? 0) * MIN;
  let climate: Climate;
  switch (spec.kind) {
    case 'cold-room':
      climate = coldRoom(spec, seed, t);
      break;
    case 'reefer-truck':
      climate = reeferTruck(spec, seed, t);
      break;
    case 'compressor-failure':
      climate = compressorFailure(spec, seed, t);
      break;
  }
  return addNoise(climate, spec, seed, t);
}

/** Maps wall-clock time to scenario time: `timeScale` scenario minutes per real second. */
export function scenarioTimeMs(realElapsedMs: number, timeScale: number): number {
  return realElapsedMs * timeScale * 60;
}

/** Sensor noise: one draw per second of scenario time, so repeated reads in that second agree. */
function addNoise(c: Climate, p: CommonParams, seed: number, tMs: number): Climate {
  const second = Math.floor(tMs / 1000);
  const tempSd = p.tempNoiseC ?? SCENARIO_DEFAULTS.noise.tempNoiseC;
  const rhSd = p.rhNoise ?? SCENARIO_DEFAULTS.noise.rhNoise;
  return {
    tempC: c.tempC + tempSd * normalAt(seed, 101, second),
    rh: clamp(c.rh + rhSd * normalAt(seed, 102, second), 0, 100),
  };
}

/** Exponential approach from `from` toward `target` after `dtMin` with constant `tauMin`. */
function approach(from: number, target: number, dtMin: number, tauMin: number): number {
  return target + (from - target) * Math.exp(-dtMin / tauMin);
}

/**
 * Compressor hysteresis cycles within [low, high] and a defrost every `defrostEveryMin`.
 * One defrost period is laid out as: cycling (starts at `low`, warming), defrost (heaters on,
 * from `low`), recovery (compressor pulls down to `low`). The cycle time constants are
 * stretched by a few percent so a whole number of cycles fills the cycling part: the curve is
 * then continuous at every phase boundary.
 */
export function coldRoomTemperature(p: ColdRoomParams, seed: number, tMs: number): { tempC: number; phase: 'cycling' | 'defrost' | 'recovery' } {
  const d = SCENARIO_DEFAULTS.coldRoom;
  const setPoint = p.setPointC ?? d.setPointC;
  const half = (p.hysteresisC ?? d.hysteresisC) / 2;
  const low = setPoint - half;
  const high = setPoint + half;
  // Each room cycles a little differently (±15 %), fixed by its seed.
  const vary = 0.85 + 0.3 * uniformAt(seed, 1);
  const coolTau = COOL_TAU_MIN * vary;
  const warmTau = WARM_TAU_MIN * vary;
  const warmMin = warmTau * Math.log((HEAT_LOAD_C - low) / (HEAT_LOAD_C - high));
  const coolMin = coolTau * Math.log((high - EVAPORATOR_C) / (low - EVAPORATOR_C));
  const cycleMin = warmMin + coolMin;
  const tMin = tMs / MIN;

  const period = p.defrostEveryMin ?? d.defrostEveryMin;
  if (period <= 0) return { tempC: cycleAt(tMin, 1), phase: 'cycling' };

  const defrostMin = p.defrostMin ?? d.defrostMin;
  const target = p.defrostTargetC ?? d.defrostTargetC;
  const peak = approach(low, target, defrostMin, DEFROST_TAU_MIN);
  const recoveryMin = coolTau * Math.log((peak - EVAPORATOR_C) / (low - EVAPORATOR_C));
  const cyclingMin = period - defrostMin - recoveryMin;
  if (cyclingMin <= 0) throw new RangeError(`defrostEveryMin ${period} is shorter than a defrost (${defrostMin} min) and its recovery (${recoveryMin.toFixed(1)} min)`);
  const cycles = Math.max(1, Math.round(cyclingMin / cycleMin));
  const stretch = cyclingMin / (cycles * cycleMin);

  const firstDefrost = p.firstDefrostMin ?? uniformAt(seed, 2) * period;
  const u = mod(tMin - firstDefrost + cyclingMin, period);
  if (u < cyclingMin) return { tempC: cycleAt(u, stretch), phase: 'cycling' };
  if (u < cyclingMin + defrostMin) return { tempC: approach(low, target, u - cyclingMin, DEFROST_TAU_MIN), phase: 'defrost' };
  return { tempC: approach(peak, EVAPORATOR_C, u - cyclingMin - defrostMin, coolTau), phase: 'recovery' };

  function cycleAt(minutes: number, s: number): number {
    const w = mod(minutes, cycleMin * s);
    if (w < warmMin * s) return approach(low, HEAT_LOAD_C, w, warmTau * s);
    return approach(high, EVAPORATOR_C, w - warmMin * s, coolTau * s);
  }
}

function coldRoom(p: ColdRoomParams, seed: number, tMs: number): Climate {
  const d = SCENARIO_DEFAULTS.coldRoom;
  const setPoint = p.setPointC ?? d.setPointC;
  const half = (p.hysteresisC ?? d.hysteresisC) / 2;
  const base = p.rhPercent ?? d.rhPercent;
  const { tempC, phase } = coldRoomTemperature(p, seed, tMs);
  // A running coil condenses water: RH dips as the air is pulled down, recovers as it warms.
  let rh = base + 0.75 * ((clamp(tempC, setPoint - half, setPoint + half) - setPoint) / half);
  if (phase !== 'cycling') {
    const peak = approach(setPoint - half, p.defrostTargetC ?? d.defrostTargetC, p.defrostMin ?? d.defrostMin, DEFROST_TAU_MIN);
    const frac = clamp((tempC - (setPoint + half)) / (peak - (setPoint + half)), 0, 1);
    rh += (DEFROST_RH - (base + 0.75)) * frac;
  }
  return { tempC, rh: clamp(rh, 0, 100) };
}

/**
 * Delivery stops, one per `stopEveryMin` slot after the first (the truck leaves the depot
 * closed). The door opens at a seeded moment in the slot for a seeded 3–10 min; air moves toward
 * ambient while it is open and back to the set point after. Only the last few stops matter
 * (e^(−slot/τ) of older ones is negligible), so evaluation is O(1).
 */
export function reeferDoorOpen(p: ReeferTruckParams, seed: number, tMs: number): { open: boolean; fraction: number } {
  const d = SCENARIO_DEFAULTS.reeferTruck;
  const slot = p.stopEveryMin ?? d.stopEveryMin;
  const minOpen = p.doorOpenMinMin ?? d.doorOpenMinMin;
  const maxOpen = Math.max(minOpen, p.doorOpenMaxMin ?? d.doorOpenMaxMin);
  const tMin = tMs / MIN;
  const current = Math.floor(tMin / slot);
  let fraction = 0; // how far the air has moved from set point toward ambient (0–1)
  let clock = Math.max(1, current - 3) * slot;
  let open = false;
  for (let k = Math.max(1, current - 3); k <= current; k++) {
    const start = k * slot + slot * (0.2 + 0.4 * uniformAt(seed, 3, k));
    const end = start + minOpen + (maxOpen - minOpen) * uniformAt(seed, 4, k);
    if (tMin < start) {
      fraction = approach(fraction, 0, tMin - clock, REEFER_RECOVERY_TAU_MIN);
      clock = tMin;
      break;
    }
    fraction = approach(fraction, 0, start - clock, REEFER_RECOVERY_TAU_MIN);
    if (tMin < end) {
      fraction = approach(fraction, 1, tMin - start, DOOR_TAU_MIN);
      clock = tMin;
      open = true;
      break;
    }
    fraction = approach(fraction, 1, end - start, DOOR_TAU_MIN);
    clock = end;
  }
  if (clock < tMin) fraction = approach(fraction, 0, tMin - clock, REEFER_RECOVERY_TAU_MIN);
  return { open, fraction };
}

function reeferTruck(p: ReeferTruckParams, seed: number, tMs: number): Climate {
  const d = SCENARIO_DEFAULTS.reeferTruck;
  const setPoint = p.setPointC ?? d.setPointC;
  const { fraction } = reeferDoorOpen(p, seed, tMs);
  // A reefer in continuous mode modulates around its set point: ±0.3 °C, ~10 min period.
  const ripple = 0.3 * Math.sin((2 * Math.PI * tMs) / (10 * MIN) + 2 * Math.PI * uniformAt(seed, 5));
  const ambientC = p.ambientC ?? d.ambientC;
  const baseRh = p.rhPercent ?? d.rhPercent;
  return {
    tempC: setPoint + ripple * (1 - fraction) + (ambientC - setPoint) * fraction,
    rh: baseRh + ((p.ambientRh ?? d.ambientRh) - baseRh) * fraction,
  };
}

/** A cold room until `failAtMin`, then no cooling: a slow rise toward ambient. */
function compressorFailure(p: CompressorFailureParams, seed: number, tMs: number): Climate {
  const failAt = (p.failAtMin ?? SCENARIO_DEFAULTS.compressorFailure.failAtMin) * MIN;
  if (tMs < failAt) return coldRoom(p, seed, tMs);
  const atFailure = coldRoom(p, seed, failAt);
  const sinceMin = (tMs - failAt) / MIN;
  return {
    tempC: approach(atFailure.tempC, p.ambientC ?? SCENARIO_DEFAULTS.compressorFailure.ambientC, sinceMin, FAILURE_TAU_MIN),
    // Without a running coil nothing removes the produce's transpired water: RH climbs.
    rh: approach(atFailure.rh, 97, sinceMin, 60),
  };
}

function mod(x: number, m: number): number {
  return ((x % m) + m) % m;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
