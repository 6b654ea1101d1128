/**
 * Per-gateway MQTT credentials on the embedded broker (docs/transport-security.md): a real
 * ingest (startIngest, SQLite, aedes on port 0) and real mqtt.js clients logging in with API
 * keys made in the store.
 */
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.js';
import { ackTopic, batchTopic, parseAck, type Ack } from '../../protocol/ack.js';
import { gatewayLogin, type MqttLogin } from '../../test/support/gateway-key.js';
import { waitFor } from '../../test/support/wait.js';
import { generateApiKey } from '../auth/api-keys.js';
import { defaultIngestConfig } from '../config.js';
import { startIngest, type IngestHandle } from '../service.js';
import { TestGateway, envelopeBytes, tempDir } from '../test-helpers.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startTestIngest(overrides: Record<string, unknown> = {}): Promise<IngestHandle> {
  const tmp = tempDir();
  cleanups.push(tmp.cleanup);
  const config = defaultIngestConfig({ dataDir: tmp.dir, http: { port: 0 }, mqtt: { embedded: { port: 0 } }, logLevel: 'silent', ...overrides });
  const ingest = await startIngest(config, { logger: silentLogger() });
  cleanups.push(() => ingest.close());
  return ingest;
}

let clientNo = 0;
async function connect(url: string, login: Partial<MqttLogin> | undefined, options: IClientOptions = {}): Promise<MqttClient> {
  const client = await connectAsync(url, {
    clientId: `auth-test-${++clientNo}`,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...(login?.username === undefined ? {} : { username: login.username }),
    ...(login?.password === undefined ? {} : { password: login.password }),
    ...options,
  });
  cleanups.push(() => client.endAsync(true));
  return client;
}

/** The CONNACK return code of a refused login (mqtt.js puts it on the error as `code`). */
async function refusal(url: string, login: Partial<MqttLogin> | undefined, options: IClientOptions = {}): Promise<number | undefined> {
  const err = await connect(url, login, options).then(
    () => undefined,
    (e: unknown) => e as { code?: number },
  );
  expect(err, 'the connection should have been refused').toBeDefined();
  return err?.code;
}

/** Acks arriving on the client, by seq. */
function collectAcks(client: MqttClient): (seq: number) => Promise<Ack> {
  const acks: Ack[] = [];
  client.on('message', (_topic, payload) => {
    const ack = parseAck(payload);
    if (ack) acks.push(ack);
  });
  return async (seq) => {
    await waitFor(() => acks.some((a) => a.seq === seq), `the ack of seq ${seq}`, 5000);
    return acks.find((a) => a.seq === seq)!;
  };
}

