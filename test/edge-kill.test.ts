/**
 * The issue-3 kill test: a real `freshtrail edge` process reads Zigbee2MQTT sensors through a
 * broker (QoS 1, persistent session) and forwards to a real ingest; it is killed with SIGKILL
 * at 50 random moments during the stream and restarted each time. Afterwards the ingest must
 * hold every message the sensors published exactly once, and the gateway's chain must be
 * gapless — no loss, no duplicate, no fork.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../common/log.js';
import { defaultIngestConfig } from '../ingest/config.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../ingest/mqtt/embedded-broker.js';
import { startIngest, type IngestHandle } from '../ingest/service.js';
import { generateKeyPair } from '../protocol/keys.js';
import { gatewayLogin } from './support/gateway-key.js';
import { waitFor } from './support/wait.js';

const KILLS = 50;
const DEVICES = 5;
const GATEWAY = 'kill-test-gw';

let dir: string;
let sensors: EmbeddedBroker;
let ingest: IngestHandle;
let configFile: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ft-kill-'));
  sensors = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, logger: silentLogger() });
  ingest = await startIngest(defaultIngestConfig({ dataDir: join(dir, 'ingest'), http: { port: 0 }, mqtt: { embedded: { port: 0 } }, logLevel: 'silent' }), { logger: silentLogger() });
  const key = generateKeyPair();
  await ingest.pipeline.enroll({ id: GATEWAY, publicKey: key.publicKeyHex });
  const { username, password } = await gatewayLogin(ingest.store, GATEWAY); // the embedded broker requires it
  const keyFile = join(dir, 'gateway.key');
  await writeFile(keyFile, key.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  configFile = join(dir, 'edge.json');
  await writeFile(
    configFile,
    JSON.stringify({
      gateway: { id: GATEWAY, keyFile },
      dataDir: join(dir, 'edge'),
      batch: { maxReadings: 20, maxAgeMs: 100 },
      forward: { mqtt: { url: ingest.mqttUrl, username, password }, ackTimeoutMs: 2000 },
      status: { port: 0 },
      inputs: [{ type: 'mqtt', name: 'zigbee', url: sensors.url, clientId: 'kill-test-agent', format: 'zigbee2mqtt', defaultLocation: 'cold-room-1' }],
      logLevel: 'warn',
    }),
  );
});

afterAll(async () => {
  await ingest?.close();
  await sensors?.close();
  await rm(dir, { recursive: true, force: true });
});

function startAgent(): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'test/support/freshtrail-cli.ts', 'edge', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
}

async function kill(agent: ChildProcess): Promise<void> {
  if (agent.exitCode !== null || agent.signalCode !== null) return;
  const exited = new Promise((r) => agent.once('exit', r));
  agent.kill('SIGKILL');
  await exited;
}

describe('edge agent under SIGKILL', () => {
  it(`loses and duplicates nothing across ${KILLS} kills at random moments`, async () => {
    // The agent's persistent session exists before the stream starts, as on a gateway that ran
    // before: from then on the broker keeps QoS 1 messages for it while it is dead.
    const session = await mqtt.connectAsync(sensors.url, { clientId: 'kill-test-agent', clean: false });
    await session.subscribeAsync('zigbee2mqtt/#', { qos: 1 });
    await session.endAsync();
    const publisher = await mqtt.connectAsync(sensors.url, { clientId: 'kill-test-sensors' });
    // Device d's k-th message has temperature k/100 °C: every published value is distinct.
    const sent = Array.from({ length: DEVICES }, () => 0);
    let streaming = true;
    const stream = (async () => {
      while (streaming && sent[0]! < 1000) {
        for (let d = 0; d < DEVICES; d++) {
          const k = sent[d]!++;
          await publisher.publishAsync(`zigbee2mqtt/sensor-${d}`, JSON.stringify({ temperature: k / 100, humidity: 90, linkquality: 100 }), { qos: 1 });
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    })();

    let stderr = '';
    let random = 0x2545f491; // xorshift: kill moments differ run to run only if the seed does
    const nextDelay = (): number => {
      random ^= random << 13;
      random ^= random >>> 17;
      random ^= random << 5;
      return 50 + ((random >>> 0) % 650);
    };
    for (let i = 0; i < KILLS; i++) {
      const agent = startAgent();
      agent.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      agent.stdout!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      await new Promise((r) => setTimeout(r, nextDelay()));
      expect(agent.exitCode, `the agent exited by itself: ${stderr}`).toBeNull();
      await kill(agent);
    }
    streaming = false;
    await stream;
    await publisher.endAsync();

    // A last run drains everything.
    const agent = startAgent();
    agent.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      agent.stdout!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const expected = sent.reduce((a, b) => a + b, 0);
    try {
      await waitFor(async () => (await ingest.store.counts()).readings >= expected, `the ingest to hold ${expected} readings`, 30_000, 200).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 500)); // anything extra (a duplicate) would arrive now
    } finally {
      await kill(agent);
    }

    const readings = await ingest.store.queryReadings({ gateway: GATEWAY, limit: expected * 2 });
    const seen = new Map<string, number>();
    for (const r of readings) seen.set(`${r.sensor}@${r.tempC}`, (seen.get(`${r.sensor}@${r.tempC}`) ?? 0) + 1);
    const missing: string[] = [];
    for (let d = 0; d < DEVICES; d++) {
      for (let k = 0; k < sent[d]!; k++) if (!seen.has(`sensor-${d}@${k / 100}`)) missing.push(`sensor-${d}@${k / 100}`);
    }
    const duplicated = [...seen.entries()].filter(([, n]) => n > 1).map(([k]) => k);
    expect({ missing: missing.slice(0, 10), missingCount: missing.length, duplicated: duplicated.slice(0, 10), total: readings.length, log: missing.length ? stderr.slice(-3000) : '' }).toEqual({
      missing: [],
      missingCount: 0,
      duplicated: [],
      total: expected,
      log: '',
    });

    const counts = await ingest.store.counts();
    expect(counts.rejectedByCode).toEqual({}); // no fork, no broken chain
    const summary = await ingest.store.getGatewaySummary(GATEWAY);
    expect(summary!.lastSeq).toBe(summary!.batches); // seqs 1..N, every one committed: no gap
  }, 180_000);
});
