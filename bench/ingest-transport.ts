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
import mqtt, { type MqttClient } from 'mqtt';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ackTopic, batchTopic, parseAck, type Ack } from '../protocol/ack.js';
import { encodeEnvelope, GENESIS_PREV, sealBatch } from '../protocol/batch.js';
import { keyPairFromSeed, type GatewayKeyPair } from '../protocol/keys.js';
import { startIngestProcess, type IngestProcess } from './ingest-process.js';
import { sampleBatch } from './protocol.js';
import { type Report, round } from './report.js';

const READINGS_PER_BATCH = 100;
const GATEWAYS = 8;
const WINDOW = 8;
const SUSTAINED_BATCHES_PER_GATEWAY = 400;
const LATENCY_SECONDS = 10;

type Transport = 'mqtt' | 'http';

/** One simulated gateway: its key, its chain, and a connection that sends and learns of acks. */
class SimulatedGateway {
  private seq = 0;
  private prev = GENESIS_PREV;
  private readonly waiting = new Map<number, (ack: Ack) => void>();
  private client?: MqttClient;

  constructor(
    readonly id: string,
    readonly keys: GatewayKeyPair,
    private readonly transport: Transport,
    private readonly ingest: IngestProcess,
  ) {}

  async connect(): Promise<void> {
    if (this.transport !== 'mqtt') return;
    this.client = await mqtt.connectAsync(this.ingest.mqttUrl, { clientId: `bench-${this.id}`, clean: true });
    this.client.on('message', (_topic, payload) => {
      const ack = parseAck(payload);
      if (ack) this.waiting.get(ack.seq)?.(ack);
    });
    await this.client.subscribeAsync(ackTopic(this.id), { qos: 1 });
  }

  /** The next batch of the chain, signed now (createdAt = now). */
  seal(): { seq: number; envelope: Buffer; createdAt: number } {
    const createdAt = Date.now();
    this.seq++;
    const sealed = sealBatch({ ...sampleBatch(READINGS_PER_BATCH, this.seq), gateway: this.id, seq: this.seq, prev: this.prev, createdAt }, this.keys.privateKey);
    this.prev = sealed.id;
    return { seq: this.seq, envelope: encodeEnvelope(sealed), createdAt };
  }

  /** Sends one envelope; resolves with the ingest's acknowledgement (after its commit). */
  async send(seq: number, envelope: Buffer): Promise<Ack> {
    if (this.transport === 'http') {
      const res = await fetch(`${this.ingest.httpUrl}/api/v1/batches`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: envelope });
      return (await res.json()) as Ack;
    }
    const acked = new Promise<Ack>((resolve) => this.waiting.set(seq, resolve));
    await this.client!.publishAsync(batchTopic(this.id), envelope, { qos: 1 });
    const ack = await acked;
    this.waiting.delete(seq);
    return ack;
  }

  async close(): Promise<void> {
    await this.client?.endAsync();
  }
}

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
    const ingest = await startIngestProcess(join(dir, 'ingest'));
    const gateways = Array.from({ length: GATEWAYS }, (_, g) => new SimulatedGateway(`bench-gw-${g}`, keyPairFromSeed(String(g + 10).padStart(2, '0').repeat(32)), transport, ingest));
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
