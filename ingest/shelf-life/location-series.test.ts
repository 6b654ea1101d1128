import { describe, expect, it } from 'vitest';
import { LocationSeries } from './location-series.js';

const HOUR = 3_600_000;

describe('LocationSeries', () => {
  it('makes one trapezoidal step per interval between consecutive readings of any sensor', () => {
    const series = new LocationSeries();
    const { steps } = series.append(
      [
        { ts: 2 * HOUR, tempC: 6, rh: 80 }, // out of order within the batch: sorted first
        { ts: 0, tempC: 2, rh: 90 },
        { ts: HOUR / 2, tempC: 4 }, // a temperature-only sensor: last known RH
      ],
      95,
    );
    expect(steps).toEqual([
      { tempC: 3, rh: 90, dtH: 0.5 },
      { tempC: 5, rh: 85, dtH: 1.5 },
    ]);
    expect(series.position).toEqual({ ts: 2 * HOUR, tempC: 6, rh: 80 });
  });

  it('continues from a persisted position and never integrates an interval twice', () => {
    const series = new LocationSeries({ ts: HOUR, tempC: 4, rh: undefined });
    const { steps, skippedLate } = series.append([{ ts: HOUR / 2, tempC: 20 }, { ts: HOUR, tempC: 20 }, { ts: 3 * HOUR, tempC: 8 }], 95);
    expect(skippedLate).toBe(2);
    // No RH seen yet: the commodity's recommended RH fills it.
    expect(steps).toEqual([{ tempC: 6, rh: 95, dtH: 2 }]);
  });

  it('takes humidity from a humidity-only reading without making a step', () => {
    const series = new LocationSeries({ ts: 0, tempC: 2, rh: undefined });
    expect(series.append([{ ts: HOUR, rh: 70 }], 95).steps).toEqual([]);
    expect(series.position).toEqual({ ts: 0, tempC: 2, rh: 70 });
    expect(series.append([{ ts: 2 * HOUR, tempC: 2 }], 95).steps).toEqual([{ tempC: 2, rh: 70, dtH: 2 }]);
  });
});
