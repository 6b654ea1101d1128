/**
 * A long outage of the uplink: while the ingest is down, a gateway keeps reading its sensors
 * for what amounts to 12 hours of a cold room (10 sensors, one reading a minute each: 7,200
 * readings, produced quickly). When the ingest comes back on the same address, the agent
 * delivers everything, in order: seqs in the order they were sealed, each sensor's readings in
 * the order they were taken, none missing, none twice.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../common/config.js';
import { silentLogger } from '../common/log.js';
import { EdgeAgent } from '../edge/agent.js';
import { EdgeConfigSchema } from '../edge/config.js';
import { defaultIngestConfig } from '../ingest/config.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../ingest/mqtt/embedded-broker.js';
import { startIngest, type IngestHandle } from '../ingest/service.js';
import { generateKeyPair } from '../protocol/keys.js';
import { gatewayLogin } from './support/gateway-key.js';
import { waitFor } from './support/wait.js';

const SENSORS = 10;
const MINUTES = 12 * 60;
const GATEWAY = 'outage-gw';

let dir: string;
let sensors: EmbeddedBroker;
const ingestConfig = (port: number) =>
  defaultIngestConfig({ dataDir: join(dir, 'ingest'), http: { port: 0 }, mqtt: { embedded: { port } }, logLevel: 'silent' });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ft-outage-'));
  sensors = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, logger: silentLogger() });
});
afterAll(async () => {
  await sensors?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('edge agent after a long outage', () => {
  it('delivers a 12-hour backlog completely and in order once the ingest is back', async () => {
    // Learn a free port for the ingest's broker, then take the ingest down: the outage.
    const key = generateKeyPair();
    let ingest: IngestHandle = await startIngest(ingestConfig(0), { logger: silentLogger() });
    await ingest.pipeline.enroll({ id: GATEWAY, publicKey: key.publicKeyHex });
    const { username, password } = await gatewayLogin(ingest.store, GATEWAY); // the embedded broker requires it
    const port = Number(new URL(ingest.mqttUrl).port);
    await ingest.close();

    const config = validateConfig(
      {
        gateway: { id: GATEWAY, keyFile: 'unused' },
        dataDir: join(dir, 'edge'),
        batch: { maxReadings: 200, maxAgeMs: 200 },
        forward: { mqtt: { url: `mqtt://127.0.0.1:${port}`, username, password }, ackTimeoutMs: 5000, maxInFlight: 8 },
        status: { port: 0 },
      inputs: [{ type: 'mqtt', name: 'zigbee', url: sensors.url, format: 'zigbee2mqtt', defaultLocation: 'cold-room-1' }],
      },
      EdgeConfigSchema,
      'test',
    );
    const agent = new EdgeAgent({ config, privateKey: key.privateKey, logger: silentLogger() });
    await agent.start();
    const publisher = await mqtt.connectAsync(sensors.url, { clientId: 'outage-sensors' });
    try {
      // Minute m of sensor s reads m/100 °C (readings carry 0.01 °C): distinct, increasing with time.
      for (let m = 0; m < MINUTES; m++) {
        for (let s = 0; s < SENSORS; s++) {
          await publisher.publishAsync(`zigbee2mqtt/probe-${s}`, JSON.stringify({ temperature: m / 100, humidity: 90 }), { qos: 1 });
        }
      }
      const total = SENSORS * MINUTES;
      await waitFor(() => agent.counters().readingsAccepted === total, 'the agent to accept every reading while offline', 60_000, 50);
      await waitFor(() => agent.counters().unsealedReadings === 0, 'every reading sealed', 10_000, 50);
      expect(agent.counters().pendingBatches).toBeGreaterThanOrEqual(total / 200);
      expect(agent.counters().connected).toBe(false);

      ingest = await startIngest(ingestConfig(port), { logger: silentLogger() }); // the uplink is back
      await agent.drained(60_000);
      expect(agent.counters().pendingBatches).toBe(0);

      const stored = await ingest.store.queryReadings({ gateway: GATEWAY, limit: total * 2 });
      expect(stored).toHaveLength(total);
      for (let s = 0; s < SENSORS; s++) {
        const values = stored.filter((r) => r.sensor.endsWith(`probe-${s}`)).sort((a, b) => a.seq - b.seq || a.index - b.index).map((r) => r.tempC);
        expect(values).toEqual(Array.from({ length: MINUTES }, (_, m) => m / 100));
      }
      // Committed in seq order: receipt times never go backwards along the chain.
      const summary = await ingest.store.getGatewaySummary(GATEWAY);
      expect(summary!.lastSeq).toBe(summary!.batches);
      let lastReceived = 0;
      for (let seq = 1; seq <= summary!.lastSeq!; seq++) {
        const batch = await ingest.store.getBatch(GATEWAY, seq);
        expect(batch!.receivedAt).toBeGreaterThanOrEqual(lastReceived);
        lastReceived = batch!.receivedAt;
      }
    } finally {
      await publisher.endAsync();
      await agent.stop();
      await ingest.close();
    }
  }, 120_000);
});
