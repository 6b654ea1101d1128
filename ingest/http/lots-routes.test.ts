/**
 * Lots over HTTP: create, move, shelf life before and after readings (through the real
 * shelf-life consumer and ONNX model), and FEFO at a location.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.js';
import { ShelfLifeModel } from '../../models/runner.js';
import { ShelfLifeConsumer } from '../shelf-life/consumer.js';
import { T0, TestGateway, envelopeBytes, testReading } from '../test-helpers.js';
import { openTestApi, type TestApi } from './test-api.js';

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe('HTTP API: lots', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await openTestApi({ limits: { maxClockSkewMs: 1e12 } });
  });
  afterEach(() => api.close());

  const post = (url: string, payload: object) => api.app.inject({ method: 'POST', url: `/api/v1${url}`, payload });
  const get = (url: string) => api.app.inject(`/api/v1${url}`);

  it('creates a lot once, refuses an unknown commodity or another commodity under the id, and records moves', async () => {
    const created = await post('/lots', { id: 'LOT-1', commodity: 'strawberry', location: 'farm-cooler', at: iso(T0), label: 'field 7' });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({ id: 'LOT-1', commodity: 'strawberry', label: 'field 7', createdAt: iso(T0), custody: [{ location: 'farm-cooler', from: iso(T0) }] });
    expect((await post('/lots', { id: 'LOT-1', commodity: 'strawberry', location: 'farm-cooler' })).statusCode).toBe(200);
    const conflict = await post('/lots', { id: 'LOT-1', commodity: 'apple', location: 'x' });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().error.message).toContain('exists with commodity strawberry');
    const unknown = await post('/lots', { id: 'LOT-2', commodity: 'durian', location: 'x' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.message).toContain('known: lettuce-iceberg');

    const moved = await post('/lots/LOT-1/moves', { location: 'truck-7', at: iso(T0 + HOUR) });
    expect(moved.json().custody).toEqual([
      { location: 'farm-cooler', from: iso(T0), to: iso(T0 + HOUR) },
      { location: 'truck-7', from: iso(T0 + HOUR) },
    ]);
    const late = await post('/lots/LOT-1/moves', { location: 'dc', at: iso(T0) });
    expect(late.statusCode).toBe(409);
    expect(late.json().error.message).toContain('at truck-7 since');
    expect((await post('/lots/NOPE/moves', { location: 'dc' })).statusCode).toBe(404);
    expect((await get('/commodities')).json().commodities).toContainEqual({ id: 'strawberry', name: 'Strawberry', bestTempC: 0, bestRh: 92, shelfLifeDays: 6 });
  });

  it('reports shelf life from the readings, and orders a location\'s lots first expired, first out', async () => {
    await post('/lots', { id: 'BERRIES', commodity: 'strawberry', location: 'cold-room-1', at: iso(T0 - HOUR) });
    await post('/lots', { id: 'APPLES', commodity: 'apple', location: 'cold-room-1', at: iso(T0 - HOUR) });
    const before = (await get('/lots/BERRIES/shelf-life')).json();
    expect(before.freshness).toMatchObject({ remainingDays: 6, quality: 10, flags: ['no_readings'] });

    const gw = new TestGateway('gw-1');
    await api.pipeline.enroll({ id: gw.id, publicKey: gw.publicKey });
    // 12 hours at 8 °C.
    const readings = Array.from({ length: 13 }, (_, i) => testReading({ location: 'cold-room-1', ts: T0 + i * HOUR, tempC: 8, rh: 90 }));
    expect((await api.pipeline.submit(envelopeBytes(gw.next(readings)), { transport: 'http' })).status).toBe('accepted');
    const consumer = new ShelfLifeConsumer({ store: api.store, loadModel: () => ShelfLifeModel.load(), logger: silentLogger() });
    await consumer.consume(await api.store.committedBatchesAfter(0, 10));
    await consumer.close();

    const after = (await get('/lots/BERRIES/shelf-life')).json();
    // 12 h at 8 °C with Q10 4.7 below 10 °C: rate 4.7^0.8 ≈ 3.45, so 12 h use 12 × 3.45 / 144 ≈ 0.29 of 6 days.
    expect(after.freshness.usedFraction).toBeCloseTo((12 * Math.pow(4.7, 0.8)) / 144, 3);
    expect(after.freshness.remainingDays).toBeCloseTo(6 * (1 - after.freshness.usedFraction - 0), 1);
    expect(after.freshness.through).toBe(iso(T0 + 12 * HOUR));
    expect(after.history).toHaveLength(1);

    const fefo = (await get('/locations/cold-room-1/fefo')).json();
    expect(fefo.lots.map((l: { id: string }) => l.id)).toEqual(['BERRIES', 'APPLES']);
    expect((await get('/locations/empty/fefo')).json()).toEqual({ location: 'empty', lots: [] });
    expect((await get('/lots/NOPE/shelf-life')).statusCode).toBe(404);
  });

  it('predicts the shelf life left on arrival at the planned transit temperature, and flags one below the receiver\'s minimum', async () => {
    await api.close();
    api = await openTestApi({ now: () => T0 });
    await post('/lots', { id: 'BERRIES', commodity: 'strawberry', location: 'farm-cooler' });
    const warm = await post('/shipments', { id: 'SH-WARM', lot: 'BERRIES', destination: 'store-12', eta: iso(T0 + 24 * HOUR), transitTempC: 10, minDaysOnArrival: 2 });
    expect(warm.statusCode).toBe(201);
    // 24 h at 10 °C with Q10 4.7 use 4.7 days' worth of a 6-day life: 1.3 days left.
    expect(warm.json().arrival.remainingDays).toBeCloseTo(6 - 4.7, 3);
    expect(warm.json().arrival.belowMinimum).toBe(true);
    const cold = await post('/shipments', { id: 'SH-COLD', lot: 'BERRIES', destination: 'store-13', eta: iso(T0 + 24 * HOUR), transitTempC: 0, minDaysOnArrival: 2 });
    expect(cold.json().arrival).toMatchObject({ belowMinimum: false });
    expect(cold.json().arrival.remainingDays).toBeCloseTo(5, 3);
    expect((await post('/shipments', { id: 'SH-COLD', lot: 'BERRIES', destination: 'store-13', eta: iso(T0 + 24 * HOUR), transitTempC: 0, minDaysOnArrival: 2 })).statusCode).toBe(200);
    expect((await post('/shipments', { id: 'SH-COLD', lot: 'BERRIES', destination: 'elsewhere', eta: iso(T0 + 24 * HOUR), transitTempC: 0 })).statusCode).toBe(409);
    expect((await post('/shipments', { id: 'SH-X', lot: 'NOPE', destination: 'x', eta: iso(T0), transitTempC: 0 })).statusCode).toBe(404);
    const view = (await get('/lots/BERRIES/shelf-life')).json();
    expect(view.shipments.map((s: { id: string; arrival: { belowMinimum: boolean } }) => [s.id, s.arrival.belowMinimum])).toEqual([
      ['SH-COLD', false],
      ['SH-WARM', true],
    ]);
  });

  it('raises arrival_below_minimum when a shipment is recorded below the receiver\'s minimum; colder readings than planned resolve it', async () => {
    await api.close();
    let clock = T0;
    api = await openTestApi({ now: () => clock, limits: { maxClockSkewMs: 1e12 } });
    await post('/lots', { id: 'BERRIES', commodity: 'strawberry', location: 'farm-cooler' });
    const alerts = () => api.store.listAlerts({ kind: 'arrival_below_minimum', limit: 10 });

    // 1.3 days left on arrival against a minimum of 1 day: met, no alert.
    expect((await post('/shipments', { id: 'SH-OK', lot: 'BERRIES', destination: 'store-13', eta: iso(T0 + 24 * HOUR), transitTempC: 10, minDaysOnArrival: 1 })).statusCode).toBe(201);
    expect((await post('/shipments', { id: 'SH-NOMIN', lot: 'BERRIES', destination: 'store-14', eta: iso(T0 + 48 * HOUR), transitTempC: 20 })).statusCode).toBe(201);
    expect(await alerts()).toEqual([]);

    const body = { id: 'SH-WARM', lot: 'BERRIES', destination: 'store-12', eta: iso(T0 + 24 * HOUR), transitTempC: 10, minDaysOnArrival: 2 };
    const warm = await post('/shipments', body);
    expect(warm.statusCode).toBe(201);
    expect(warm.json().arrival.belowMinimum).toBe(true);
    const [alert] = await alerts();
    expect(alert).toMatchObject({ kind: 'arrival_below_minimum', severity: 'warning', status: 'open', subject: 'BERRIES', dedupeKey: 'arrival:SH-WARM', openedAt: T0, occurrences: 1 });
    expect(alert!.message).toContain('lot BERRIES (Strawberry) to store-12, ETA 2026-01-16T08:00:00.000Z: predicted 1.3 days of shelf life on arrival, below the receiver\'s minimum of 2 days');
    expect((await post('/shipments', body)).statusCode).toBe(200); // repeated: the same alert, bumped
    expect(await alerts()).toMatchObject([{ id: alert!.id, status: 'open', occurrences: 2 }]);

    // The berries then spend 20 h at 0 °C instead of 10 °C: with 4 h of transit left, the
    // shelf-life consumer predicts 6 − 20/24 − 4.7/6 ≈ 4.4 days on arrival and resolves the alert.
    const gw = new TestGateway('gw-1');
    await api.pipeline.enroll({ id: gw.id, publicKey: gw.publicKey });
    const readings = Array.from({ length: 21 }, (_, i) => testReading({ location: 'farm-cooler', ts: T0 + i * HOUR, tempC: 0, rh: 92 }));
    expect((await api.pipeline.submit(envelopeBytes(gw.next(readings)), { transport: 'http' })).status).toBe('accepted');
    const consumer = new ShelfLifeConsumer({ store: api.store, loadModel: () => ShelfLifeModel.load(), logger: silentLogger() });
    await consumer.consume(await api.store.committedBatchesAfter(0, 10));
    await consumer.close();
    expect(await alerts()).toMatchObject([{ id: alert!.id, status: 'resolved', resolvedAt: T0 + 20 * HOUR }]);
    clock = T0 + 20 * HOUR;
    const view = (await get('/lots/BERRIES/shelf-life')).json();
    expect(view.shipments.find((s: { id: string }) => s.id === 'SH-WARM').arrival.belowMinimum).toBe(false);

    // A repeated request that predicts the minimum met resolves an open alert of the shipment too.
    await api.store.raiseAlert({ kind: 'arrival_below_minimum', severity: 'warning', dedupeKey: 'arrival:SH-WARM', message: 'raised again for the test', at: T0 + 20 * HOUR });
    expect((await post('/shipments', body)).json().arrival.belowMinimum).toBe(false);
    expect((await alerts()).map((a) => a.status)).toEqual(['resolved', 'resolved']);
  });
});
