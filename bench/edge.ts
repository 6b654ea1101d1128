/**
 * `freshtrail bench edge`: the edge agent's figures from issue 3.
 *  - sign_persist_readings_per_s: readings accepted into the outbox, sealed into 200-reading
 *    batches, signed and fdatasync'd (fsync policy `batch`), on one core.
 *  - replay_readings_per_s: a backlog of 1,000,000 readings (an outage) drained into a real
 *    ingest (SQLite FULL) over MQTT (embedded aedes) and over HTTP, from the first send to the
 *    last ack.
 *  - idle_rss_mb, rss_mb_at_1k: resident memory of a real `freshtrail edge` process, idle and
 *    while 1,000 Zigbee2MQTT messages per second arrive through a broker.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { silentLogger } from '../common/log.js';
import { EdgeMetrics } from '../edge/metrics.js';
import { Outbox } from '../edge/outbox/outbox.js';
import { createForwarder, ForwardConfigSchema } from '../edge/forward/config.js';
import type { Forwarder } from '../edge/forward/types.js';
import { validateConfig } from '../common/config.js';
import { startEmbeddedBroker } from '../ingest/mqtt/embedded-broker.js';
import { defaultIngestConfig } from '../ingest/config.js';
import { startIngest } from '../ingest/service.js';
import { sealBatch } from '../protocol/batch.js';
import { keyPairFromSeed } from '../protocol/keys.js';
import type { Reading } from '../protocol/reading.js';
import { startIngestProcess, stopChild, until } from './ingest-process.js';
import { type Report, round } from './report.js';

const PER_BATCH = 200;
const T0 = 1_764_000_000_000;
const reading = (i: number): Reading => ({ sensor: `s${i % 8}`, location: 'farm-a/cold-room-1', ts: T0 + i * 100, tsSource: 'gateway', tempC: round(1 + (i % 90) / 100, 2), rh: 91.5, src: 'bench' });

export async function benchEdge(report: Report): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ft-bench-edge-'));
  try {
    await signPersist(report, join(dir, 'sign'));
    await replay(report, join(dir, 'replay'));
    await residentMemory(report, join(dir, 'rss'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const key = keyPairFromSeed('42'.repeat(32));
const sign = (b: Parameters<typeof sealBatch>[0]) => sealBatch(b, key.privateKey);

/**
 * Fills `outbox` with `count` readings the way the agent does: inputs keep appending while
 * full batches are sealed, signed and fdatasync'd in the background, one seal at a time.
 */
async function fill(outbox: Outbox, count: number, offset = 0): Promise<void> {
  let sealing: Promise<unknown> = Promise.resolve();
  let queuedSeals = 0;
  for (let i = 0; i < count; i += PER_BATCH) {
    const appends: Array<Promise<unknown>> = [];
    for (let j = i; j < Math.min(i + PER_BATCH, count); j++) appends.push(outbox.appendReading(reading(offset + j)));
    await Promise.all(appends);
    queuedSeals++;
    sealing = sealing.then(() => outbox.seal(sign, PER_BATCH, T0)).then(() => queuedSeals--);
    if (queuedSeals > 4) await sealing; // backpressure, as an agent whose disk is slower than its sensors
  }
  await sealing;
}

async function signPersist(report: Report, dir: string): Promise<void> {
  for (const fsync of ['batch', 'always'] as const) {
    const outbox = await Outbox.open({ dir: join(dir, fsync), gatewayId: 'bench-gw', logger: silentLogger(), metrics: new EdgeMetrics(), fsync });
    await fill(outbox, 20_000); // warm-up
    const count = 300_000;
    const start = performance.now();
    await fill(outbox, count, 20_000);
    const seconds = (performance.now() - start) / 1000;
    await outbox.close();
    report({ bench: 'edge', metric: 'sign_persist_readings_per_s', value: round(count / seconds), unit: 'readings/s', fsync, readingsPerBatch: PER_BATCH });
  }
}

async function replay(report: Report, dir: string): Promise<void> {
  for (const transport of ['mqtt', 'http'] as const) await replayOver(transport, report, join(dir, transport));
}

/**
 * Fills an outbox with 1,000,000 readings while the ingest is down, then starts a real ingest
 * in its own process (as on its own machine: the edge and the ingest each get a core) and
 * drains the backlog into it.
 */
