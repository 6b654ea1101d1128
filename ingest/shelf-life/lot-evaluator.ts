/**
 * Updates many lots in few model calls: one onnxruntime call costs ~0.08 ms however small, so
 * the lots with new steps are evaluated together, padded to a common window (padding steps
 * have Δt = 0 and change nothing). Lots are grouped by how many steps they have, so one lot
 * with a long backlog does not pad every other lot to its length, and windows longer than
 * `maxStepsPerCall` are cut into rounds that carry the state forward (the model is
 * incremental: docs/model.md §1).
 */
import type { Step } from '../../models/reference.js';
import type { ModelResult, ShelfLifeModel } from '../../models/runner.js';
import { PARAM_COUNT, STATE_COUNT } from '../../models/signature.js';

export interface LotWindow {
  lot: string;
  /** The lot's parameter row (models/commodities.ts parameterRow). */
  params: readonly number[];
  /** Carried state (STATE layout); zeros for a new lot. */
  state: readonly number[];
  steps: readonly Step[];
}

export interface LotFreshness {
  state: number[];
  quality: number;
  remainingDays: number;
}

export interface EvaluatorOptions {
  /** Longest window per call; longer ones take several rounds. Default 4096. */
  maxStepsPerCall?: number;
  /** Most lots per call. Default 16384. */
  maxLotsPerCall?: number;
}

/** The freshness of every lot after its new steps (one window per lot). */
export async function evaluateLots(model: Pick<ShelfLifeModel, 'evaluate'>, windows: readonly LotWindow[], options: EvaluatorOptions = {}): Promise<Map<string, LotFreshness>> {
  const results = await evaluateWindows(model, windows, options);
  return new Map(windows.map((w, i) => [w.lot, results[i]!]));
}

/**
 * The freshness after each window, in the windows' order. A lot may have several windows (one
 * per custody chain of a split lot: custody-chains.ts); they are evaluated in the same calls.
 */
export async function evaluateWindows(model: Pick<ShelfLifeModel, 'evaluate'>, windows: readonly LotWindow[], options: EvaluatorOptions = {}): Promise<LotFreshness[]> {
  const maxSteps = positiveInteger(options.maxStepsPerCall ?? 4096, 'maxStepsPerCall');
  const maxLots = positiveInteger(options.maxLotsPerCall ?? 16384, 'maxLotsPerCall');
  const results: LotFreshness[] = new Array<LotFreshness>(windows.length);
  const pending = windows.map((w, index) => ({ window: w, index, state: [...w.state], offset: 0 }));
  // Each round takes the next ≤ maxSteps steps of every lot that has some left (a lot without
  // new steps is still evaluated once, for its quality at the current parameters).
  for (let round = 0; pending.length > 0; round++) {
    const active = round === 0 ? pending : pending.filter((p) => p.offset < p.window.steps.length);
    if (active.length === 0) break;
    active.sort((a, b) => remaining(a) - remaining(b));
    for (const group of groupsOf(active, maxLots)) {
      const steps = Math.min(maxSteps, remaining(group[group.length - 1]!)); // sorted: the last is the longest
      const result = await model.evaluate(packed(group, steps));
      group.forEach((p, i) => {
        p.state = Array.from(result.state.subarray(i * STATE_COUNT, (i + 1) * STATE_COUNT));
        p.offset += Math.min(steps, remaining(p));
        results[p.index] = freshnessAt(result, i, p.state);
      });
    }
  }
  return results;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

interface Pending {
  window: LotWindow;
  /** Position in the caller's windows. */
  index: number;
  state: number[];
  offset: number;
}

const remaining = (p: Pending): number => p.window.steps.length - p.offset;

/**
 * Consecutive lots (sorted by remaining steps) in groups of at most maxLots, starting a new
 * group where padding to the group's longest window would more than double the work.
 */
function groupsOf(sorted: readonly Pending[], maxLots: number): Pending[][] {
  const groups: Pending[][] = [];
  let current: Pending[] = [];
  let cells = 0;
  for (const p of sorted) {
    const longest = remaining(p); // sorted ascending: the newest is the longest so far
    if (current.length > 0 && (current.length >= maxLots || (current.length + 1) * longest > 2 * (cells + longest) + 64)) {
      groups.push(current);
      current = [];
      cells = 0;
    }
    current.push(p);
    cells += longest;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

function packed(group: readonly Pending[], steps: number) {
  const lots = group.length;
  const tempC = new Float32Array(lots * steps);
  const rh = new Float32Array(lots * steps);
  const dtH = new Float32Array(lots * steps);
  const params = new Float32Array(lots * PARAM_COUNT);
  const state = new Float32Array(lots * STATE_COUNT);
  for (let i = 0; i < lots; i++) {
    const p = group[i]!;
    params.set(p.window.params, i * PARAM_COUNT);
    state.set(p.state, i * STATE_COUNT);
    // Plain loops: this runs for every step of every lot of a round (no slice per lot).
    const window = p.window.steps;
    const count = Math.min(steps, window.length - p.offset);
    for (let k = 0; k < count; k++) {
      const s = window[p.offset + k]!;
      tempC[i * steps + k] = s.tempC;
      rh[i * steps + k] = s.rh;
      dtH[i * steps + k] = s.dtH;
    }
  }
  return { tempC, rh, dtH, params, state, lots, steps };
}

function freshnessAt(result: ModelResult, i: number, state: number[]): LotFreshness {
  return { state, quality: result.quality[i]!, remainingDays: result.remainingDays[i]! };
}
