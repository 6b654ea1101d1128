/**
 * Batched lot updates through the real ONNX model, against the reference implementation: lots
 * with no, few and many new steps, windows cut into rounds, and how many calls it takes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMODITIES, parameterRow } from '../../models/commodities.js';
import { predict, type Step } from '../../models/reference.js';
import { ShelfLifeModel, type ModelBatch } from '../../models/runner.js';
import { evaluateLots, type LotWindow } from './lot-evaluator.js';

let model: ShelfLifeModel;
beforeAll(async () => {
  model = await ShelfLifeModel.load();
});
afterAll(async () => {
  await model?.close();
});

/** The real model, counting its calls and the cells it was given. */
function counting() {
  const seen = { calls: 0, cells: 0 };
  return {
    seen,
    evaluate: (batch: ModelBatch) => {
      seen.calls += 1;
      seen.cells += batch.lots * batch.steps;
      return model.evaluate(batch);
    },
  };
}

const history = (n: number, seed: number): Step[] => Array.from({ length: n }, (_, i) => ({ tempC: 3 + 5 * Math.sin((i + seed) / 13), rh: 80 + 15 * Math.cos((i * seed) / 7), dtH: 0.25 }));

describe('evaluateLots', () => {
  it('gives every lot what the reference gives, whatever its number of new steps', async () => {
    const lengths = [0, 1, 5, 12, 12, 40, 333, 2500];
    const windows: LotWindow[] = lengths.map((n, i) => ({
      lot: `lot-${i}`,
      params: parameterRow(COMMODITIES[i % COMMODITIES.length]!, 4),
      state: i % 2 === 0 ? [0, 0, 0] : [0.1, 0.5, 3],
      steps: history(n, i + 1),
    }));
    const m = counting();
    const results = await evaluateLots(m, windows, { maxStepsPerCall: 256 });
    for (const w of windows) {
      const expected = predict(w.state, w.steps, w.params);
      const got = results.get(w.lot)!;
      expect(got.quality, w.lot).toBeCloseTo(expected.quality, 4);
      expect(Math.abs(got.remainingDays - expected.remainingDays) / Math.max(1, expected.remainingDays), w.lot).toBeLessThan(1e-4);
      got.state.forEach((v, k) => expect(Math.abs(v - expected.state[k]!) / Math.max(1, expected.state[k]!), `${w.lot} state ${k}`).toBeLessThan(1e-4));
    }
    // The long lot takes ceil(2500 / 256) = 10 rounds; the short ones do not pad to its length.
    expect(m.seen.calls).toBeLessThan(16);
    expect(m.seen.cells).toBeLessThan(2 * lengths.reduce((a, b) => a + b, 0) + 256 * 8);
  });

  it('updates 10,000 lots with a few new steps each in one call', async () => {
    const windows: LotWindow[] = Array.from({ length: 10_000 }, (_, i) => ({ lot: `l${i}`, params: parameterRow(COMMODITIES[i % COMMODITIES.length]!), state: [0, 0, 0], steps: history(12, i) }));
    const m = counting();
    const results = await evaluateLots(m, windows);
    expect(results.size).toBe(10_000);
    expect(m.seen.calls).toBe(1);
  });
});
