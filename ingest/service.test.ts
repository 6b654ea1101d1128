/**
 * The ingest as the CLI starts it: real sockets, an in-process aedes broker on port 0 (embedded,
 * or standing in for an external broker), a real mqtt.js gateway client and real HTTP requests.
 */
import { createServer, type AddressInfo, type Server } from 'node:net';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { FreshTrailError } from '../common/errors.js';
import { silentLogger } from '../common/log.js';
import { ackTopic, batchTopic, parseAck, type Ack } from '../protocol/ack.js';
import { defaultIngestConfig, type IngestConfig } from './config.js';
import { startEmbeddedBroker } from './mqtt/embedded-broker.js';
import { startIngest, type IngestHandle } from './service.js';
import { TestGateway, envelopeBytes, tamperedEnvelope, tempDir, testReadings } from './test-helpers.js';
import { adminHeaders } from '../test/support/admin-key.js';
import { gatewayLogin, type MqttLogin } from '../test/support/gateway-key.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function testConfig(dataDir: string, overrides: Record<string, unknown> = {}): IngestConfig {
  return defaultIngestConfig({ dataDir, http: { port: 0 }, mqtt: { embedded: { port: 0 } }, logLevel: 'silent', ...overrides });
}

async function start(config: IngestConfig): Promise<IngestHandle> {
  const handle = await startIngest(config, { logger: silentLogger() });
  cleanups.push(() => handle.close());
  return handle;
}

function newDataDir(): string {
  const tmp = tempDir();
  cleanups.push(tmp.cleanup);
  return tmp.dir;
}

/** A gateway-side MQTT client that publishes batches and collects acks. */
async function gatewayClient(url: string, gatewayId: string, login?: MqttLogin): Promise<{ client: MqttClient; nextAck: (seq: number) => Promise<Ack> }> {
  // The embedded broker requires the gateway's API key (mqtt.embedded.requireAuth, on with auth.enabled).
  const client = await connectAsync(url, { clientId: `test-${gatewayId}-${process.pid}`, reconnectPeriod: 0, ...(login ? { username: login.username, password: login.password } : {}) });
  cleanups.push(() => client.endAsync(true));
  const acks: Ack[] = [];
  const waiters: Array<() => void> = [];
  client.on('message', (_topic, payload) => {
    const ack = parseAck(payload);
    if (ack) acks.push(ack);
    waiters.splice(0).forEach((wake) => wake());
  });
  await client.subscribeAsync(ackTopic(gatewayId), { qos: 1 });
  /** The oldest ack for `seq` not returned yet. */
  const nextAck = async (seq: number): Promise<Ack> => {
    for (;;) {
      const index = acks.findIndex((a) => a.seq === seq);
      if (index >= 0) return acks.splice(index, 1)[0]!;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return { client, nextAck };
}

async function enroll(handle: IngestHandle, gw: TestGateway): Promise<number> {
  const res = await fetch(`${handle.httpUrl}/api/v1/gateways`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...adminHeaders(handle) },
    body: JSON.stringify({ id: gw.id, publicKey: gw.publicKey }),
  });
  return res.status;
}

async function readings(handle: IngestHandle, query: string): Promise<Array<{ batchId: string; verified: boolean }>> {
  const res = await fetch(`${handle.httpUrl}/api/v1/readings?${query}`, { headers: adminHeaders(handle) });
  return ((await res.json()) as { readings: Array<{ batchId: string; verified: boolean }> }).readings;
}

async function occupiedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

