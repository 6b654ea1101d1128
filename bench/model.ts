/**
 * `freshtrail bench model`: the shelf-life model (models/) as the ingest will drive it.
 *  - steps_per_s: reading-steps per second through one evaluation, batched (1,024 lots × 1,024
 *    steps per call), in onnxruntime-node on one thread (`impl: onnx`) and in the TypeScript
 *    reference implementation (`impl: reference`).
 *  - lot_updates_per_s: lots updated per second when many lots (10,000) each get a new window of
 *    12 steps in one call — new readings arriving for many lots at once.
 *  - lot_update_ms: p99 of one call updating one lot with one new batch of 100 steps.
 * These are model time only; benchLotUpdatesWithStore measures the same through the
 * shelf-life consumer with its store reads and writes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../common/log.js';
import { defaultIngestConfig } from '../ingest/config.js';
import { IngestMetrics } from '../ingest/metrics.js';
import { IngestPipeline } from '../ingest/pipeline.js';
import { ShelfLifeConsumer } from '../ingest/shelf-life/consumer.js';
import { openSqliteStore } from '../ingest/store/sqlite.js';
import type { CommittedBatch } from '../ingest/store/types.js';
import { encodeEnvelope, GENESIS_PREV, sealBatch } from '../protocol/batch.js';
import { keyPairFromSeed } from '../protocol/keys.js';
import type { Reading } from '../protocol/reading.js';
import { COMMODITIES, parameterRow } from '../models/commodities.js';
import { advance } from '../models/reference.js';
import { ShelfLifeModel, type ModelBatch } from '../models/runner.js';
import { PARAM_COUNT, STATE_COUNT } from '../models/signature.js';
import { percentile, rate, type Report, round } from './report.js';

/** A deterministic batch: lots cycle through the commodities, temperatures drift around 4 °C. */
function syntheticBatch(lots: number, steps: number): ModelBatch {
  const tempC = new Float32Array(lots * steps);
  const rh = new Float32Array(lots * steps);
  const dtH = new Float32Array(lots * steps);
  const params = new Float32Array(lots * PARAM_COUNT);
  for (let lot = 0; lot < lots; lot++) {
    params.set(parameterRow(COMMODITIES[lot % COMMODITIES.length]!), lot * PARAM_COUNT);
    for (let s = 0; s < steps; s++) {
      const i = lot * steps + s;
      tempC[i] = 4 + 6 * Math.sin((lot + s) / 50);
      rh[i] = 85 + 10 * Math.cos((lot * 7 + s) / 30);
      dtH[i] = 1 / 60;
    }
  }
  return { tempC, rh, dtH, params, state: new Float32Array(lots * STATE_COUNT), lots, steps };
}

/** The 99th percentile of some samples (sorts them). */
const p99 = (samples: number[]): number => percentile(samples.sort((a, b) => a - b), 99);

export async function benchModel(report: Report): Promise<void> {
  const model = await ShelfLifeModel.load();
  try {
    const big = syntheticBatch(1024, 1024);
    await model.evaluate(big); // warm-up
    const onnx = await rate(() => model.evaluate(big), big.lots * big.steps, 3000);
    report({ bench: 'model', metric: 'steps_per_s', value: round(onnx), unit: 'steps/s', impl: 'onnx', lots: big.lots, steps: big.steps, threads: 1 });

    const rows = Array.from({ length: big.lots }, (_, lot) => Array.from(big.params.subarray(lot * PARAM_COUNT, (lot + 1) * PARAM_COUNT)));
    const histories = Array.from({ length: big.lots }, (_, lot) =>
      Array.from({ length: big.steps }, (_, s) => ({ tempC: big.tempC[lot * big.steps + s]!, rh: big.rh[lot * big.steps + s]!, dtH: big.dtH[lot * big.steps + s]! })),
    );
    const reference = await rate(
      () => {
        for (let lot = 0; lot < big.lots; lot++) advance([0, 0, 0], histories[lot]!, rows[lot]!);
      },
      big.lots * big.steps,
      3000,
    );
    report({ bench: 'model', metric: 'steps_per_s', value: round(reference), unit: 'steps/s', impl: 'reference', lots: big.lots, steps: big.steps });

    const many = syntheticBatch(10_000, 12);
    await model.evaluate(many);
    const updates = await rate(() => model.evaluate(many), many.lots, 3000);
    report({ bench: 'model', metric: 'lot_updates_per_s', value: round(updates), unit: 'lots/s', impl: 'onnx', lots: many.lots, stepsPerLot: many.steps, scope: 'model only' });

    const one = syntheticBatch(1, 100);
    const samples: number[] = [];
    for (let i = 0; i < 200; i++) await model.evaluate(one); // warm-up
    for (let i = 0; i < 5000; i++) {
      const start = performance.now();
      await model.evaluate(one);
      samples.push(performance.now() - start);
    }
    report({ bench: 'model', metric: 'lot_update_ms', value: round(p99(samples), 3), unit: 'ms', percentile: 99, impl: 'onnx', stepsPerLot: one.steps, calls: samples.length, scope: 'model only' });
  } finally {
    await model.close();
  }
}