async function failures(ingest: IngestHandle, reason: string): Promise<number> {
  const { values } = await ingest.metrics.mqttAuthFailures.get();
  return values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

describe('embedded broker with per-gateway credentials (requireAuth, the default with auth.enabled)', () => {
  let ingest: IngestHandle;
  const a = new TestGateway('gw-a');
  const b = new TestGateway('gw-b');
  let loginA: MqttLogin;
  let loginB: MqttLogin;

  beforeAll(async () => {
    ingest = await startTestIngest();
    for (const gw of [a, b]) await ingest.pipeline.enroll({ id: gw.id, publicKey: gw.publicKey });
    loginA = await gatewayLogin(ingest.store, a.id);
    loginB = await gatewayLogin(ingest.store, b.id);
  });

  it('lets gateway A publish a batch with its key, and acks it on its ack topic', async () => {
    const client = await connect(ingest.mqttUrl, loginA);
    const ack = collectAcks(client);
    expect(await client.subscribeAsync(ackTopic(a.id), { qos: 1 })).toEqual([expect.objectContaining({ qos: 1 })]);
    const sealed = a.next();
    await client.publishAsync(batchTopic(a.id), envelopeBytes(sealed), { qos: 1 });
    expect(await ack(sealed.batch.seq)).toMatchObject({ status: 'accepted', id: sealed.id });
    expect((await ingest.store.getBatchHeader(a.id, sealed.batch.seq))?.transport).toBe('mqtt');
  });

  it("refuses A's publish on B's topic: the connection closes and the batch never reaches the store", async () => {
    const before = await failures(ingest, 'publish_denied');
    const client = await connect(ingest.mqttUrl, loginA);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    const forged = b.seal({ seq: 99, prev: '00'.repeat(32) });
    // MQTT 3.1.1 has no negative PUBACK: aedes closes the connection instead (MQTT-3.3.5-2).
    client.publish(batchTopic(b.id), envelopeBytes(forged), { qos: 1 });
    await closed;
    expect(await failures(ingest, 'publish_denied')).toBe(before + 1);
    // B's own batch after it goes through, and is the only one of B's stored.
    const clientB = await connect(ingest.mqttUrl, loginB);
    const ack = collectAcks(clientB);
    await clientB.subscribeAsync(ackTopic(b.id), { qos: 1 });
    const sealed = b.next();
    await clientB.publishAsync(batchTopic(b.id), envelopeBytes(sealed), { qos: 1 });
    expect(await ack(sealed.batch.seq)).toMatchObject({ status: 'accepted' });
    expect(await ingest.store.getBatchHeader(b.id, 99)).toBeUndefined();
    expect(await ingest.store.listRejections(b.id)).toEqual([]);
  });

  it("refuses A's subscription to B's acks (SUBACK 0x80) and any wildcard", async () => {
    const client = await connect(ingest.mqttUrl, loginA);
    for (const filter of [ackTopic(b.id), 'freshtrail/v1/gateways/+/acks', '#', batchTopic(a.id)]) {
      // mqtt.js turns the SUBACK return code 0x80 into an error carrying the packet.
      const err = (await client.subscribeAsync(filter, { qos: 1 }).then(() => undefined, (e: unknown) => e)) as { packet?: { granted: number[] } } | undefined;
      expect(err?.packet?.granted, filter).toEqual([128]);
    }
    expect(client.connected).toBe(true); // a refused subscription does not end the connection
    expect(await failures(ingest, 'subscribe_denied')).toBeGreaterThanOrEqual(4);
  });

  it('refuses a wrong, unknown, revoked or expired key with CONNACK 4 (bad user name or password)', async () => {
    const revoked = await gatewayLogin(ingest.store, a.id);
    await ingest.store.revokeApiKey(revoked.keyId, 'test', Date.now());
    const expired = await gatewayLogin(ingest.store, a.id, { expiresAt: Date.now() - 1000 });
    expect(await refusal(ingest.mqttUrl, { username: a.id, password: 'hunter2' })).toBe(4);
    expect(await refusal(ingest.mqttUrl, { username: a.id, password: generateApiKey().key })).toBe(4);
    expect(await refusal(ingest.mqttUrl, { username: a.id, password: loginA.password.slice(0, -1) + (loginA.password.endsWith('A') ? 'B' : 'A') })).toBe(4);
    expect(await refusal(ingest.mqttUrl, revoked)).toBe(4);
    expect(await refusal(ingest.mqttUrl, expired)).toBe(4);
    expect(await failures(ingest, 'revoked')).toBe(1);
    expect(await failures(ingest, 'expired')).toBe(1);
    expect(await failures(ingest, 'bad_credentials')).toBeGreaterThanOrEqual(3);
  });

  it("refuses with CONNACK 5 (not authorized): no credentials, another role's key, B's key under A's name", async () => {
    await ingest.store.upsertParty({ id: 'grower-1', name: 'Grower', locations: ['farm-1'] }, Date.now());
    const grower = await gatewayLogin(ingest.store, 'grower-1', { role: 'grower' });
    const admin = await gatewayLogin(ingest.store, a.id, { role: 'admin' });
    expect(await refusal(ingest.mqttUrl, undefined)).toBe(5);
    expect(await refusal(ingest.mqttUrl, { username: a.id })).toBe(5);
    expect(await refusal(ingest.mqttUrl, grower)).toBe(5);
    expect(await refusal(ingest.mqttUrl, { ...admin, username: a.id })).toBe(5);
    expect(await refusal(ingest.mqttUrl, { username: a.id, password: loginB.password })).toBe(5);
    expect(await failures(ingest, 'no_credentials')).toBe(2);
    expect(await failures(ingest, 'wrong_role')).toBe(2);
    expect(await failures(ingest, 'wrong_gateway')).toBe(1);
  });

  it("refuses the reserved internal user name and a client id held by another login's live connection", async () => {
    expect(await refusal(ingest.mqttUrl, { username: 'freshtrail-ingest-000000000000', password: 'guess' })).toBe(4);
    const holder = await connect(ingest.mqttUrl, loginA, { clientId: 'shared-id' });
    expect(await refusal(ingest.mqttUrl, loginB, { clientId: 'shared-id' })).toBe(2);
    expect(holder.connected).toBe(true);
    // The ingest's own subscriber keeps its session: a gateway cannot take it over.
    expect(await refusal(ingest.mqttUrl, loginA, { clientId: 'freshtrail-ingest' })).toBe(2);
    expect((await fetch(`${ingest.httpUrl}/api/v1/health`)).status).toBe(200);
  });

  it('serves the failures counter on /metrics', async () => {
    const text = await ingest.metrics.registry.getSingleMetricAsString('freshtrail_ingest_mqtt_auth_failures_total');
    expect(text).toMatch(/freshtrail_ingest_mqtt_auth_failures_total\{reason="publish_denied"\} [1-9]/);
  });
});

describe("the ingest's own clients on a broker that requires credentials", () => {
  it('the alert publisher logs in with the internal secret: an integrity alert is delivered to the broker', async () => {
    const ingest = await startTestIngest({ alerts: { mqtt: { enabled: true }, delivery: { pollIntervalMs: 100 } } });
    const gw = new TestGateway('gw-alerting');
    await ingest.pipeline.enroll({ id: gw.id, publicKey: gw.publicKey });
    const impostor = new TestGateway(gw.id); // a key nobody enrolled: a bad signature raises a critical alert
    expect((await ingest.pipeline.submit(envelopeBytes(impostor.next()), { transport: 'http' })).status).toBe('rejected');
    await waitFor(async () => (await ingest.store.listDeliveries({ channel: 'mqtt', status: 'delivered', limit: 10 })).length > 0, 'the alert delivered over MQTT');
    expect(await failures(ingest, 'bad_credentials')).toBe(0);
  });
});

describe('requireAuth settings', () => {
  it('with mqtt.embedded.requireAuth false, behaves as before: anyone connects and publishes', async () => {
    const ingest = await startTestIngest({ mqtt: { embedded: { port: 0, requireAuth: false } } });
    const gw = new TestGateway('gw-open');
    await ingest.pipeline.enroll({ id: gw.id, publicKey: gw.publicKey });
    const client = await connect(ingest.mqttUrl, undefined);
    const ack = collectAcks(client);
    await client.subscribeAsync(ackTopic(gw.id), { qos: 1 });
    const sealed = gw.next();
    await client.publishAsync(batchTopic(gw.id), envelopeBytes(sealed), { qos: 1 });
    expect(await ack(1)).toMatchObject({ status: 'accepted' });
  });

  it('with auth.enabled false the broker is open by default, and requireAuth true still checks gateway keys', async () => {
    const open = await startTestIngest({ auth: { enabled: false } });
    await connect(open.mqttUrl, undefined);
    const strict = await startTestIngest({ auth: { enabled: false }, mqtt: { embedded: { port: 0, requireAuth: true } } });
    expect(await refusal(strict.mqttUrl, undefined)).toBe(5);
    await connect(strict.mqttUrl, await gatewayLogin(strict.store, 'gw-x'));
  });
});
