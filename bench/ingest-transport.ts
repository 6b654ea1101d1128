/**
 * The ingest driven the way gateways drive it: simulated gateways with real Ed25519 keys send
 * signed, hash-chained batches of 100 readings over MQTT or HTTP to ingests running in their
 * own processes (the full pipeline: transport, decode, verify, chain checks, durable commit,
 * acknowledgement), in three deployments:
 *  - one instance on SQLite (synchronous=FULL), MQTT through its embedded broker;
 *  - one instance on PostgreSQL (synchronous_commit on), MQTT through its embedded broker;
 *  - two instances on one PostgreSQL, MQTT through the machine's Mosquitto with a shared
 *    subscription, HTTP gateways spread over both instances as a load balancer would.
 * PostgreSQL and Mosquitto are the machine's (127.0.0.1:5432, :1883); a deployment whose
 * service does not answer is skipped with a notice on stderr. Each PostgreSQL run gets a fresh
 * database, dropped afterwards.
 *  - readings_per_s: sustained throughput, each gateway keeping a window of batches in flight
 *    (pre-signed, so the driver's signing does not compete with the ingest for the CPU).
 *  - p50_commit_ms / p99_commit_ms: from a batch's creation (sealing) to its acknowledgement,
 *    which the ingest sends after the commit, with gateways sending at half the sustained rate.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, PG_HOST, PG_PORT } from '../ingest/store/postgres/test-database.js';
import type { Ack } from '../protocol/ack.js';
import { keyPairFromSeed } from '../protocol/keys.js';
import { serviceAnswers } from '../common/net.js';
import { startIngestProcess, type IngestProcess } from './ingest-process.js';
import { SimulatedGateway } from './simulated-gateway.js';
import { percentile, type Report, round } from './report.js';

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
  let failure: unknown;
  const end = Date.now() + LATENCY_SECONDS * 1000;
  await Promise.all(
    gateways.map(async (g, i) => {
      const inFlight = new Set<Promise<void>>();
      let due = Date.now() + (intervalMs * i) / gateways.length; // spread the gateways out
      while (due < end) {
        const wait = due - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const { seq, envelope, createdAt } = g.seal();
        const sent: Promise<void> = g
          .send(seq, envelope)
          .then((ack) => {
            expectAccepted(g.id, ack);
            samples.push(Date.now() - createdAt);
          })
          // Kept for Promise.all below, which reports the first failure; handled here so a
          // failure while the loop still waits for its next slot is not an unhandled rejection.
          .catch((err: unknown) => void (failure ??= err))
          .finally(() => inFlight.delete(sent));
        inFlight.add(sent);
        due += intervalMs;
      }
      await Promise.all(inFlight);
    }),
  );
  if (failure !== undefined) throw failure;
  return samples.sort((a, b) => a - b);
}


interface Deployment {
  store: 'sqlite' | 'postgres';
  instances: 1 | 2;
}

const DEPLOYMENTS: Deployment[] = [
  { store: 'sqlite', instances: 1 },
  { store: 'postgres', instances: 1 },
  { store: 'postgres', instances: 2 },
];
const MOSQUITTO_URL = 'mqtt://127.0.0.1:1883';

/** What a deployment needs that is not there, or undefined. */
async function missingService(deployment: Deployment): Promise<string | undefined> {
  if (deployment.store === 'postgres' && !(await serviceAnswers(PG_HOST, PG_PORT))) return `PostgreSQL on ${PG_HOST}:${PG_PORT}`;
  if (deployment.instances > 1 && !(await serviceAnswers('127.0.0.1', 1883))) return 'Mosquitto on 127.0.0.1:1883';
  return undefined;
}

/** Starts the deployment's ingest processes; the returned function stops them and drops what they stored. */
async function startDeployment(deployment: Deployment, dir: string): Promise<{ instances: IngestProcess[]; stop(): Promise<void> }> {
  const db = deployment.store === 'postgres' ? await createTestDatabase() : undefined;
  const config: Record<string, unknown> = {};
  if (db) config.store = { postgres: { url: db.url } };
  if (deployment.instances > 1) config.mqtt = { url: MOSQUITTO_URL, shareGroup: `ft-bench-${randomBytes(4).toString('hex')}` };
  const instances: IngestProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const ingest of instances) await ingest.stop();
    await db?.drop();
  };
  try {
    for (let i = 0; i < deployment.instances; i++) instances.push(await startIngestProcess({ dataDir: join(dir, `ingest-${i}`), config }));
  } catch (err) {
    await stop();
    throw err;
  }
  return { instances, stop };
}

export async function benchIngestTransports(report: Report): Promise<void> {
  for (const deployment of DEPLOYMENTS) {
    const missing = await missingService(deployment);
    if (missing) {
      process.stderr.write(`bench ingest: ${missing} does not answer; skipping store=${deployment.store} instances=${deployment.instances}\n`);
      continue;
    }
    for (const transport of ['mqtt', 'http'] as const) await benchOne(report, deployment, transport);
  }
}

async function benchOne(report: Report, deployment: Deployment, transport: 'mqtt' | 'http'): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ft-bench-ingest-t-'));
  const run = randomBytes(3).toString('hex'); // gateway ids unique per run: a shared broker keeps no state of earlier runs
  const { instances, stop } = await startDeployment(deployment, dir);
  const httpUrls = instances.map((i) => i.httpUrl);
  const gateways = Array.from({ length: GATEWAYS }, (_, g) => new SimulatedGateway({
    id: `bench-gw-${run}-${g}`,
    keys: keyPairFromSeed(String(g + 10).padStart(2, '0').repeat(32)),
    transport,
    mqttUrl: instances[0]!.mqttUrl,
    // Gateway g starts on instance g mod n, as behind a round-robin load balancer.
    httpUrls: [...httpUrls.slice(g % httpUrls.length), ...httpUrls.slice(0, g % httpUrls.length)],
    readingsPerBatch: READINGS_PER_BATCH,
  }));
  try {
    for (const g of gateways) {
      await instances[0]!.enroll(g.id, g.keys.publicKeyHex);
      await g.connect();
    }
    const context = {
      store: deployment.store,
      ...(deployment.store === 'sqlite' ? { synchronous: 'FULL' } : { synchronousCommit: 'on' }),
      instances: deployment.instances,
      transport,
      ...(transport === 'mqtt' ? { broker: deployment.instances > 1 ? 'mosquitto $share' : 'embedded aedes' } : {}),
      gateways: GATEWAYS,
      window: WINDOW,
      readingsPerBatch: READINGS_PER_BATCH,
    };
    const rate = await sustained(gateways);
    report({ bench: 'ingest', metric: 'readings_per_s', value: round(rate), unit: 'readings/s', ...context });
    const sorted = await latencies(gateways, rate / 2);
    const half = { ...context, offeredReadingsPerSecond: round(rate / 2), batches: sorted.length };
    report({ bench: 'ingest', metric: 'p50_commit_ms', value: round(percentile(sorted, 50), 1), unit: 'ms', ...half });
    report({ bench: 'ingest', metric: 'p99_commit_ms', value: round(percentile(sorted, 99), 1), unit: 'ms', ...half });
  } finally {
    for (const g of gateways) await g.close();
    await stop();
    await rm(dir, { recursive: true, force: true });
  }
}
