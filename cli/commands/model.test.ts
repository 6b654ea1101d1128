/** `freshtrail model check|predict|commodities` in-process with the real ONNX model. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../ingest/test-helpers.js';
import { runCli } from '../../test/support/cli.js';

const tmp = tempDir('freshtrail-model-cli-');
afterAll(() => tmp.cleanup());

describe('freshtrail model', () => {
  it('checks the built-in model and refuses a file that is not one', async () => {
    const ok = await runCli('model', 'check');
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('signature OK');
    const bogus = join(tmp.dir, 'bogus.onnx');
    await writeFile(bogus, 'not a model');
    const bad = await runCli('model', 'check', '--file', bogus);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('bogus.onnx');
  });

  it('predicts a lot held at one temperature, as the reference model does', async () => {
    // Strawberry: 24 h at 10 °C with Q10 4.7 use 4.7 / 6 of its 6-day life.
    const res = await runCli('model', 'predict', '--commodity', 'strawberry', '--temp', '10', '--hours', '24');
    expect(res.code).toBe(0);
    const out = JSON.parse(res.out) as { usedFraction: number; remainingDays: number; atC: number };
    expect(out.usedFraction).toBeCloseTo(4.7 / 6, 3);
    expect(out.remainingDays).toBeCloseTo(6 * (1 - 4.7 / 6), 2);
    expect(out.atC).toBe(0);
  });

  it('lists commodities and explains bad arguments', async () => {
    expect((await runCli('model', 'commodities')).out).toContain('tomato-mature-green');
    const unknown = await runCli('model', 'predict', '--commodity', 'durian', '--temp', '4', '--hours', '1');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown commodity "durian"');
    expect((await runCli('model', 'predict', '--commodity', 'apple', '--temp', 'warm', '--hours', '1')).err).toContain('--temp must be a number');
  });
});
