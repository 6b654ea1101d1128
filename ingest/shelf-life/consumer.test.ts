/**
 * The shelf-life consumer on a real SQLite store fed through the real pipeline and the real
 * ONNX model: a lot's freshness equals the reference model over the steps its location's
 * readings make; a lot moved mid-stream takes steps from each location for the time it was
 * there; a redelivered round changes nothing.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.js';
import { commodity, parameterRow } from '../../models/commodities.js';
import { predict, type Step } from '../../models/reference.js';
import { ShelfLifeModel } from '../../models/runner.js';
import { IngestMetrics } from '../metrics.js';
import { IngestPipeline } from '../pipeline.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite.js';
import type { Reading } from '../../protocol/reading.js';
import { T0, TestGateway, envelopeBytes, tempDir, testReading } from '../test-helpers.js';
import { ShelfLifeConsumer } from './consumer.js';

const MINUTE = 60_000;

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
});
