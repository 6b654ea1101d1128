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
      { tempC: 3, rh: 90, dtH: 0.5, endTs: HOUR / 2 },
      { tempC: 5, rh: 85, dtH: 1.5, endTs: 2 * HOUR },
    ]);
    expect(series.position).toEqual({ ts: 2 * HOUR, tempC: 6, rh: 80, rhTs: 2 * HOUR });
  });

  it('continues from a persisted position and never integrates an interval twice', () => {
    const series = new LocationSeries({ ts: HOUR, tempC: 4 });
    const { steps, skippedLate } = series.append([{ ts: HOUR / 2, tempC: 20 }, { ts: 3 * HOUR, tempC: 8 }], 95);
    expect(skippedLate).toBe(1);
    // No RH seen yet: the commodity's recommended RH fills it.
    expect(steps).toEqual([{ tempC: 6, rh: 95, dtH: 2, endTs: 3 * HOUR }]);
  });

  it('takes humidity from a humidity-only reading without making a step', () => {
    const series = new LocationSeries({ ts: 0, tempC: 2 });
    expect(series.append([{ ts: HOUR, rh: 70 }], 95).steps).toEqual([]);
    expect(series.position).toEqual({ ts: 0, tempC: 2, rh: 70, rhTs: HOUR });
    // An older humidity reading arriving later does not overwrite the newer one.
    expect(series.append([{ ts: HOUR / 2, rh: 20 }], 95).skippedLate).toBe(1);
    expect(series.append([{ ts: 2 * HOUR, tempC: 2 }], 95).steps).toEqual([{ tempC: 2, rh: 70, dtH: 2, endTs: 2 * HOUR }]);
  });

  it('keeps humidity seen before the first temperature, and averages two sensors at one instant', () => {
    const series = new LocationSeries();
    const { steps, skippedLate } = series.append(
      [
        { ts: 0, rh: 60 },
        { ts: HOUR, tempC: 4 },
        { ts: HOUR, tempC: 6 }, // a second sensor, same instant
        { ts: 2 * HOUR, tempC: 5 },
      ],
      95,
    );
    expect(skippedLate).toBe(0);
    expect(steps).toEqual([{ tempC: 5, rh: 60, dtH: 1, endTs: 2 * HOUR }]);
  });
});
