/**
 * Builds models/shelf-life.onnx: the ONNX graph computing exactly what reference.ts computes
 * (advance + assess), vectorized over B lots × N steps. Run `npm run build:model [out]`.
 *
 * Every per-step increment is multiplied by dt_h, so padding steps (dt_h = 0) add nothing; their
 * temperature is additionally replaced by 0 before use, so that any finite padding value (even
 * one that would overflow exp) cannot turn 0·∞ into NaN.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataType, encodeModel, type AttributeValue, type NodeProto, type TensorProto } from './onnx-proto.js';
import { INPUTS, OUTPUTS, PARAM, PARAM_COUNT, STATE, STATE_COUNT } from './signature.js';

/**
 * Version of the model formulation written into producer_version. Deliberately not the package
 * version: the committed .onnx must only change when the math does.
 */
const MODEL_VERSION = '1.0.0';
const OPSET_VERSION = 17;
const IR_VERSION = 8;

/** Accumulates nodes and initializers with deterministic, readable names. */
class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly constants = new Map<string, string>();

  /** Adds a node and returns its (single) output name. */
  op(opType: string, inputs: readonly string[], output: string, attributes?: Record<string, AttributeValue>): string {
    this.nodes.push({ opType, inputs, outputs: [output], name: `${output}_${opType}`, ...(attributes ? { attributes } : {}) });
    return output;
  }

  /** A float32 scalar initializer (shared between uses of the same value). */
  scalar(value: number): string {
    const key = `f:${value}`;
    const existing = this.constants.get(key);
    if (existing) return existing;
    const name = `const_f${this.constants.size}`;
    this.initializers.push({ name, dataType: DataType.FLOAT, dims: [], values: [value] });
    this.constants.set(key, name);
    return name;
  }

  /** A 1-D int64 initializer (indices, axes; shared between uses of the same values). */
  int64s(values: readonly number[]): string {
    const key = `i:${values.join(',')}`;
    const existing = this.constants.get(key);
    if (existing) return existing;
    const name = `const_i64_${values.join('_')}`;
    this.initializers.push({ name, dataType: DataType.INT64, dims: [values.length], values });
    this.constants.set(key, name);
    return name;
  }
}

