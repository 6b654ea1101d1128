import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildShelfLifeModel } from './build.js';
import { DataType, encodeModel, type NodeProto, type ValueInfoProto } from './onnx-proto.js';
import { COMMODITIES, parameterRow } from './commodities.js';
import { predict, type Step } from './reference.js';
import { defaultModelPath, LazyModel, packageRoot, ShelfLifeModel, type ModelResult } from './runner.js';
import { PARAM, PARAM_COUNT, STATE_COUNT } from './signature.js';
import { createRng } from '../firmware-sim/random.js';

/** A seeded uniform source (mulberry32, shared with the simulator), so failures reproduce. */
const prng = (seed: number): (() => number) => createRng(seed).uniform;

interface Lot {
  params: number[];
  state: number[];
  steps: Step[];
}

/**
 * Random lots; every value is rounded to float32 first, so the reference (float64) and the model
 * see the same inputs and the comparison measures only the model's arithmetic.
 */
function randomLots(seed: number, count: number, maxSteps: number): Lot[] {
  const rand = prng(seed);
  const f = Math.fround;
  const between = (lo: number, hi: number): number => f(lo + (hi - lo) * rand());
  const lots: Lot[] = [];
  for (let i = 0; i < count; i++) {
    const params = new Array<number>(PARAM_COUNT).fill(0);
    params[PARAM.slRefDays] = between(2, 200);
    params[PARAM.tRefC] = between(-1, 14);
    params[PARAM.q10Low] = between(1.5, 9);
    params[PARAM.q10High] = between(1.5, 9);
    params[PARAM.tBreakC] = 10;
    params[PARAM.tFloorC] = rand() < 0.5 ? -50 : between(5, 13);
    params[PARAM.tChillC] = rand() < 0.5 ? -50 : between(5, 13);
    params[PARAM.chillPenalty] = rand() < 0.5 ? 0 : between(0, 0.5);
    params[PARAM.waterCoeff] = between(0, 0.3);
    params[PARAM.waterMaxPct] = between(3, 6);
    params[PARAM.q0] = 10;
    params[PARAM.qLimit] = 4;
    params[PARAM.tFutureC] = between(-1, 20);
    const state = [between(0, 0.5), between(0, 2), between(0, 50)];
    const n = 1 + Math.floor(rand() * maxSteps);
    const steps: Step[] = [];
    for (let s = 0; s < n; s++) steps.push({ tempC: between(-2, 35), rh: between(40, 100), dtH: between(0.05, 2) });
    lots.push({ params, state, steps });
  }
  return lots;
}

/**
 * Padding temperatures: 0, ordinary values, and finite values that would overflow exp() or hit
 * the Tetens pole at −237.3 °C if the model used them; none may change the result.
 */
const PADDING_TEMPS = [0, 21.5, -237.3, 1e30, -3e38, 3e38];

function toBatch(lots: readonly Lot[], stateOf: (lot: Lot, i: number) => readonly number[]) {
  const steps = Math.max(...lots.map((l) => l.steps.length));
  const b = {
    tempC: new Float32Array(lots.length * steps),
    rh: new Float32Array(lots.length * steps),
    dtH: new Float32Array(lots.length * steps),
    params: new Float32Array(lots.length * PARAM_COUNT),
    state: new Float32Array(lots.length * STATE_COUNT),
    lots: lots.length,
    steps,
  };
  lots.forEach((lot, i) => {
    b.params.set(lot.params, i * PARAM_COUNT);
    b.state.set(stateOf(lot, i), i * STATE_COUNT);
    for (let s = 0; s < steps; s++) {
      const step = lot.steps[s];
      const k = i * steps + s;
      b.tempC[k] = step ? step.tempC : PADDING_TEMPS[(i + s) % PADDING_TEMPS.length]!;
      b.rh[k] = step ? step.rh : 55;
      b.dtH[k] = step ? step.dtH : 0;
    }
  });
  return b;
}

const stateRow = (r: ModelResult, i: number): number[] => Array.from(r.state.subarray(i * STATE_COUNT, (i + 1) * STATE_COUNT));

let model: ShelfLifeModel;
beforeAll(async () => {
  model = await ShelfLifeModel.load();
});
afterAll(async () => {
  await model?.close();
});