/** A port that was free a moment ago and is closed again. */
async function freedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('startIngest over MQTT', () => {
  it('acks a published batch after its readings are queryable', async () => {
    const handle = await start(testConfig(newDataDir()));
    expect(handle.httpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(handle.mqttUrl).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    const gw = new TestGateway('gw-mqtt');
    expect(await enroll(handle, gw)).toBe(201);
    const { client, nextAck } = await gatewayClient(handle.mqttUrl, gw.id, await gatewayLogin(handle.store, gw.id));

    const sealed = gw.next(testReadings(4, { location: 'reefer-3' }));
    await client.publishAsync(batchTopic(gw.id), envelopeBytes(sealed), { qos: 1 });
    const ack = await nextAck(1);
    expect(ack).toEqual({ v: 1, gateway: gw.id, seq: 1, id: sealed.id, status: 'accepted' });
    // The ack is published after the commit, so the readings are there when it arrives.
    const rows = await readings(handle, 'location=reefer-3');
    expect(rows).toHaveLength(4);
    expect(rows.every((r) => r.batchId === sealed.id && r.verified)).toBe(true);

    // Redelivery is answered as a duplicate.
    await client.publishAsync(batchTopic(gw.id), envelopeBytes(sealed), { qos: 1 });
    expect(await nextAck(1)).toMatchObject({ status: 'duplicate', id: sealed.id });
    const metrics = await (await fetch(`${handle.httpUrl}/metrics`, { headers: adminHeaders(handle) })).text();
    expect(metrics).toContain('freshtrail_ingest_batches_total{status="accepted",transport="mqtt"} 1');
  });

  it('sends rejection acks for a tampered batch and a batch signed with an unknown key, and keeps serving', async () => {
    const handle = await start(testConfig(newDataDir()));
    const gw = new TestGateway('gw-t');
    await enroll(handle, gw);
    const { client, nextAck } = await gatewayClient(handle.mqttUrl, gw.id, await gatewayLogin(handle.store, gw.id));

    await client.publishAsync(batchTopic(gw.id), tamperedEnvelope(gw.next()), { qos: 1 });
    expect(await nextAck(1)).toMatchObject({ status: 'rejected', code: 'FT_ERR_BAD_SIGNATURE', seq: 1 });

    const impostor = new TestGateway('gw-t'); // same id, a key nobody enrolled
    const forged = impostor.seal({ seq: 2, prev: '0'.repeat(64).replace(/^0/, '1') });
    await client.publishAsync(batchTopic(gw.id), envelopeBytes(forged), { qos: 1 });
    expect(await nextAck(2)).toMatchObject({ status: 'rejected', code: 'FT_ERR_BAD_SIGNATURE', seq: 2 });

    await client.publishAsync(batchTopic(gw.id), Buffer.from('garbage'), { qos: 1 });
    expect(await nextAck(0)).toMatchObject({ status: 'rejected', code: 'FT_ERR_MALFORMED', gateway: gw.id });

    // Still serving: the next valid batch (seq 2; seq 1 was refused, so it is flagged as a gap) is accepted.
    const good = gw.next();
    await client.publishAsync(batchTopic(gw.id), envelopeBytes(good), { qos: 1 });
    expect(await nextAck(good.batch.seq)).toMatchObject({ status: 'accepted' });
    expect((await fetch(`${handle.httpUrl}/api/v1/health`)).status).toBe(200);
    const metrics = await (await fetch(`${handle.httpUrl}/metrics`, { headers: adminHeaders(handle) })).text();
    expect(metrics).toContain('freshtrail_ingest_rejections_total{code="FT_ERR_BAD_SIGNATURE"} 2');
  });

  it('quarantines an unknown gateway over MQTT and admits it when enrolled over HTTP', async () => {
    const handle = await start(testConfig(newDataDir()));
    const gw = new TestGateway('gw-unenrolled');
    const { client, nextAck } = await gatewayClient(handle.mqttUrl, gw.id, await gatewayLogin(handle.store, gw.id));
    const sealed = gw.next(testReadings(2, { location: 'pack-house' }));
    await client.publishAsync(batchTopic(gw.id), envelopeBytes(sealed), { qos: 1 });
    expect(await nextAck(1)).toMatchObject({ status: 'quarantined', code: 'FT_ERR_UNKNOWN_GATEWAY' });
    expect(await readings(handle, 'location=pack-house')).toHaveLength(0);
    expect(await enroll(handle, gw)).toBe(201);
    expect(await readings(handle, 'location=pack-house')).toHaveLength(2);
  });

  it('keeps the store across a restart on the same data directory', async () => {
    const dataDir = newDataDir();
    const first = await startIngest(testConfig(dataDir), { logger: silentLogger() });
    const gw = new TestGateway('gw-r');
    await enroll(first, gw);
    const res = await fetch(`${first.httpUrl}/api/v1/batches`, { method: 'POST', body: envelopeBytes(gw.next()) });
    expect(res.status).toBe(200);
    await first.close();
    await first.close(); // twice is fine
    const second = await start(testConfig(dataDir));
    const list = (await (await fetch(`${second.httpUrl}/api/v1/gateways`, { headers: adminHeaders(second) })).json()) as { gateways: Array<{ id: string; batches: number }> };
    expect(list.gateways).toEqual([expect.objectContaining({ id: 'gw-r', batches: 1 })]);
  });

  it('subscribes through an external broker when mqtt.url is set', async () => {
    const external = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, logger: silentLogger() });
    cleanups.push(() => external.close());
    const handle = await start(testConfig(newDataDir(), { mqtt: { url: external.url, clientId: 'ingest-ext-test' } }));
    expect(handle.mqttUrl).toBe(external.url);
    const gw = new TestGateway('gw-ext');
    await enroll(handle, gw);
    const { client, nextAck } = await gatewayClient(external.url, gw.id);
    await client.publishAsync(batchTopic(gw.id), envelopeBytes(gw.next()), { qos: 1 });
    expect(await nextAck(1)).toMatchObject({ status: 'accepted' });
  });
});

describe('startIngest failures', () => {
  it('reports a busy MQTT port with an actionable message', async () => {
    const port = await occupiedPort();
    const err = await startIngest(testConfig(newDataDir(), { mqtt: { embedded: { port } } }), { logger: silentLogger() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FreshTrailError);
    expect((err as FreshTrailError).code).toBe('FT_ERR_PORT_IN_USE');
    expect((err as Error).message).toBe(`MQTT port ${port} on 127.0.0.1 is already in use (is Mosquitto running?): set mqtt.embedded.port or pass --mqtt-port`);
  });

  it('reports a busy HTTP port and releases what it had started', async () => {
    const port = await occupiedPort();
    const dataDir = newDataDir();
    const err = await startIngest(testConfig(dataDir, { http: { port } }), { logger: silentLogger() }).catch((e: unknown) => e);
    expect((err as FreshTrailError).code).toBe('FT_ERR_PORT_IN_USE');
    expect((err as Error).message).toBe(`HTTP port ${port} on 127.0.0.1 is already in use: set http.port or pass --http-port`);
    // The store was closed on the way out: the same directory opens again.
    await start(testConfig(dataDir));
  });

  it('fails clearly when the external broker is unreachable', async () => {
    const port = await freedPort(); // nothing listens: the connection is refused
    const config = testConfig(newDataDir(), { mqtt: { url: `mqtt://127.0.0.1:${port}` } });
    const started = Date.now();
    const err = await startIngest(config, { logger: silentLogger() }).catch((e: unknown) => e);
    expect((err as FreshTrailError).code).toBe('FT_ERR_CONFIG');
    expect((err as Error).message).toMatch(/cannot connect to the MQTT broker at mqtt:\/\/127\.0\.0\.1:\d+/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