/**
 * The same two figures through the shelf-life consumer on a real SQLite store (synchronous
 * FULL): reading the series positions, custody and lot state, the model call, and the one
 * transaction that writes series, freshness and history. Batches are committed beforehand;
 * only the consumer's work is timed.
 */
export async function benchLotUpdatesWithStore(report: Report): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ft-bench-model-'));
  const store = openSqliteStore({ path: join(dir, 'ingest.sqlite') });
  const metrics = new IngestMetrics();
  const pipeline = new IngestPipeline({ store, metrics, logger: silentLogger(), limits: { ...defaultIngestConfig().limits, gatewayRate: undefined, maxClockSkewMs: 1e12 } });
  const consumer = new ShelfLifeConsumer({ store, loadModel: () => ShelfLifeModel.load(), logger: silentLogger() });
  try {
    const keys = keyPairFromSeed('5a'.repeat(32));
    await pipeline.enroll({ id: 'bench-gw', publicKey: keys.publicKeyHex });
    let seq = 0;
    let prev = GENESIS_PREV;
    let position = 0;
    /** Commits one batch and returns it as the consumer will see it. */
    const commit = async (readings: Reading[]): Promise<CommittedBatch[]> => {
      const sealed = sealBatch({ v: 1, gateway: 'bench-gw', seq: ++seq, prev, createdAt: Date.now(), readings }, keys.privateKey);
      prev = sealed.id;
      const ack = await pipeline.submit(encodeEnvelope(sealed), { transport: 'http' });
      if (ack.status !== 'accepted') throw new Error(`bench model: batch ${seq} was ${ack.status}`);
      const batches = await store.committedBatchesAfter(position, 1000);
      position = batches.at(-1)?.position ?? position;
      return batches;
    };
    const at = (location: string, i: number): Reading => ({ sensor: `${location}-s`, location, ts: T_START + i * 60_000, tsSource: 'device', tempC: 3 + (i % 5), rh: 90, src: 'bench' });

    // Many lots at once: 1,000 locations × 10 lots, one batch of 13 readings per location.
    const locations = Array.from({ length: 1000 }, (_, l) => `room-${l}`);
    for (const [l, location] of locations.entries()) {
      for (let k = 0; k < 10; k++) await store.createLot({ id: `lot-${l}-${k}`, commodity: COMMODITIES[(l + k) % COMMODITIES.length]!.id, createdAt: T_START - 60_000, location });
    }
    const committed: CommittedBatch[] = [];
    for (let b = 0; b < locations.length; b += 50) committed.push(...(await commit(locations.slice(b, b + 50).flatMap((location) => Array.from({ length: 13 }, (_, i) => at(location, i))))));
    const start = performance.now();
    await consumer.consume(committed);
    const seconds = (performance.now() - start) / 1000;
    report({ bench: 'model', metric: 'lot_updates_per_s', value: round((locations.length * 10) / seconds), unit: 'lots/s', impl: 'onnx', lots: locations.length * 10, stepsPerLot: 12, scope: 'consumer: store + model', store: 'sqlite' });

    // One lot, one new batch at a time.
    await store.createLot({ id: 'single', commodity: 'strawberry', createdAt: T_START - 60_000, location: 'single-room' });
    const samples: number[] = [];
    for (let n = 0; n < 300; n++) {
      const batch = await commit(Array.from({ length: 100 }, (_, i) => at('single-room', 1000 + n * 100 + i)));
      const t = performance.now();
      await consumer.consume(batch);
      if (n >= 50) samples.push(performance.now() - t); // after warm-up
    }
    report({ bench: 'model', metric: 'lot_update_ms', value: round(p99(samples), 3), unit: 'ms', percentile: 99, impl: 'onnx', stepsPerLot: 100, calls: samples.length, scope: 'consumer: store + model', store: 'sqlite', synchronous: 'FULL' });
  } finally {
    await consumer.close();
    await pipeline.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const T_START = Date.UTC(2026, 0, 1);
