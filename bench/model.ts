/**
 * `freshtrail bench model`: the shelf-life model (models/) as the ingest will drive it.
 *  - steps_per_s: reading-steps per second through one evaluation, batched (1,024 lots × 1,024
 *    steps per call), in onnxruntime-node on one thread (`impl: onnx`) and in the TypeScript
 *    reference implementation (`impl: reference`).
 *  - lot_updates_per_s: lots updated per second when many lots (10,000) each get a new window of
 *    12 steps in one call — new readings arriving for many lots at once.
 *  - lot_update_ms: p99 of one call updating one lot with one new batch of 100 steps.
 * Model time only: reading lots' state from the store and writing it back are not included.
 */
import { COMMODITIES, parameterRow } from '../models/commodities.js';
import { advance } from '../models/reference.js';
import { ShelfLifeModel, type ModelBatch } from '../models/runner.js';
import { PARAM_COUNT, STATE_COUNT } from '../models/signature.js';
import { type Report, round } from './report.js';

/** A deterministic batch: lots cycle through the commodities, temperatures drift around 4 °C. */
function syntheticBatch(lots: number, steps: number): ModelBatch {
  const tempC = new Float32Array(lots * steps);
  const rh = new Float32Array(lots * steps);
  const dtH = new Float32Array(lots * steps);
  const params = new Float32Array(lots * PARAM_COUNT);
  for (let lot = 0; lot < lots; lot++) {
    params.set(parameterRow(COMMODITIES[lot % COMMODITIES.length]!), lot * PARAM_COUNT);
    for (let s = 0; s < steps; s++) {
      const i = lot * steps + s;
      tempC[i] = 4 + 6 * Math.sin((lot + s) / 50);
      rh[i] = 85 + 10 * Math.cos((lot * 7 + s) / 30);
      dtH[i] = 1 / 60;
    }
  }
  return { tempC, rh, dtH, params, state: new Float32Array(lots * STATE_COUNT), lots, steps };
}

async function timed<T>(minMs: number, fn: () => Promise<T> | T): Promise<{ calls: number; seconds: number }> {
  const start = performance.now();
  let calls = 0;
  while (performance.now() - start < minMs) {
    await fn();
    calls++;
  }
  return { calls, seconds: (performance.now() - start) / 1000 };
}

export async function benchModel(report: Report): Promise<void> {
  const model = await ShelfLifeModel.load();
  try {
    const big = syntheticBatch(1024, 1024);
    await model.evaluate(big); // warm-up
    const onnx = await timed(3000, () => model.evaluate(big));
    report({ bench: 'model', metric: 'steps_per_s', value: round((onnx.calls * big.lots * big.steps) / onnx.seconds), unit: 'steps/s', impl: 'onnx', lots: big.lots, steps: big.steps, threads: 1 });

    const rows = Array.from({ length: big.lots }, (_, lot) => Array.from(big.params.subarray(lot * PARAM_COUNT, (lot + 1) * PARAM_COUNT)));
    const histories = Array.from({ length: big.lots }, (_, lot) =>
      Array.from({ length: big.steps }, (_, s) => ({ tempC: big.tempC[lot * big.steps + s]!, rh: big.rh[lot * big.steps + s]!, dtH: big.dtH[lot * big.steps + s]! })),
    );
    const reference = await timed(3000, () => {
      for (let lot = 0; lot < big.lots; lot++) advance([0, 0, 0], histories[lot]!, rows[lot]!);
    });
    report({ bench: 'model', metric: 'steps_per_s', value: round((reference.calls * big.lots * big.steps) / reference.seconds), unit: 'steps/s', impl: 'reference', lots: big.lots, steps: big.steps });

    const many = syntheticBatch(10_000, 12);
    await model.evaluate(many);
    const updates = await timed(3000, () => model.evaluate(many));
    report({ bench: 'model', metric: 'lot_updates_per_s', value: round((updates.calls * many.lots) / updates.seconds), unit: 'lots/s', impl: 'onnx', lots: many.lots, stepsPerLot: many.steps, scope: 'model only' });

    const one = syntheticBatch(1, 100);
    const samples: number[] = [];
    for (let i = 0; i < 200; i++) await model.evaluate(one); // warm-up
    for (let i = 0; i < 5000; i++) {
      const start = performance.now();
      await model.evaluate(one);
      samples.push(performance.now() - start);
    }
    samples.sort((a, b) => a - b);
    const p99 = samples[Math.floor(samples.length * 0.99)]!;
    report({ bench: 'model', metric: 'lot_update_ms', value: round(p99, 3), unit: 'ms', percentile: 99, impl: 'onnx', stepsPerLot: one.steps, calls: samples.length, scope: 'model only' });
  } finally {
    await model.close();
  }
}
