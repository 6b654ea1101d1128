/**
 * docs/model.md §4 reports the model against published observations; this keeps the table
 * there equal to what the model computes, and counts the pairs within ±35 %.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OBSERVATIONS, predictedDays, relativeError } from './observations.js';

const doc = readFileSync(new URL('../docs/model.md', import.meta.url), 'utf8');

describe('predictions against published observations (docs/model.md §4)', () => {
  it('documents every pair with the error the model gives now', () => {
    for (const o of OBSERVATIONS) {
      const error = `${relativeError(o) >= 0 ? '+' : '−'}${Math.abs(Math.round(relativeError(o) * 100))} %`;
      const row = `| ${o.commodity} | ${o.tempC} | ${o.atMost ? '< ' : ''}${o.observedDays.toFixed(1)} | ${predictedDays(o.commodity, o.tempC).toFixed(1)} | ${o.atMost ? '> ' : ''}${error} |`;
      expect(doc, `docs/model.md lacks the row ${row}`).toContain(row);
    }
  });

  it('is within ±35 % for most pairs', () => {
    const within = OBSERVATIONS.filter((o) => Math.abs(relativeError(o)) <= 0.35).length;
    expect(within).toBeGreaterThan(OBSERVATIONS.length / 2);
  });
});
