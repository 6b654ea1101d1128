/**
 * Turns the readings of one location into the model's steps (models/signature.ts): the lots
 * stored there saw the air the location's sensors measured. Readings of every sensor at the
 * location form one series in time order; the interval between two consecutive readings is one
 * step with the mean of their temperatures and humidities (trapezoidal rule), so the sums the
 * model carries are time integrals whatever the sensors' reporting rates.
 *
 * Humidity: a reading without RH (a temperature-only sensor) uses the location's last known RH;
 * before any, the commodity's recommended RH (an assumption: it neither adds nor hides water loss
 * a sensor would have shown). A reading older than the series' last one is not integrated again:
 * that interval is already counted (late batches of a second gateway at the same location).
 */
import type { Step } from '../../models/reference.js';

export interface SeriesReading {
  ts: number;
  tempC?: number;
  rh?: number;
}

export interface SeriesPoint {
  ts: number;
  tempC: number;
  rh: number | undefined;
}

export class LocationSeries {
  constructor(private last: SeriesPoint | undefined = undefined) {}

  /** Where the series stands, to persist and pass back to the constructor. */
  get position(): SeriesPoint | undefined {
    return this.last;
  }

  /**
   * The steps the readings add, in time order. `fallbackRh` fills humidity before any is known.
   * Readings without a temperature only update the humidity.
   */
  append(readings: readonly SeriesReading[], fallbackRh: number): { steps: Step[]; skippedLate: number } {
    const sorted = [...readings].sort((a, b) => a.ts - b.ts);
    const steps: Step[] = [];
    let skippedLate = 0;
    for (const r of sorted) {
      const last = this.last;
      if (last && r.ts <= last.ts) {
        skippedLate += 1;
        continue;
      }
      const rh = r.rh ?? last?.rh;
      if (r.tempC === undefined) {
        if (last) this.last = { ...last, rh };
        continue;
      }
      if (last) {
        const before = last.rh ?? fallbackRh;
        const after = rh ?? fallbackRh;
        steps.push({ tempC: (last.tempC + r.tempC) / 2, rh: (before + after) / 2, dtH: (r.ts - last.ts) / 3_600_000 });
      }
      this.last = { ts: r.ts, tempC: r.tempC, rh };
    }
    return { steps, skippedLate };
  }
}