describe('shelf-life ONNX model', () => {
  /** Runs `lots` through the model and reference.ts; the largest differences per output. */
  async function differences(lots: readonly Lot[]) {
    const out = await model.evaluate(toBatch(lots, (l) => l.state));
    // All outputs finite: padding (including the extreme temperatures) contributed no NaN/∞.
    for (const a of [out.state, out.quality, out.remainingDays]) expect(a.every(Number.isFinite)).toBe(true);
    const max = { state: [0, 0, 0], stateRel: [0, 0, 0], quality: 0, remainingDays: 0, remainingRel: 0, remainingVsFresh: 0 };
    lots.forEach((lot, i) => {
      const ref = predict(lot.state, lot.steps, lot.params);
      const state = stateRow(out, i);
      for (let k = 0; k < STATE_COUNT; k++) {
        const d = Math.abs(state[k]! - ref.state[k]!);
        max.state[k] = Math.max(max.state[k]!, d);
        max.stateRel[k] = Math.max(max.stateRel[k]!, d / Math.max(1, Math.abs(ref.state[k]!)));
      }
      max.quality = Math.max(max.quality, Math.abs(out.quality[i]! - ref.quality));
      const dr = Math.abs(out.remainingDays[i]! - ref.remainingDays);
      max.remainingDays = Math.max(max.remainingDays, dr);
      max.remainingRel = Math.max(max.remainingRel, dr / Math.max(1, ref.remainingDays));
      // Relative to a fresh lot's remaining days, SL_ref / ρ(T_future): the scale of the float32 error.
      max.remainingVsFresh = Math.max(max.remainingVsFresh, dr / predict(undefined, [], lot.params).remainingDays);
    });
    return max;
  }

  /**
   * Bounds. Quality (0..10) is held to 1e-4 absolute. float32 keeps ~7 significant digits, so an
   * absolute 1e-4 cannot hold for values in the hundreds or thousands: the used fraction reaches
   * ~500 with steep Q10s at 35 °C, water loss ~60 %, the chilling dose ~1000 °C·h, and over other
   * seeds |Δ| reached 1.5e-4 (used fraction) and 1.0e-4 (dose). State is therefore held to
   * 1e-4 × max(1, |reference|), i.e. absolute 1e-4 up to 1. Remaining days use the same form: the
   * model's state is float32, so 1 − max(A, W/W_max) loses ~1e-7 absolute near the limit, times
   * SL_ref / ρ(T_future) (hundreds to thousands of days), which is up to ~3e-5 of a small result.
   */
  function expectWithinBounds(max: Awaited<ReturnType<typeof differences>>): void {
    expect(max.quality).toBeLessThanOrEqual(1e-4);
    for (let k = 0; k < STATE_COUNT; k++) expect(max.stateRel[k]).toBeLessThanOrEqual(1e-4);
    expect(max.remainingRel).toBeLessThanOrEqual(1e-4);
    expect(max.remainingVsFresh).toBeLessThanOrEqual(1e-5);
  }

  it('matches reference.ts predict() on random histories', async () => {
    const max = await differences(randomLots(20261124, 200, 300));
    console.log('random lots, max |onnx − reference|:', JSON.stringify(max));
    expectWithinBounds(max);
  });

  it('matches reference.ts predict() for every commodity in the table', async () => {
    const rand = prng(99);
    const lots = COMMODITIES.flatMap((c) =>
      randomLots(c.id.length * 1000 + COMMODITIES.indexOf(c), 5, 300).map((l) => ({
        ...l,
        params: parameterRow(c, Math.fround(-1 + 21 * rand())).map(Math.fround),
      })),
    );
    const max = await differences(lots);
    console.log('commodities, max |onnx − reference|:', JSON.stringify(max));
    expectWithinBounds(max);
  });

  it('carries state: two windows equal one window over the concatenated history', async () => {
    const lots = randomLots(7, 60, 200);
    const rand = prng(8);
    const splits = lots.map((l) => Math.floor(rand() * (l.steps.length + 1)));
    const first = lots.map((l, i) => ({ ...l, steps: l.steps.slice(0, splits[i]) }));
    const second = lots.map((l, i) => ({ ...l, steps: l.steps.slice(splits[i]) }));

    const whole = await model.evaluate(toBatch(lots, (l) => l.state));
    // A window may have no steps for a lot (split at 0 or at the end): all padding.
    const a = await model.evaluate(toBatch(first, (l) => l.state));
    const b = await model.evaluate(toBatch(second, (_, i) => stateRow(a, i)));

    const close = (x: Float32Array, y: Float32Array): void => {
      expect(x.length).toBe(y.length);
      x.forEach((v, i) => expect(Math.abs(v - y[i]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(y[i]!))));
    };
    close(b.state, whole.state);
    close(b.quality, whole.quality);
    close(b.remainingDays, whole.remainingDays);
  });

  it('assesses without new readings (N = 0) and checks batch sizes', async () => {
    const lots = randomLots(3, 4, 1).map((l) => ({ ...l, steps: [] }));
    const out = await model.evaluate({ ...toBatch(lots, (l) => l.state), steps: 0 });
    lots.forEach((lot, i) => {
      const ref = predict(lot.state, [], lot.params);
      expect(stateRow(out, i)).toEqual(lot.state);
      expect(Math.abs(out.quality[i]! - ref.quality)).toBeLessThanOrEqual(1e-4);
      expect(Math.abs(out.remainingDays[i]! - ref.remainingDays)).toBeLessThanOrEqual(1e-4 * Math.max(1, ref.remainingDays));
    });
    const batch = toBatch(randomLots(4, 2, 5), (l) => l.state);
    await expect(model.evaluate({ ...batch, params: batch.params.subarray(1) })).rejects.toThrow(/params has 25 values, expected 26/);
  });

  it('loads a shared model on first use, retries a failed load, and reloads after close', async () => {
    let loads = 0;
    const lazy = new LazyModel(async () => {
      loads += 1;
      if (loads === 1) throw new Error('first load fails');
      return ShelfLifeModel.load();
    });
    await expect(lazy.get()).rejects.toThrow('first load fails');
    const [a, b] = await Promise.all([lazy.get(), lazy.get()]);
    expect(a).toBe(b);
    expect(loads).toBe(2);
    await lazy.close();
    const c = await lazy.get();
    expect(c).not.toBe(a);
    expect(loads).toBe(3);
    await lazy.close();
    await lazy.close(); // nothing loaded: nothing to release
  });

  it('finds the package root from sources and from dist/models', () => {
    const root = packageRoot();
    expect(defaultModelPath()).toBe(join(root, 'models', 'shelf-life.onnx'));
    expect(packageRoot(join(root, 'dist', 'models'))).toBe(root);
  });

  it('the committed models/shelf-life.onnx is what build.ts builds', () => {
    const committed = new Uint8Array(readFileSync(defaultModelPath()));
    const fresh = buildShelfLifeModel();
    expect(Buffer.from(committed).equals(Buffer.from(fresh))).toBe(true);
    expect(Buffer.from(buildShelfLifeModel()).equals(Buffer.from(fresh))).toBe(true);
  });

  describe('signature check', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'freshtrail-model-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const f32 = DataType.FLOAT;
    /** A loadable model whose signature is wrong in the given ways. */
    function wrongModel(file: string, inputs: ValueInfoProto[], outputs: ValueInfoProto[], nodes: NodeProto[]): string {
      const path = join(dir, file);
      const bytes = encodeModel({
        irVersion: 8,
        opsetVersion: 17,
        producerName: 'freshtrail-test',
        producerVersion: '0',
        graph: { name: 'wrong', nodes, initializers: [{ name: 'axes', dataType: DataType.INT64, dims: [1], values: [1] }], inputs, outputs },
      });
      writeFileSync(path, bytes);
      return path;
    }
    const sum = (input: string, output: string): NodeProto => ({ opType: 'ReduceSum', inputs: [input, 'axes'], outputs: [output], name: output, attributes: { keepdims: { int: 0 } } });
    const identity = (input: string, output: string): NodeProto => ({ opType: 'Identity', inputs: [input], outputs: [output], name: output });

    it('rejects a model with a missing input and an extra output', async () => {
      const path = wrongModel(
        'missing-params.onnx',
        [
          { name: 'temp_c', elemType: f32, shape: ['B', 'N'] },
          { name: 'rh', elemType: f32, shape: ['B', 'N'] },
          { name: 'dt_h', elemType: f32, shape: ['B', 'N'] },
          { name: 'state_in', elemType: f32, shape: ['B', 3] },
        ],
        [
          { name: 'state_out', elemType: f32, shape: ['B', 3] },
          { name: 'quality', elemType: f32, shape: ['B'] },
          { name: 'remaining_days', elemType: f32, shape: ['B'] },
          { name: 'debug', elemType: f32, shape: ['B', 'N'] },
        ],
        [identity('state_in', 'state_out'), sum('temp_c', 'quality'), sum('rh', 'remaining_days'), identity('dt_h', 'debug')],
      );
      const err = await ShelfLifeModel.load(path).then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(err).toBeInstanceOf(Error);
      expect(err!.message).toContain(`model ${path}`);
      expect(err!.message).toContain("input 'params' missing");
      expect(err!.message).toContain("unexpected output 'debug'");
      expect(err!.message).toContain('expected inputs temp_c, rh, dt_h, params, state_in');
    });

    it('rejects a model whose params are not [B, 13] float32', async () => {
      const path = wrongModel(
        'narrow-params.onnx',
        [
          { name: 'temp_c', elemType: f32, shape: ['B', 'N'] },
          { name: 'rh', elemType: f32, shape: ['B', 'N'] },
          { name: 'dt_h', elemType: f32, shape: ['B', 'N'] },
          { name: 'params', elemType: f32, shape: ['B', 12] },
          { name: 'state_in', elemType: DataType.INT64, shape: ['B', 3] },
        ],
        [
          { name: 'state_out', elemType: f32, shape: ['B', 12] },
          { name: 'quality', elemType: f32, shape: ['B'] },
          { name: 'remaining_days', elemType: f32, shape: ['B'] },
        ],
        [identity('params', 'state_out'), sum('temp_c', 'quality'), sum('rh', 'remaining_days'), identity('dt_h', 'unused'), identity('state_in', 'unused_state')],
      );
      await expect(ShelfLifeModel.load(path)).rejects.toThrow(/input 'params' dimension 1 is 12, expected 13.*input 'state_in' is int64, expected float32/);
    });

    it('accepts the built model', async () => {
      const path = join(dir, 'built.onnx');
      writeFileSync(path, buildShelfLifeModel());
      const m = await ShelfLifeModel.load(path);
      await m.close();
    });
  });
});