async function replayOver(transport: 'mqtt' | 'http', report: Report, dir: string): Promise<void> {
  const total = 1_000_000;
  const metrics = new EdgeMetrics();
  let forwarder: Forwarder | undefined;
  const outbox = await Outbox.open({ dir: join(dir, 'outbox'), gatewayId: 'bench-gw', logger: silentLogger(), metrics, maxBytes: 4 * 1024 ** 3, onBatchesLoaded: () => forwarder?.notify() });
  await fill(outbox, total);
  const ingest = await startIngestProcess({ dataDir: join(dir, 'ingest') });
  try {
    await ingest.enroll('bench-gw', key.publicKeyHex);
    const maxInFlight = 16;
    const target = transport === 'mqtt' ? { mqtt: { url: ingest.mqttUrl } } : { http: { url: ingest.httpUrl } };
    const config = validateConfig({ ...target, ackTimeoutMs: 60_000, maxInFlight }, ForwardConfigSchema, 'bench');
    forwarder = createForwarder(config, { gatewayId: 'bench-gw', outbox, deadLetterDir: join(dir, 'dead-letter'), logger: silentLogger(), metrics, now: Date.now });
    const start = performance.now();
    await forwarder.start();
    await until(() => outbox.pendingCount() === 0, 600_000);
    const seconds = (performance.now() - start) / 1000;
    await forwarder.stop();
    const stored = await ingest.readingsVerified();
    if (stored !== total) throw new Error(`replay: the ingest holds ${stored} readings, expected ${total}`);
    report({ bench: 'edge', metric: 'replay_readings_per_s', value: round(total / seconds), unit: 'readings/s', readings: total, transport, store: 'sqlite', synchronous: 'FULL', maxInFlight, readingsPerBatch: PER_BATCH, ingest: 'separate process' });
  } finally {
    await outbox.close();
    await ingest.stop();
  }
}



/**
 * Resident memory of real agent processes. Idle is read once V8 has settled after start-up
 * (its memory reducer runs in the first ~30 s; before that RSS still holds start-up garbage):
 * one agent as the shipped systemd unit runs it (NODE_OPTIONS=--max-semi-space-size=1), one
 * with Node's defaults. Then the second at 1,000 readings/s.
 */
async function residentMemory(report: Report, dir: string): Promise<void> {
  const sensors = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, logger: silentLogger() });
  // The agents' memory is measured, not MQTT logins: the broker takes anonymous gateways here.
  const ingest = await startIngest(defaultIngestConfig({ dataDir: join(dir, 'ingest'), http: { port: 0 }, mqtt: { embedded: { port: 0, requireAuth: false } }, logLevel: 'silent' }), { logger: silentLogger() });
  const agentConfig = async (name: string, seed: string): Promise<string> => {
    const gatewayKey = keyPairFromSeed(seed.repeat(32));
    await ingest.pipeline.enroll({ id: name, publicKey: gatewayKey.publicKeyHex });
    const keyFile = join(dir, `${name}.key`);
    await writeFile(keyFile, gatewayKey.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    const configFile = join(dir, `${name}.json`);
    await writeFile(
      configFile,
      JSON.stringify({
        gateway: { id: name, keyFile },
        dataDir: join(dir, name),
        forward: { mqtt: { url: ingest.mqttUrl } },
        status: { port: 0 },
        inputs: [{ type: 'mqtt', name: 'zigbee', url: sensors.url, clientId: `${name}-zigbee`, format: 'zigbee2mqtt', baseTopic: name, defaultLocation: 'cold-room-1' }],
        logLevel: 'error',
      }),
    );
    return configFile;
  };
  const tuned = spawnAgent(['--max-semi-space-size=1'], await agentConfig('rss-tuned', '43'));
  const agent = spawnAgent([], await agentConfig('rss-default', '44'));
  const publisher = await mqtt.connectAsync(sensors.url, { clientId: 'bench-sensors' });
  try {
    await new Promise((r) => setTimeout(r, 35_000));
    report({ bench: 'edge', metric: 'idle_rss_mb', value: round(await rssMb(tuned), 1), unit: 'MB', inputs: 1, nodeOptions: '--max-semi-space-size=1', settledSeconds: 35 });
    report({ bench: 'edge', metric: 'idle_rss_mb', value: round(await rssMb(agent), 1), unit: 'MB', inputs: 1, nodeOptions: 'none', settledSeconds: 35 });
    await stopChild(tuned);

    // 10 devices × 100 messages/s, every payload distinct (no deduplication), for 15 s.
    let peak = 0;
    const started = Date.now();
    let sent = 0;
    while (Date.now() - started < 15_000) {
      const due = Math.floor(((Date.now() - started) / 1000) * 1000);
      for (; sent < due; sent++) {
        const payload = JSON.stringify({ temperature: round(((sent / 10) % 1000) / 100, 2), humidity: 90, linkquality: 120 });
        publisher.publish(`rss-default/room-sensor-${sent % 10}`, payload, { qos: 1 });
      }
      if (Date.now() - started > 5000) peak = Math.max(peak, await rssMb(agent));
      await new Promise((r) => setTimeout(r, 20));
    }
    report({ bench: 'edge', metric: 'rss_mb_at_1k', value: round(peak, 1), unit: 'MB', readingsPerSecond: 1000, sent, nodeOptions: 'none' });
  } finally {
    await publisher.endAsync();
    await stopChild(tuned);
    await stopChild(agent);
    await ingest.close();
    await sensors.close();
  }
}

function spawnAgent(nodeOptions: string[], configFile: string): ChildProcess {
  const agent = spawn(process.execPath, [...nodeOptions, process.argv[1]!, 'edge', '--config', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  agent.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  agent.once('exit', (code) => {
    if (code !== 0 && code !== null) process.stderr.write(`bench edge: an agent exited with ${code}:\n${errors}`);
  });
  return agent;
}

async function rssMb(child: ChildProcess): Promise<number> {
  const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  if (!Number.isFinite(kb)) throw new Error('cannot read the agent process memory from /proc');
  return kb / 1024;
}

