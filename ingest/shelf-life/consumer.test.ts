/**
 * The shelf-life consumer on a real SQLite store fed through the real pipeline and the real
 * ONNX model: a lot's freshness equals the reference model over the steps its location's
 * readings make; a lot moved mid-stream takes steps from each location for the time it was
 * there; a lot split between two holders takes the history of its worse-kept part, not both
 * parts one after the other; a redelivered round changes nothing. The lot alerts: one chilling_exposure alert per
 * chilled lot (escalated, never resolved by the service), and arrival_below_minimum raised when
 * new readings push a shipment's predicted arrival below the minimum and resolved when it recovers.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.js';
import { commodity, parameterRow } from '../../models/commodities.js';
import { FARM_A, ms, PACK_A, packRecord, receiveRecord, shipRecord, STORE_1, STORE_2 } from '../events/chain-fixtures.js';
import { parseCteRecord } from '../events/cte.js';
import { predict, type Step } from '../../models/reference.js';
import { ShelfLifeModel } from '../../models/runner.js';
import { IngestMetrics } from '../metrics.js';
import { IngestPipeline } from '../pipeline.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite.js';
import type { Reading } from '../../protocol/reading.js';
import { T0, TestGateway, envelopeBytes, tempDir, testReading } from '../test-helpers.js';
import { chillingInjuryDose } from './chilling.js';
import { ShelfLifeConsumer } from './consumer.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('ShelfLifeConsumer', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: SqliteStore;
  let pipeline: IngestPipeline;
  let consumer: ShelfLifeConsumer;
  let gw: TestGateway;

  beforeEach(async () => {
    tmp = tempDir();
    store = openSqliteStore({ path: join(tmp.dir, 'ingest.sqlite') });
    pipeline = new IngestPipeline({ store, metrics: new IngestMetrics(), logger: silentLogger(), limits: { maxEnvelopeBytes: 1024 * 1024, maxClockSkewMs: 1e12, maxQuarantinePerGateway: 10 } });
    consumer = new ShelfLifeConsumer({ store, loadModel: () => ShelfLifeModel.load(), logger: silentLogger() });
    gw = new TestGateway('gw-1');
    await pipeline.enroll({ id: gw.id, publicKey: gw.publicKey });
  });
  afterEach(async () => {
    await consumer.close();
    await pipeline.close();
    await store.close();
    tmp.cleanup();
  });

  /** Readings at `location` every `everyMin` minutes from `start`, temperatures from `temp(i)`. */
  const readings = (location: string, start: number, count: number, temp: (i: number) => number, rh?: (i: number) => number): Reading[] =>
    Array.from({ length: count }, (_, i) => testReading({ location, ts: start + i * 10 * MINUTE, tempC: temp(i), ...(rh ? { rh: rh(i) } : { rh: undefined }) }));
  const send = async (rs: Reading[]) => expect((await pipeline.submit(envelopeBytes(gw.next(rs)), { transport: 'http' })).status).toBe('accepted');
  const committed = () => store.committedBatchesAfter(0, 1000);

  /** The reference steps of a series of readings (trapezoid between consecutive ones). */
  const stepsOf = (rs: Reading[], rhBest: number): Step[] =>
    rs.slice(1).map((r, i) => ({ tempC: (rs[i]!.tempC! + r.tempC!) / 2, rh: ((rs[i]!.rh ?? rhBest) + (r.rh ?? rhBest)) / 2, dtH: (r.ts - rs[i]!.ts) / 3_600_000 }));

  it('gives a lot what the reference model gives for its location\'s readings, and ignores a redelivered round', async () => {
    await store.createLot({ id: 'LOT-S', commodity: 'strawberry', createdAt: T0 - MINUTE, location: 'cold-room-1' });
    await store.createLot({ id: 'LOT-OTHER', commodity: 'apple', createdAt: T0 - MINUTE, location: 'elsewhere' });
    const first = readings('cold-room-1', T0, 30, (i) => 2 + (i % 7), (i) => 80 + (i % 5));
    const second = readings('cold-room-1', T0 + 30 * 10 * MINUTE, 30, (i) => 12 - (i % 4), (i) => 85);
    await send(first);
    await consumer.consume(await committed());
    await send(second);
    const all = await committed();
    await consumer.consume(all.slice(1));
    await consumer.consume(all); // redelivered: nothing counted twice

    const c = commodity('strawberry');
    const expected = predict(undefined, stepsOf([...first, ...second], c.rhBest), parameterRow(c));
    const [got] = await store.lotFreshness(['LOT-S']);
    expect(got!.usedFraction).toBeCloseTo(expected.state[0]!, 5);
    expect(got!.waterLossPct).toBeCloseTo(expected.state[1]!, 5);
    expect(got!.quality).toBeCloseTo(expected.quality, 4);
    expect(got!.remainingDays).toBeCloseTo(expected.remainingDays, 4);
    expect(got!.throughTs).toBe(second.at(-1)!.ts);
    expect((await store.freshnessHistory('LOT-S', 10)).map((p) => p.ts)).toEqual([second.at(-1)!.ts, first.at(-1)!.ts]);
    expect(await store.lotFreshness(['LOT-OTHER'])).toEqual([]);
  });

  it('splits a location\'s steps between the lots there at each time, and follows a lot that moves', async () => {
    await store.createLot({ id: 'LOT-T', commodity: 'tomato-mature-green', createdAt: T0, location: 'packhouse' });
    const moveAt = T0 + 60 * MINUTE;
    await store.moveLot('LOT-T', 'truck-7', moveAt);
    // Temperature-only sensors: humidity is the commodity's recommended RH.
    const packhouse = readings('packhouse', T0, 13, () => 14);
    const truck = readings('truck-7', T0, 13, (i) => (i < 9 ? 14 : 4)); // the reefer gets too cold
    await send([...packhouse, ...truck]);
    await consumer.consume(await committed());

    const c = commodity('tomato-mature-green');
    const inPackhouse = stepsOf(packhouse, c.rhBest).filter((_, i) => packhouse[i + 1]!.ts <= moveAt);
    const inTruck = stepsOf(truck, c.rhBest).filter((_, i) => truck[i + 1]!.ts > moveAt);
    const expected = predict(undefined, [...inPackhouse, ...inTruck], parameterRow(c));
    const [got] = await store.lotFreshness(['LOT-T']);
    expect(got!.usedFraction).toBeCloseTo(expected.state[0]!, 5);
    expect(got!.chillDegreeHours).toBeGreaterThan(0);
    expect(got!.chillDegreeHours).toBeCloseTo(expected.state[2]!, 3);
  });

  it('gives a lot split between a 2 °C and a 10 °C store the history of the 10 °C part, not both counted one after the other', async () => {
    // docs/events.md §7: packed at PACK_A, shipped (closing custody there), received at both
    // stores: from 08:00 the lot is held at two places at once.
    const LOT = 'urn:epc:class:lgtin:0614141.107346.SPLIT';
    await store.recordEvents(
      [
        packRecord(LOT, { farm: FARM_A, packhouse: PACK_A, commodity: 'strawberry', description: 'Strawberries' }),
        shipRecord('ship-s1', LOT, { from: PACK_A, to: STORE_1, day: 2, time: '05:00', quantity: 100 }),
        shipRecord('ship-s2', LOT, { from: PACK_A, to: STORE_2, day: 2, time: '05:00', quantity: 300 }),
        receiveRecord(LOT, { from: PACK_A, at: STORE_1, day: 2, time: '08:00', quantity: 100 }),
        receiveRecord(LOT, { from: PACK_A, at: STORE_2, day: 2, time: '08:00', quantity: 300 }),
      ].map(parseCteRecord),
      T0,
    );
    const packedAt = ms(1, '14:00');
    const splitAt = ms(2, '08:00');
    expect((await store.lotCustody(LOT)).filter((c) => c.toTs === undefined).map((c) => c.location)).toEqual([STORE_1, STORE_2]);
    // 15 h at the packhouse at 4 °C, then the same 12 h at each store (two rounds of 6 h).
    const packhouse = readings(PACK_A, packedAt, 91, () => 4, () => 90);
    const cold = (from: number, n: number) => readings(STORE_1, from, n, () => 2, () => 90);
    const warm = (from: number, n: number) => readings(STORE_2, from, n, () => 10, () => 90);
    await send([...packhouse, ...cold(splitAt, 37), ...warm(splitAt, 37)]);
    const all = await committed();
    await consumer.consume(all);
    const later = splitAt + 36 * 10 * MINUTE;
    await send([...cold(later + 10 * MINUTE, 36), ...warm(later + 10 * MINUTE, 36)]);
    const rounds = await committed();
    await consumer.consume(rounds.slice(all.length));
    const [got] = await store.lotFreshness([LOT]);
    await consumer.consume(rounds); // redelivered: nothing changes
    expect(await store.lotFreshness([LOT])).toEqual([got]);

    const c = commodity('strawberry');
    const inPackhouse = stepsOf(packhouse, c.rhBest).filter((_, i) => packhouse[i + 1]!.ts <= ms(2, '05:00'));
    const atStore = (rs: Reading[]) => stepsOf(rs, c.rhBest).filter((_, i) => rs[i + 1]!.ts > splitAt);
    const warmAll = [...warm(splitAt, 37), ...warm(later + 10 * MINUTE, 36)];
    const expected = predict(undefined, [...inPackhouse, ...atStore(warmAll)], parameterRow(c));
    expect(got!.usedFraction).toBeCloseTo(expected.state[0]!, 5);
    expect(got!.waterLossPct).toBeCloseTo(expected.state[1]!, 5);
    expect(got!.quality).toBeCloseTo(expected.quality, 4);
    expect(got!.remainingDays).toBeCloseTo(expected.remainingDays, 4);
    expect(got!.throughTs).toBe(warmAll.at(-1)!.ts);
    // Both stores' hours one after the other would have used more of the shelf life.
    const coldAll = [...cold(splitAt, 37), ...cold(later + 10 * MINUTE, 36)];
    const summed = predict(undefined, [...inPackhouse, ...atStore(coldAll), ...atStore(warmAll)], parameterRow(c));
    expect(summed.state[0]!).toBeGreaterThan(expected.state[0]! + 0.05);
  });

  describe('lot alerts', () => {
    /** Sends readings and has the consumer take every batch not yet handled (a round). */
    let handled = 0;
    beforeEach(() => {
      handled = 0;
    });
    const round = async (rs: Reading[]) => {
      await send(rs);
      const all = await committed();
      await consumer.consume(all.slice(handled));
      handled = all.length;
    };
    const alerts = (kind: 'chilling_exposure' | 'arrival_below_minimum') => store.listAlerts({ kind, limit: 10 });

    it('raises one chilling_exposure alert for a banana lot held at 5 °C, however many rounds and redeliveries', async () => {
      await store.createLot({ id: 'LOT-B', commodity: 'banana-green', createdAt: T0 - MINUTE, location: 'ripening-room' });
      await round(readings('ripening-room', T0, 13, () => 13.5)); // 2 h at its best temperature
      expect(await alerts('chilling_exposure')).toEqual([]);

      const start = T0 + 2 * HOUR + 10 * MINUTE;
      await round(readings('ripening-room', start, 13, () => 5));
      await round(readings('ripening-room', start + 13 * 10 * MINUTE, 13, () => 5));
      await round(readings('ripening-room', start + 26 * 10 * MINUTE, 13, () => 5));
      await consumer.consume(await committed()); // every round redelivered

      const [got] = await store.lotFreshness(['LOT-B']);
      expect(got!.chillDegreeHours).toBeGreaterThan(6 * 7 - 1); // ~6 h at 7 °C below the 12 °C threshold
      const raised = await alerts('chilling_exposure');
      expect(raised).toHaveLength(1);
      expect(raised[0]).toMatchObject({ severity: 'warning', status: 'open', subject: 'LOT-B', dedupeKey: 'chilling:LOT-B', occurrences: 1 });
      expect(raised[0]!.details).toMatchObject({ lot: 'LOT-B', commodity: 'banana-green', locations: ['ripening-room'], chillingThresholdC: 12 });
      expect(raised[0]!.details.chillDegreeHours).toBeGreaterThan(0);
      expect(raised[0]!.message).toContain('below its chilling threshold of 12 °C at ripening-room');
    });

    it('escalates the same chilling alert to critical once the dose reaches the injury dose, and never resolves it', async () => {
      await store.createLot({ id: 'LOT-B', commodity: 'banana-green', createdAt: T0 - MINUTE, location: 'reefer-3' });
      const injury = chillingInjuryDose(commodity('banana-green'))!; // 24 h × 28 d / 0.5 = 1344 °C·h
      expect(injury).toBeCloseTo(1344, 6);
      // Hourly readings at 2 °C (10 °C below the threshold): 10 h, then 140 h more.
      const hourly = (from: number, count: number) => Array.from({ length: count }, (_, i) => testReading({ location: 'reefer-3', ts: from + i * HOUR, tempC: 2, rh: 92 }));
      await round(hourly(T0, 11));
      expect((await alerts('chilling_exposure'))[0]).toMatchObject({ severity: 'warning', occurrences: 1 });
      await round(hourly(T0 + 11 * HOUR, 140));
      expect((await store.lotFreshness(['LOT-B']))[0]!.chillDegreeHours).toBeGreaterThan(injury);
      const [alert] = await alerts('chilling_exposure');
      expect(alert).toMatchObject({ severity: 'critical', status: 'open', occurrences: 2 });
      expect(alert!.message).toContain('expect visible injury');
      expect(await store.listAlerts({ kind: 'chilling_exposure', status: ['resolved'], limit: 10 })).toEqual([]);
    });

    it('raises no chilling alert for an apple lot at 0 °C (not chilling-sensitive)', async () => {
      await store.createLot({ id: 'LOT-A', commodity: 'apple', createdAt: T0 - MINUTE, location: 'ca-room' });
      await round(readings('ca-room', T0, 30, () => 0));
      await round(readings('ca-room', T0 + 30 * 10 * MINUTE, 30, () => -0.5));
      expect((await store.lotFreshness(['LOT-A']))[0]!.chillDegreeHours).toBe(0);
      expect(await alerts('chilling_exposure')).toEqual([]);
    });

    it('raises arrival_below_minimum when warm readings push a shipment below the minimum, and resolves it when the prediction recovers', async () => {
      await store.createLot({ id: 'LOT-L', commodity: 'lettuce-iceberg', createdAt: T0 - MINUTE, location: 'dock-2' });
      // Recorded at T0: 96 h of transit at 10 °C from a fresh lot leave 24.5 − 4 × 2.8 = 13.3 days ≥ 10.
      await store.createShipment({ id: 'SH-1', lot: 'LOT-L', destination: 'store-12', eta: T0 + 96 * HOUR, transitTempC: 10, minDaysOnArrival: 10, createdAt: T0 });
      // Already arrived (ETA before the readings end) and one without a minimum: never alerted.
      await store.createShipment({ id: 'SH-PAST', lot: 'LOT-L', destination: 'store-9', eta: T0 + HOUR, transitTempC: 10, minDaysOnArrival: 100, createdAt: T0 });
      await store.createShipment({ id: 'SH-NOMIN', lot: 'LOT-L', destination: 'store-8', eta: T0 + 96 * HOUR, transitTempC: 30, createdAt: T0 });

      // 24 h on a warm dock at 25 °C: 6.8 days used, 72 h of transit left (8.4 days) → 9.3 days on arrival.
      await round(readings('dock-2', T0, 145, () => 25));
      const [raised] = await alerts('arrival_below_minimum');
      expect(await alerts('arrival_below_minimum')).toHaveLength(1);
      expect(raised).toMatchObject({ severity: 'warning', status: 'open', subject: 'LOT-L', dedupeKey: 'arrival:SH-1', lastSeenAt: T0 + 24 * HOUR });
      expect(raised!.details).toMatchObject({ shipment: 'SH-1', lot: 'LOT-L', destination: 'store-12', minDaysOnArrival: 10 });
      expect(raised!.details.predictedDays).toBeCloseTo(9.34, 1);
      expect(raised!.message).toContain('lot LOT-L (Lettuce, iceberg) to store-12, ETA 2026-01-19T08:00:00.000Z: predicted 9.3 days');
      expect(raised!.message).toContain('minimum of 10 days');

      // Another warm hour: still below, no second raise.
      await round(readings('dock-2', T0 + 24 * HOUR + 10 * MINUTE, 6, () => 25));
      expect((await alerts('arrival_below_minimum'))[0]).toMatchObject({ status: 'open', occurrences: 1 });

      // Then 48 h at 0 °C instead of the planned 10 °C: the remaining transit shrinks faster than
      // the lot ages, and the prediction is back above 10 days.
      await round(readings('dock-2', T0 + 25 * HOUR + 10 * MINUTE, 289, () => 0));
      const [resolved] = await alerts('arrival_below_minimum');
      expect(resolved).toMatchObject({ dedupeKey: 'arrival:SH-1', status: 'resolved', resolvedAt: T0 + 73 * HOUR + 10 * MINUTE });
      expect(resolved!.resolvedBy).toBeUndefined();
      await consumer.consume(await committed()); // redelivered: nothing changes
      expect(await alerts('arrival_below_minimum')).toEqual([resolved]);
    });
  });
});
