/**
 * The time-series sink against a real VictoriaMetrics (its InfluxDB v2 write API): readings of
 * real signed batches committed to a SQLite store come back through /api/v1/export with the
 * same values and timestamps; an outage loses nothing and doubles nothing. Skipped with a
 * notice without victoria-metrics, a failure under CI=true.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { skipWithoutTool } from '../../test/support/tools.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite.js';
import type { BatchMeta, StoredReading } from '../store/types.js';
import { silentLogger } from '../../common/log.js';
import { defaultIngestConfig } from '../config.js';
import { startIngest } from '../service.js';
import { envelopeBytes, TestGateway, tempDir, testReadings } from '../test-helpers.js';
import { InfluxSink, INFLUX_MEASUREMENT } from './influx-sink.js';
import { ConsumerRunner } from './runner.js';
import { freePort, VictoriaMetrics, type ExportedSeries } from './test-victoria-metrics.js';

const skip = skipWithoutTool('victoria-metrics');
const meta: BatchMeta = { receivedAt: Date.now(), transport: 'mqtt', flags: { gap: false } };
// Recent timestamps, whole milliseconds: what the sink writes at ms precision.
const START = Date.now() - 3_600_000;

/** One sample per (series, reading): `{gateway}/{location}/{sensor}/{field}@{ts}` → value. */
function samples(series: ExportedSeries[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const s of series) {
    const field = s.metric.__name__!.slice(INFLUX_MEASUREMENT.length + 1);
    s.timestamps.forEach((ts, i) => {
      const key = `${s.metric.gateway}/${s.metric.location}/${s.metric.sensor}/${field}@${ts}`;
      out.set(key, [...(out.get(key) ?? []), s.values[i]!]);
    });
  }
  return out;
}

function expected(readings: StoredReading[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const r of readings) {
    const fields: Array<[string, number | undefined]> = [['temp_c', r.tempC], ['rh', r.rh], ['battery', r.battery]];
    for (const [field, value] of fields) if (value !== undefined) out.set(`${r.gateway}/${r.location}/${r.sensor}/${field}@${r.ts}`, [value]);
  }
  return out;
}

describe.skipIf(skip)('InfluxSink against VictoriaMetrics', () => {
  let tmp: { dir: string; cleanup: () => void };
  let vm: VictoriaMetrics;
  let store: SqliteStore;
  let gw: TestGateway;
  const selector = `{__name__=~"${INFLUX_MEASUREMENT}_.*"}`;

  beforeEach(async () => {
    tmp = tempDir('freshtrail-vm-');
    vm = new VictoriaMetrics(join(tmp.dir, 'vm'), await freePort());
    await vm.start();
    store = openSqliteStore({ path: join(tmp.dir, 'ingest.sqlite') });
    gw = new TestGateway('gw-vm');
    await store.enrollGateway({ id: gw.id, publicKey: gw.publicKey, enrolledAt: START });
  });
  afterEach(async () => {
    await vm.stop();
    await store.close();
    tmp.cleanup();
  });

  const commit = async (count: number, from: number): Promise<void> => {
    for (let i = 0; i < count; i++) {
      const readings = [
        ...testReadings(5, { ts: from + i * 300_000 + 7, location: 'cold-room-1', sensor: 's1' }),
        ...testReadings(3, { ts: from + i * 300_000 + 11, location: 'dock', sensor: 's2', battery: 3.61 }).map((r) => ({ ...r, rh: undefined })),
      ];
      await store.commitBatch(gw.next(readings), meta);
    }
  };
  const allReadings = async (): Promise<StoredReading[]> => (await store.committedBatchesAfter(0, 1000)).flatMap((b) => b.readings);
  const sink = (batchSize = 1000): InfluxSink => new InfluxSink({ url: vm.url, org: 'freshtrail', bucket: 'readings', batchSize });

  it('writes every reading as a point with exact values and ms timestamps, idempotently', async () => {
    await commit(4, START);
    const consumer = sink(7); // several requests per round
    const runner = new ConsumerRunner({ store, consumer, batchesPerRound: 3 });
    expect(await runner.runOnce()).toBe(3);
    expect(await runner.runOnce()).toBe(1);
    expect(await runner.runOnce()).toBe(0);
    const readings = await allReadings();
    expect(readings).toHaveLength(32);
    expect(samples(await vm.export(selector))).toEqual(expected(readings));

    // Replay from 0 (a rewound cursor): the same points, still one sample each.
    await store.setConsumerCursor(consumer.name, 0);
    expect(await runner.runOnce()).toBe(3);
    expect(await runner.runOnce()).toBe(1);
    expect(samples(await vm.export(selector))).toEqual(expected(readings));
    await runner.stop();
  });

  it('loses nothing in an outage: the cursor stays, the sink catches up once the server is back', async () => {
    await commit(2, START);
    const consumer = sink();
    const runner = new ConsumerRunner({ store, consumer, pollIntervalMs: 20, initialBackoffMs: 20, maxBackoffMs: 100 });
    runner.start();
    const last = async (): Promise<number> => (await store.committedBatchesAfter(0, 1000)).at(-1)!.position;
    await expect.poll(async () => store.getConsumerCursor(consumer.name), { timeout: 5000 }).toBe(await last());

    await vm.stop();
    await commit(3, START + 1_800_000);
    const cursorDuringOutage = await store.getConsumerCursor(consumer.name);
    await new Promise((r) => setTimeout(r, 300)); // several failed rounds
    expect(await store.getConsumerCursor(consumer.name)).toBe(cursorDuringOutage);
    expect(cursorDuringOutage).toBeLessThan(await last());

    await vm.start(); // same storage directory
    await expect.poll(async () => store.getConsumerCursor(consumer.name), { timeout: 10_000 }).toBe(await last());
    await runner.stop();
    const readings = await allReadings();
    expect(readings).toHaveLength(40);
    expect(samples(await vm.export(selector))).toEqual(expected(readings));
  });

  it('runs in the ingest service when sinks.influx is configured, and stops with it', async () => {
    const config = defaultIngestConfig({
      dataDir: join(tmp.dir, 'service'),
      http: { port: 0 },
      mqtt: { embedded: { port: 0 } },
      logLevel: 'silent',
      sinks: { influx: { url: vm.url, org: 'freshtrail', bucket: 'readings', batchSize: 100 } },
    });
    const handle = await startIngest(config, { logger: silentLogger() });
    try {
      const sgw = new TestGateway('gw-service');
      await handle.pipeline.enroll({ id: sgw.id, publicKey: sgw.publicKey });
      const sealed = sgw.next(testReadings(4, { ts: START + 99 }));
      expect((await handle.pipeline.submit(envelopeBytes(sealed), { transport: 'http' })).status).toBe('accepted');
      const want = expected((await handle.store.committedBatchesAfter(0, 10)).flatMap((b) => b.readings));
      await expect.poll(async () => samples(await vm.export(`{__name__=~"${INFLUX_MEASUREMENT}_.*", gateway="gw-service"}`)), { timeout: 10_000 }).toEqual(want);
      await expect.poll(async () => (await handle.metrics.registry.getSingleMetricAsString('freshtrail_consumer_lag_batches')), { timeout: 5000 }).toMatch(/consumer="influx"} 0/);
    } finally {
      await handle.close();
    }
  });
});
