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

/** A step and the time it ends (UTC ms), to attribute it to the lots there then. */
export type TimedStep = Step & { endTs: number };

export interface SeriesReading {
  ts: number;
  tempC?: number;
  rh?: number;
}

/** Where a location's series stands: its last temperature reading and its last humidity. */
export interface SeriesPoint {
  /** Time of the last temperature reading; undefined before the first. */
  ts?: number;
  tempC?: number;
  rh?: number;
  /** Time of the last humidity reading. */
  rhTs?: number;
}

export class LocationSeries {
  private point: SeriesPoint;

  constructor(position: SeriesPoint = {}) {
    this.point = { ...position };
  }

  /** Where the series stands, to persist and pass back to the constructor. */
  get position(): SeriesPoint {
    return { ...this.point };
  }

  /**
   * The steps the readings add, in time order. `fallbackRh` fills humidity before any is known.
   * Readings of two sensors at the same instant are averaged; a reading older than the last one
   * of its kind is skipped (counted in skippedLate).
   */
  append(readings: readonly SeriesReading[], fallbackRh: number): { steps: TimedStep[]; skippedLate: number } {
    const sorted = [...readings].sort((a, b) => a.ts - b.ts);
    const steps: TimedStep[] = [];
    let skippedLate = 0;
    for (const r of sorted) {
      const p = this.point;
      const newerRh = r.rh !== undefined && (p.rhTs === undefined || r.ts >= p.rhTs) ? r.rh : undefined;
      if (r.tempC === undefined) {
        if (newerRh === undefined) skippedLate += 1;
        else this.point = { ...p, rh: newerRh, rhTs: r.ts };
        continue;
      }
      if (p.ts !== undefined && r.ts < p.ts) {
        skippedLate += 1;
        continue;
      }
      const rh = newerRh ?? p.rh;
      const rhTs = newerRh === undefined ? p.rhTs : r.ts;
      if (p.ts !== undefined && p.tempC !== undefined && r.ts === p.ts) {
        this.point = { ...p, tempC: (p.tempC + r.tempC) / 2, rh, rhTs }; // two sensors, one instant
        continue;
      }
      if (p.ts !== undefined && p.tempC !== undefined) {
        steps.push({ tempC: (p.tempC + r.tempC) / 2, rh: ((p.rh ?? fallbackRh) + (rh ?? fallbackRh)) / 2, dtH: (r.ts - p.ts) / 3_600_000, endTs: r.ts });
      }
      this.point = { ts: r.ts, tempC: r.tempC, rh, rhTs };
    }
    return { steps, skippedLate };
  }
}
