/**
 * `freshtrail bench ingest`: the ingest's verify-and-commit path as the transports drive it,
 * for one gateway sending in order and for several gateways at once, with each synchronous mode.
 *
 * What a figure includes: for every envelope (200 readings, pre-signed so that signing is not
 * counted), IngestPipeline.submit does the whole path an HTTP or MQTT envelope takes: decode
 * (UTF-8, JSON.parse, shape check), canonical re-serialization and SHA-256 id, Ed25519 verify,
 * chain checks against the store, and the SQLite commit of the batch bytes and one row per
 * reading, durable (fsync of the WAL) with `FULL` before the Ack resolves. Not included: the
 * network and HTTP/MQTT parsing. Each run uses a fresh database file in the OS temp directory;
 * runs start after a warm-up on another one (JIT), and the figure is the median of
 * {@link RUNS} runs, because fsync latency on a shared machine varies from run to run.
 *
 * In flight: 1 is a sender that waits for each Ack before the next batch (the MQTT transport
 * handles one message at a time); 8 is the edge forwarder's default window
 * (edge forward.maxInFlight), in order, which lets the ingest commit the batches that queue up
 * together (group commit, ingest/commit-group.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../common/log.js';
import { defaultIngestConfig } from '../ingest/config.js';
import { IngestMetrics } from '../ingest/metrics.js';
import { IngestPipeline } from '../ingest/pipeline.js';
import { openSqliteStore } from '../ingest/store/sqlite.js';
import { encodeEnvelope, GENESIS_PREV, sealBatch } from '../protocol/batch.js';
import { keyPairFromSeed } from '../protocol/keys.js';
import { sampleBatch } from './protocol.js';
import { type Report, round } from './report.js';

const READINGS_PER_BATCH = 200;
/** 60,000 readings per run: long enough for checkpoints of the WAL to be part of the figure. */
const READINGS_PER_RUN = 60_000;
const WARM_UP_BATCHES = 100;
const RUNS = 3;

interface Scenario {
  synchronous: 'FULL' | 'NORMAL';
  gateways: number;
  /** Batches each gateway has sent and not yet seen acknowledged. */
  inFlight: number;
}

const SCENARIOS: Scenario[] = (['FULL', 'NORMAL'] as const).flatMap((synchronous) => [
  { synchronous, gateways: 1, inFlight: 1 },
  { synchronous, gateways: 1, inFlight: 8 },
  { synchronous, gateways: 8, inFlight: 1 },
]);

/** Pre-signed envelopes, so the figure is the ingest's cost only. */
function gatewayStream(gateway: string, seed: string, batches: number): Buffer[] {
  const key = keyPairFromSeed(seed);
  const envelopes: Buffer[] = [];
  let prev = GENESIS_PREV;
  for (let seq = 1; seq <= batches; seq++) {
    const sealed = sealBatch({ ...sampleBatch(READINGS_PER_BATCH, seq), gateway, prev }, key.privateKey);
    envelopes.push(encodeEnvelope(sealed));
    prev = sealed.id;
  }
  return envelopes;
}

/** Sends one gateway's stream in order with at most `inFlight` batches unacknowledged. */
async function send(pipeline: IngestPipeline, stream: Buffer[], inFlight: number): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < stream.length) {
      const ack = await pipeline.submit(stream[next++]!, { transport: 'http' });
      if (ack.status !== 'accepted') throw new Error(`bench batch not accepted: ${ack.code} ${ack.reason}`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
}

/** Seconds to submit every stream (one per gateway, all at once) into a fresh store. */
async function timeRun(scenario: Scenario, streams: Array<{ id: string; seed: string; envelopes: Buffer[] }>): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'ft-bench-ingest-'));
  const store = openSqliteStore({ path: join(dir, 'ingest.sqlite'), synchronous: scenario.synchronous });
  // The pipeline alone, without the per-gateway rate limit (limits.gatewayRate), which one bench gateway exceeds by design.
  const pipeline = new IngestPipeline({ store, metrics: new IngestMetrics(), logger: silentLogger(), limits: { ...defaultIngestConfig().limits, gatewayRate: undefined } });
  try {
    await pipeline.init();
    for (const { id, seed } of streams) await pipeline.enroll({ id, publicKey: keyPairFromSeed(seed).publicKeyHex });
    const start = performance.now();
    await Promise.all(streams.map(({ envelopes }) => send(pipeline, envelopes, scenario.inFlight)));
    return (performance.now() - start) / 1000;
  } finally {
    await pipeline.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function benchIngest(report: Report): Promise<void> {
  const warmUp = [{ id: 'bench-warm-up', seed: 'ff'.repeat(32), envelopes: gatewayStream('bench-warm-up', 'ff'.repeat(32), WARM_UP_BATCHES) }];
  for (const inFlight of [1, 8]) await timeRun({ synchronous: 'FULL', gateways: 1, inFlight }, warmUp);
  for (const scenario of SCENARIOS) {
    const batchesPerGateway = Math.ceil(READINGS_PER_RUN / READINGS_PER_BATCH / scenario.gateways);
    const streams = Array.from({ length: scenario.gateways }, (_, g) => {
      const id = `bench-gw-${g}`;
      const seed = String(g + 1).padStart(2, '0').repeat(32);
      return { id, seed, envelopes: gatewayStream(id, seed, batchesPerGateway) };
    });
    const runs: number[] = [];
    for (let run = 0; run < RUNS; run++) runs.push(await timeRun(scenario, streams));
    const seconds = runs.sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
    const batches = scenario.gateways * batchesPerGateway;
    const context = { store: 'sqlite', ...scenario, readingsPerBatch: READINGS_PER_BATCH, runs: RUNS };
    report({ bench: 'ingest', metric: 'verify_commit', value: round((batches * READINGS_PER_BATCH) / seconds), unit: 'readings/s', ...context });
    report({ bench: 'ingest', metric: 'verify_commit_batches', value: round(batches / seconds), unit: 'batches/s', ...context });
  }
}
