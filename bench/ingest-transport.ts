/**
 * The ingest driven the way gateways drive it: simulated gateways with real Ed25519 keys send
 * signed, hash-chained batches of 100 readings over MQTT or HTTP to an ingest running in its
 * own process (the full pipeline: transport, decode, verify, chain checks, SQLite commit with
 * synchronous=FULL, acknowledgement).
 *  - readings_per_s: sustained throughput, each gateway keeping a window of batches in flight
 *    (pre-signed, so the driver's signing does not compete with the ingest for the CPU).
 *  - p50_commit_ms / p99_commit_ms: from a batch's creation (sealing) to its acknowledgement,
 *    which the ingest sends after the commit, with gateways sending at half the sustained rate.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Ack } from '../protocol/ack.js';
import { keyPairFromSeed } from '../protocol/keys.js';
import { startIngestProcess } from './ingest-process.js';
import { SimulatedGateway } from './simulated-gateway.js';
import { type Report, round } from './report.js';

const READINGS_PER_BATCH = 100;
const GATEWAYS = 8;
const WINDOW = 8;
const SUSTAINED_BATCHES_PER_GATEWAY = 400;
const LATENCY_SECONDS = 10;

function expectAccepted(gateway: string, ack: Ack): void {
  if (ack.status !== 'accepted') throw new Error(`bench ingest: ${gateway} batch ${ack.seq} was ${ack.status} (${ack.code ?? ''} ${ack.reason ?? ''})`);
}

/** Sends everything pre-sealed, WINDOW batches in flight per gateway; readings/s overall. */
async function sustained(gateways: SimulatedGateway[]): Promise<number> {
  const streams = gateways.map((g) => Array.from({ length: SUSTAINED_BATCHES_PER_GATEWAY }, () => g.seal()));
  const start = performance.now();
  await Promise.all(
    gateways.map(async (g, i) => {
      const stream = streams[i]!;
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < stream.length) {
          const { seq, envelope } = stream[next++]!;
          expectAccepted(g.id, await g.send(seq, envelope));
        }
      };
      await Promise.all(Array.from({ length: WINDOW }, lane));
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  return (gateways.length * SUSTAINED_BATCHES_PER_GATEWAY * READINGS_PER_BATCH) / seconds;
}

/** Gateways seal and send at a fixed total rate; creation → acknowledgement per batch, in ms. */
async function latencies(gateways: SimulatedGateway[], readingsPerSecond: number): Promise<number[]> {
  const batchesPerSecond = readingsPerSecond / READINGS_PER_BATCH;
  const intervalMs = (1000 * gateways.length) / batchesPerSecond; // per gateway
  const samples: number[] = [];
  const end = Date.now() + LATENCY_SECONDS * 1000;
  await Promise.all(
    gateways.map(async (g, i) => {
      const inFlight = new Set<Promise<void>>();
      let due = Date.now() + (intervalMs * i) / gateways.length; // spread the gateways out
      while (due < end) {
        const wait = due - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const { seq, envelope, createdAt } = g.seal();
        const sent = g.send(seq, envelope).then((ack) => {
          expectAccepted(g.id, ack);
          samples.push(Date.now() - createdAt);
          inFlight.delete(sent);
        });
        inFlight.add(sent);
        due += intervalMs;
      }
      await Promise.all(inFlight);
    }),
  );
  return samples.sort((a, b) => a - b);
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

export async function benchIngestTransports(report: Report): Promise<void> {
  for (const transport of ['mqtt', 'http'] as const) {
    const dir = await mkdtemp(join(tmpdir(), 'ft-bench-ingest-t-'));
    const ingest = await startIngestProcess({ dataDir: join(dir, 'ingest') });
    const gateways = Array.from({ length: GATEWAYS }, (_, g) => new SimulatedGateway({
      id: `bench-gw-${g}`,
      keys: keyPairFromSeed(String(g + 10).padStart(2, '0').repeat(32)),
      transport,
      mqttUrl: ingest.mqttUrl,
      httpUrls: [ingest.httpUrl],
      readingsPerBatch: READINGS_PER_BATCH,
    }));
    try {
      for (const g of gateways) {
        await ingest.enroll(g.id, g.keys.publicKeyHex);
        await g.connect();
      }
      const context = { store: 'sqlite', synchronous: 'FULL', instances: 1, transport, gateways: GATEWAYS, window: WINDOW, readingsPerBatch: READINGS_PER_BATCH };
      const rate = await sustained(gateways);
      report({ bench: 'ingest', metric: 'readings_per_s', value: round(rate), unit: 'readings/s', ...context });
      const sorted = await latencies(gateways, rate / 2);
      const half = { ...context, offeredReadingsPerSecond: round(rate / 2), batches: sorted.length };
      report({ bench: 'ingest', metric: 'p50_commit_ms', value: round(percentile(sorted, 50), 1), unit: 'ms', ...half });
      report({ bench: 'ingest', metric: 'p99_commit_ms', value: round(percentile(sorted, 99), 1), unit: 'ms', ...half });
    } finally {
      for (const g of gateways) await g.close();
      await ingest.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }
}
