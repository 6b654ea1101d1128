/**
 * Failover with real parts: an in-process aedes broker (reached through a relay, so a restarted
 * broker on a new port 0 sits behind the same address), a real ingest subscribed to it, and
 * the forwarder the config factory builds from `forward: { mqtt, http }`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../common/config.js';
import { silentLogger } from '../../common/log.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../ingest/mqtt/embedded-broker.js';
import type { IngestHandle } from '../../ingest/service.js';
import { keyPairFromSeed } from '../../protocol/keys.js';
import { waitFor } from '../../test/support/wait.js';
import { EdgeMetrics } from '../metrics.js';
import type { Outbox } from '../outbox/outbox.js';
import { createForwarder, ForwardConfigSchema } from './config.js';
import { counterSum, openOutbox, sealBatches, startRelay, startTestIngest, type Relay } from './test-helpers.js';
import type { Forwarder } from './types.js';

const key = keyPairFromSeed('66'.repeat(32));
const GW = 'gw-failover';
const FAILOVER_AFTER_MS = 400;

let dir: string;
let outbox: Outbox;
let metrics: EdgeMetrics;
const cleanups: Array<() => Promise<unknown> | unknown> = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ft-failover-'));
  metrics = new EdgeMetrics();
  outbox = await openOutbox(dir, GW, metrics);
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await outbox.close();
  await rm(dir, { recursive: true, force: true });
});

async function broker(): Promise<EmbeddedBroker> {
  const started = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, logger: silentLogger() });
  cleanups.push(() => started.close());
  return started;
}

async function relayTo(port: number): Promise<Relay> {
  const relay = await startRelay(port);
  cleanups.push(() => relay.close());
  return relay;
}

async function ingestOn(mqttUrl: string): Promise<IngestHandle> {
  const ingest = await startTestIngest(join(dir, 'ingest'), { mqttUrl });
  cleanups.push(() => ingest.close());
  await ingest.pipeline.enroll({ id: GW, publicKey: key.publicKeyHex });
  return ingest;
}

async function startFailover(mqttUrl: string, httpUrl: string): Promise<Forwarder> {
  const config = validateConfig({
    mqtt: { url: mqttUrl },
    http: { url: httpUrl },
    failoverAfterMs: FAILOVER_AFTER_MS,
    ackTimeoutMs: 300,
    maxInFlight: 4,
    backoff: { initialMs: 20, maxMs: 150 },
  }, ForwardConfigSchema, 'test');
  const forwarder = createForwarder(config, { gatewayId: GW, outbox, deadLetterDir: join(dir, 'dead-letter'), logger: silentLogger(), metrics, now: Date.now });
  cleanups.push(() => forwarder.stop());
  await forwarder.start();
  return forwarder;
}

const viaTransport = (ingest: IngestHandle, transport: string) => counterSum(ingest.metrics.batches, { transport });
const drained = (timeoutMs = 5000) => waitFor(() => outbox.pending().length === 0, 'the outbox to drain', timeoutMs);

describe('FailoverForwarder (MQTT primary, HTTP secondary)', () => {
  it('moves to HTTP when the broker stops, and back to MQTT when it returns', async () => {
    const first = await broker();
    const relay = await relayTo(first.port);
    const ingest = await ingestOn(`mqtt://127.0.0.1:${relay.port}`);
    const forwarder = await startFailover(`mqtt://127.0.0.1:${relay.port}`, ingest.httpUrl);

    await sealBatches(outbox, key, 2);
    await drained();
    expect(forwarder.transport()).toBe('mqtt');
    expect(await viaTransport(ingest, 'mqtt')).toBe(2);
    expect(await viaTransport(ingest, 'http')).toBe(0); // the standby transport sent nothing

    // The broker stops: MQTT is down, HTTP to the ingest still works.
    await first.close();
    const stoppedAt = Date.now();
    await sealBatches(outbox, key, 3);
    await new Promise((r) => setTimeout(r, FAILOVER_AFTER_MS / 3));
    expect(outbox.pending()).toHaveLength(3); // no switch before failoverAfterMs
    expect(forwarder.transport()).toBe('mqtt');
    await drained();
    expect(Date.now() - stoppedAt).toBeLessThan(FAILOVER_AFTER_MS + 1000);
    expect(forwarder.transport()).toBe('http');
    expect(forwarder.connected()).toBe(true);
    expect(await viaTransport(ingest, 'http')).toBe(3);
    expect((await metrics.forwardTransport.get()).values).toEqual(expect.arrayContaining([
      expect.objectContaining({ labels: { transport: 'http' }, value: 1 }),
      expect.objectContaining({ labels: { transport: 'mqtt' }, value: 0 }),
    ]));

    // The broker is back (a new one, behind the same address): sending returns to MQTT.
    const second = await broker();
    relay.retarget(second.port);
    await waitFor(async () => (await fetch(`${ingest.httpUrl}/api/v1/ready`)).status === 200, 'the ingest to resubscribe', 5000);
    await waitFor(() => forwarder.transport() === 'mqtt', 'the return to MQTT', 5000);
    const [a, b] = await sealBatches(outbox, key, 2);
    await drained();
    for (const sealed of [a!, b!]) expect((await ingest.store.getBatchHeader(GW, sealed.batch.seq))?.transport).toBe('mqtt');
    expect(forwarder.lastError()).toBeUndefined();
  });

  it('moves to HTTP when the broker takes batches but the ingest never acknowledges them', async () => {
    const ingest = await ingestOn(`mqtt://127.0.0.1:${(await broker()).port}`);
    const lonely = await broker(); // connected, but no ingest subscribes here
    const forwarder = await startFailover(lonely.url, ingest.httpUrl);
    await waitFor(() => forwarder.connected(), 'the MQTT connection');
    await sealBatches(outbox, key, 2);
    const sealedAt = Date.now();
    await drained();
    expect(Date.now() - sealedAt).toBeGreaterThanOrEqual(FAILOVER_AFTER_MS - 50);
    expect(forwarder.transport()).toBe('http');
    expect(await viaTransport(ingest, 'http')).toBe(2);
  });
});
