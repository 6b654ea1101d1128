/**
 * Arrival predictions through the real ONNX model against the reference model, all shipments in
 * one model call, and the arrival_below_minimum alert on a real SQLite store.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { commodity, parameterRow } from '../../models/commodities.js';
import { predict } from '../../models/reference.js';
import { ShelfLifeModel, type ModelBatch } from '../../models/runner.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite.js';
import type { Shipment } from '../store/types.js';
import { T0, tempDir } from '../test-helpers.js';
import { arrivalDedupeKey, predictArrivals, reportArrival } from './arrival.js';

const HOUR = 3_600_000;

describe('arrival predictions', () => {
  let model: ShelfLifeModel;
  beforeAll(async () => {
    model = await ShelfLifeModel.load();
  });
  afterAll(() => model.close());

  const berries = commodity('strawberry');
  const shipment = (over: Partial<Shipment> = {}): Shipment => ({ id: 'SH-1', lot: 'LOT-1', destination: 'store-12', eta: T0 + 24 * HOUR, transitTempC: 10, minDaysOnArrival: 2, createdAt: T0, ...over });

  it('predicts the lot\'s state, then the transit at the planned temperature, for many shipments in one model call', async () => {
    const calls: ModelBatch[] = [];
    const counting = { evaluate: (batch: ModelBatch) => (calls.push(batch), model.evaluate(batch)) };
    const stored = { usedFraction: 0.2, waterLossPct: 1, chillDegreeHours: 0, throughTs: T0 + 6 * HOUR };
    const got = await predictArrivals(counting, [
      { commodity: berries, shipment: shipment(), from: T0 }, // fresh lot: 24 h at 10 °C
      { commodity: berries, shipment: shipment({ transitTempC: 0 }), from: T0 },
      { commodity: berries, freshness: stored, shipment: shipment(), from: T0 }, // transit from its readings: 18 h
      { commodity: berries, freshness: stored, shipment: shipment(), from: T0 + 12 * HOUR }, // from `from`: 12 h
      { commodity: berries, freshness: stored, shipment: shipment({ eta: T0 }), from: T0 + 12 * HOUR }, // ETA past: no transit
      { commodity: commodity('banana-green'), shipment: shipment({ transitTempC: 13.5, minDaysOnArrival: undefined }), from: T0 },
    ]);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ lots: 6, steps: 1 });

    const reference = (state: number[] | undefined, hours: number, tempC = 10, c = berries) => predict(state, [{ tempC, rh: c.rhBest, dtH: hours }], parameterRow(c));
    const state = [0.2, 1, 0];
    const expected = [reference(undefined, 24), reference(undefined, 24, 0), reference(state, 18), reference(state, 12), reference(state, 0), reference(undefined, 24, 13.5, commodity('banana-green'))];
    got.forEach((p, i) => {
      expect(p.remainingDays).toBeCloseTo(expected[i]!.remainingDays, 4);
      expect(p.quality).toBeCloseTo(expected[i]!.quality, 4);
    });
    expect(got[0]!.remainingDays).toBeCloseTo(6 - 4.7, 4); // Q10 4.7: 24 h at 10 °C use 4.7 days' worth
    expect(got.map((p) => p.belowMinimum)).toEqual([true, false, true, expected[3]!.remainingDays < 2, expected[4]!.remainingDays < 2, false]);
    expect(await predictArrivals(counting, [])).toEqual([]);
    expect(calls).toHaveLength(1);
  });

  describe('the arrival_below_minimum alert', () => {
    let tmp: ReturnType<typeof tempDir>;
    let store: SqliteStore;
    beforeEach(() => {
      tmp = tempDir();
      store = openSqliteStore({ path: join(tmp.dir, 'ingest.sqlite') });
    });
    afterEach(async () => {
      await store.close();
      tmp.cleanup();
    });

    it('raises below the minimum, bumps while it stays below, and resolves at or above it', async () => {
      const s = shipment();
      const report = (remainingDays: number, at: number) => reportArrival(store, { shipment: s, commodity: berries, prediction: { remainingDays, quality: 6, belowMinimum: remainingDays < 2 }, at });
      expect(await report(2.5, T0)).toBe('none'); // nothing open: nothing to resolve
      expect(await report(1.3, T0 + HOUR)).toBe('raised');
      expect(await report(1.2, T0 + 2 * HOUR)).toBe('raised');
      const [open] = await store.listAlerts({ kind: 'arrival_below_minimum', limit: 10 });
      expect(open).toMatchObject({ dedupeKey: arrivalDedupeKey('SH-1'), severity: 'warning', status: 'open', subject: 'LOT-1', occurrences: 2, openedAt: T0 + HOUR });
      expect(open!.message).toBe(
        'lot LOT-1 (Strawberry) to store-12, ETA 2026-01-16T08:00:00.000Z: predicted 1.2 days of shelf life on arrival, below the receiver\'s minimum of 2 days ' +
          '(shipment SH-1, transit at 10 °C); send a fresher lot, ship colder or faster, or agree the shortfall with the receiver',
      );
      expect(open!.details).toEqual({ shipment: 'SH-1', lot: 'LOT-1', commodity: 'strawberry', destination: 'store-12', eta: '2026-01-16T08:00:00.000Z', transitTempC: 10, predictedDays: 1.2, minDaysOnArrival: 2, quality: 6 });
      expect(await report(2, T0 + 3 * HOUR)).toBe('resolved'); // exactly the minimum meets it
      expect((await store.listAlerts({ kind: 'arrival_below_minimum', limit: 10 }))[0]).toMatchObject({ status: 'resolved', resolvedAt: T0 + 3 * HOUR });

      const { minDaysOnArrival: _min, ...noMinimum } = s;
      expect(await reportArrival(store, { shipment: noMinimum, commodity: berries, prediction: { remainingDays: 0, quality: 4, belowMinimum: false }, at: T0 })).toBe('none');
    });
  });
});