/** Encodes the shelf-life model. Deterministic: the same code gives the same bytes. */
export function buildShelfLifeModel(): Uint8Array {
  const g = new GraphBuilder();
  const axis1 = g.int64s([1]);

  // Parameter and state columns as [B, 1], so they broadcast against the [B, N] step tensors.
  const column = (source: string, index: number, name: string): string =>
    g.op('Gather', [source, g.int64s([index])], name, { axis: { int: 1 } });
  const p = Object.fromEntries(Object.entries(PARAM).map(([key, i]) => [key, column(INPUTS.params, i, `p_${key}`)])) as Record<keyof typeof PARAM, string>;

  // g(x) = (ln Q10_low / 10)·min(x, T_break) + (ln Q10_high / 10)·relu(x − T_break)
  const tenth = g.scalar(0.1);
  const slopeLow = g.op('Mul', [g.op('Log', [p.q10Low], 'ln_q10_low'), tenth], 'slope_low');
  const slopeHigh = g.op('Mul', [g.op('Log', [p.q10High], 'ln_q10_high'), tenth], 'slope_high');
  const gOf = (x: string, name: string): string =>
    g.op(
      'Add',
      [
        g.op('Mul', [slopeLow, g.op('Min', [x, p.tBreakC], `${name}_below`)], `${name}_low`),
        g.op('Mul', [slopeHigh, g.op('Relu', [g.op('Sub', [x, p.tBreakC], `${name}_over_break`)], `${name}_above`)], `${name}_high`),
      ],
      name,
    );
  const gRef = gOf(p.tRefC, 'g_ref');
  const lnRate = (tempC: string, name: string): string =>
    g.op('Sub', [gOf(g.op('Max', [tempC, p.tFloorC], `${name}_t_floored`), `${name}_g`), gRef], name);

  // Padding steps (dt_h = 0) see T = 0: see the module comment.
  const zero = g.scalar(0);
  const isStep = g.op('Greater', [INPUTS.dt_h, zero], 'is_step');
  const temp = g.op('Where', [isStep, INPUTS.temp_c, zero], 'temp');
  const dt = INPUTS.dt_h;

  // Fraction of shelf life used: Σ Δt·(ρ + λ·chill) / (24·SL_ref).
  const chill = g.op('Relu', [g.op('Sub', [p.tChillC, temp], 'chill_margin')], 'chill');
  const rho = g.op('Exp', [lnRate(temp, 'ln_rho')], 'rho');
  const rate = g.op('Add', [rho, g.op('Mul', [p.chillPenalty, chill], 'chill_rate')], 'rate');
  const sumOver = (x: string, name: string): string => g.op('ReduceSum', [x, axis1], name, { keepdims: { int: 1 } });
  const rateHours = sumOver(g.op('Mul', [rate, dt], 'rate_dt'), 'rate_hours');
  const usedInc = g.op('Div', [g.op('Div', [rateHours, g.scalar(24)], 'rate_days'), p.slRefDays], 'used_inc');

  // Water loss: Σ k_w·es(T)·(1 − clip(RH)/100)·Δt, es(T) = 0.6108·exp(17.27·T/(T + 237.3)).
  const es = g.op(
    'Mul',
    [
      g.scalar(0.6108),
      g.op(
        'Exp',
        [g.op('Div', [g.op('Mul', [g.scalar(17.27), temp], 'tetens_num'), g.op('Add', [temp, g.scalar(237.3)], 'tetens_den')], 'tetens_arg')],
        'tetens_exp',
      ),
    ],
    'es_kpa',
  );
  const rhClipped = g.op('Clip', [INPUTS.rh, zero, g.scalar(100)], 'rh_clipped');
  const dryness = g.op('Sub', [g.scalar(1), g.op('Div', [rhClipped, g.scalar(100)], 'rh_fraction')], 'dryness');
  const vpd = g.op('Mul', [es, dryness], 'vpd_kpa');
  const vpdHours = sumOver(g.op('Mul', [vpd, dt], 'vpd_dt'), 'vpd_hours');
  const waterInc = g.op('Mul', [p.waterCoeff, vpdHours], 'water_inc');

  // Chilling dose: Σ relu(T_chill − T)·Δt.
  const chillInc = sumOver(g.op('Mul', [chill, dt], 'chill_dt'), 'chill_inc');

  const incByState = new Array<string>(STATE_COUNT);
  incByState[STATE.usedFraction] = usedInc;
  incByState[STATE.waterLossPct] = waterInc;
  incByState[STATE.chillDegreeHours] = chillInc;
  const increments = g.op('Concat', incByState, 'increments', { axis: { int: 1 } });
  const stateOut = g.op('Add', [INPUTS.state_in, increments], OUTPUTS.state_out);

  // assess(): quality and remaining shelf life from the new state.
  const used = column(stateOut, STATE.usedFraction, 'used');
  const water = g.op('Div', [column(stateOut, STATE.waterLossPct, 'water_pct'), p.waterMaxPct], 'water');
  const lnQRatio = g.op('Log', [g.op('Div', [p.q0, p.qLimit], 'q_ratio')], 'ln_q_ratio');
  const byTemperature = g.op('Mul', [p.q0, g.op('Exp', [g.op('Neg', [g.op('Mul', [lnQRatio, used], 'q_decay')], 'neg_q_decay')], 'q_decay_exp')], 'q_by_temperature');
  const byWater = g.op('Sub', [p.q0, g.op('Mul', [g.op('Sub', [p.q0, p.qLimit], 'q_span'), water], 'q_water_loss')], 'q_by_water');
  const quality = g.op('Min', [p.q0, g.op('Max', [zero, g.op('Min', [byTemperature, byWater], 'q_min')], 'q_nonneg')], 'quality_col');
  g.op('Squeeze', [quality, axis1], OUTPUTS.quality);

  const left = g.op('Relu', [g.op('Sub', [g.scalar(1), g.op('Max', [used, water], 'used_max')], 'left_raw')], 'left');
  const rhoFuture = g.op('Exp', [lnRate(p.tFutureC, 'ln_rho_future')], 'rho_future');
  const remaining = g.op('Div', [g.op('Mul', [left, p.slRefDays], 'left_days_ref'), rhoFuture], 'remaining_col');
  g.op('Squeeze', [remaining, axis1], OUTPUTS.remaining_days);

  const f32 = DataType.FLOAT;
  return encodeModel({
    irVersion: IR_VERSION,
    opsetVersion: OPSET_VERSION,
    producerName: 'freshtrail',
    producerVersion: MODEL_VERSION,
    graph: {
      name: 'freshtrail_shelf_life',
      nodes: g.nodes,
      initializers: g.initializers,
      inputs: [
        { name: INPUTS.temp_c, elemType: f32, shape: ['B', 'N'] },
        { name: INPUTS.rh, elemType: f32, shape: ['B', 'N'] },
        { name: INPUTS.dt_h, elemType: f32, shape: ['B', 'N'] },
        { name: INPUTS.params, elemType: f32, shape: ['B', PARAM_COUNT] },
        { name: INPUTS.state_in, elemType: f32, shape: ['B', STATE_COUNT] },
      ],
      outputs: [
        { name: OUTPUTS.state_out, elemType: f32, shape: ['B', STATE_COUNT] },
        { name: OUTPUTS.quality, elemType: f32, shape: ['B'] },
        { name: OUTPUTS.remaining_days, elemType: f32, shape: ['B'] },
      ],
    },
  });
}

/** Where the committed model lives, relative to this file (models/). */
const DEFAULT_MODEL_FILE = 'shelf-life.onnx';

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = resolve(process.argv[2] ?? fileURLToPath(new URL(DEFAULT_MODEL_FILE, import.meta.url)));
  const bytes = buildShelfLifeModel();
  writeFileSync(out, bytes);
  console.log(`wrote ${out} (${bytes.length} bytes)`);
}
