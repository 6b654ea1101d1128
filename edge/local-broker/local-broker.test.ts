/**
 * The local broker on an ephemeral port with real mqtt.js clients playing the devices and
 * the subscribers (Zigbee2MQTT, Node-RED, a siren controller).
 */
import { createServer, type AddressInfo, type Server } from 'node:net';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger, type Logger } from '../../common/log.js';
import { waitFor } from '../../test/support/wait.js';
import { startLocalBroker, type LocalBroker, type LocalBrokerConfig } from './index.js';

let brokers: LocalBroker[] = [];
let clients: MqttClient[] = [];
let blockers: Server[] = [];

afterEach(async () => {
  for (const c of clients) await c.endAsync(true);
  for (const b of brokers) await b.close();
  for (const s of blockers) await new Promise<void>((r) => s.close(() => r()));
  brokers = [];
  clients = [];
  blockers = [];
});

/** A logger whose warnings the test can read. */
function capturingLogger(): { logger: Logger; warnings: Array<Record<string, unknown>> } {
  const warnings: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, warnings };
}

async function start(config: LocalBrokerConfig = {}, logger: Logger = silentLogger()): Promise<LocalBroker> {
  const broker = await startLocalBroker({ enabled: true, host: '127.0.0.1', port: 0, ...config }, { logger });
  brokers.push(broker);
  return broker;
}

async function connect(broker: LocalBroker, opts: IClientOptions = {}): Promise<MqttClient> {
  const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
  clients.push(client);
  return client;
}

/** Collects messages a client receives on a filter. */
async function subscriber(broker: LocalBroker, filter: string, opts: IClientOptions = {}): Promise<Array<{ topic: string; payload: string; retain: boolean }>> {
  const client = await connect(broker, opts);
  const got: Array<{ topic: string; payload: string; retain: boolean }> = [];
  client.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString('utf8'), retain: packet.retain }));
  await client.subscribeAsync(filter, { qos: 1 });
  return got;
}

/** Resolves when the connection closes (events.once would reject on the 'error' before it). */
function closeOf(client: MqttClient): Promise<void> {
  return new Promise((resolve) => client.once('close', () => resolve()));
}

const TASMOTA = JSON.stringify({ Time: '2024-03-04T09:12:00', SHT3X: { Temperature: 3.4, Humidity: 91.2 }, TempUnit: 'C' });

describe('local broker', () => {
  it('relays a device message from one client to another', async () => {
    const broker = await start();
    expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`);
    expect(broker.port).toBeGreaterThan(0);
    const got = await subscriber(broker, 'tele/+/SENSOR');
    const device = await connect(broker, { clientId: 'tasmota-cold-room-3' });
    await device.publishAsync('tele/cold-room-3/SENSOR', TASMOTA, { qos: 1 });
    await waitFor(() => got.length === 1, 'the relayed message');
    expect(got[0]).toEqual({ topic: 'tele/cold-room-3/SENSOR', payload: TASMOTA, retain: false });
  });

  it("delivers the agent's own retained QoS 1 messages to subscribers that come later", async () => {
    const broker = await start();
    await broker.publish('freshtrail/v1/gateways/gw1/alarms/r1/cold-room-1', '{"state":"raised"}', { qos: 1, retain: true });
    const got = await subscriber(broker, 'freshtrail/v1/gateways/gw1/alarms/#');
    await waitFor(() => got.length === 1, 'the retained message');
    expect(got[0]).toEqual({ topic: 'freshtrail/v1/gateways/gw1/alarms/r1/cold-room-1', payload: '{"state":"raised"}', retain: true });
  });

  it('refuses anonymous clients and wrong passwords when users are configured', async () => {
    const broker = await start({ users: [{ username: 'tasmota', password: 's3cret-cold' }] });
    await expect(mqtt.connectAsync(broker.url, { reconnectPeriod: 0 })).rejects.toThrow(/Not authorized/i);
    await expect(mqtt.connectAsync(broker.url, { reconnectPeriod: 0, username: 'tasmota', password: 'wrong' })).rejects.toThrow(/Bad username or password/i);
    await expect(mqtt.connectAsync(broker.url, { reconnectPeriod: 0, username: 'nobody', password: 's3cret-cold' })).rejects.toThrow(/Bad username or password/i);
    const ok = await connect(broker, { username: 'tasmota', password: 's3cret-cold' });
    expect(ok.connected).toBe(true);
  });

  it('fails to start on a taken port with a message naming the port and the config key', async () => {
    const blocker = createServer();
    blockers.push(blocker);
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const taken = (blocker.address() as AddressInfo).port;
    const attempt = startLocalBroker({ enabled: true, host: '127.0.0.1', port: taken }, { logger: silentLogger() });
    await expect(attempt).rejects.toMatchObject({ code: 'FT_ERR_PORT_IN_USE' });
    await expect(attempt).rejects.toThrow(new RegExp(`port ${taken} on 127\\.0\\.0\\.1 is already in use.*localBroker\\.port`));
  });

  it('disconnects a client publishing over maxPayloadBytes and delivers nothing of it', async () => {
    const { logger, warnings } = capturingLogger();
    const broker = await start({ maxPayloadBytes: 1024 }, logger);
    const got = await subscriber(broker, 'zigbee2mqtt/#');
    const device = await connect(broker, { clientId: 'z2m' });
    await device.publishAsync('zigbee2mqtt/truck-7-rear', Buffer.alloc(1024, 0x20), { qos: 1 }); // exactly the limit: fine
    await waitFor(() => got.length === 1, 'the message at the limit');
    const closed = closeOf(device);
    device.publish('zigbee2mqtt/bridge/devices', Buffer.alloc(1025, 0x20), { qos: 0 });
    await closed;
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toHaveLength(1);
    expect(warnings).toContainEqual(expect.objectContaining({ client: 'z2m', reason: 'payload of 1025 bytes exceeds localBroker.maxPayloadBytes (1024)' }));
  });

  it('cuts a connection announcing a huge packet before buffering it', async () => {
    const { logger, warnings } = capturingLogger();
    const broker = await start({ maxPayloadBytes: 1024 }, logger);
    const got = await subscriber(broker, 'zigbee2mqtt/#');
    const device = await connect(broker, { clientId: 'z2m-huge' });
    device.on('error', () => {}); // the reset reaches the client while it is still sending: expected
    const closed = closeOf(device);
    device.publish('zigbee2mqtt/bridge/devices', Buffer.alloc(4 * 1024 * 1024, 0x20), { qos: 0 });
    await closed;
    expect(got).toHaveLength(0);
    // Closed by the byte-level guard (it logs the declared size), not after parsing 4 MiB.
    expect(warnings).toContainEqual(expect.objectContaining({ bytes: expect.any(Number), maxPayloadBytes: 1024 }));
    expect(warnings.some((w) => 'reason' in w)).toBe(false);
  });

  it('does not let clients publish on the agent topics (a device cannot forge or clear an alarm)', async () => {
    const broker = await start();
    const got = await subscriber(broker, 'freshtrail/#');
    const device = await connect(broker, { clientId: 'rogue' });
    const closed = closeOf(device);
    device.publish('freshtrail/v1/gateways/gw1/alarms/r1/cold-room-1', '{"state":"cleared"}', { qos: 0, retain: true });
    await closed;
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toHaveLength(0);
  });

  it('close() disconnects clients, frees the port and is safe to call twice', async () => {
    const broker = await start();
    const client = await connect(broker);
    const closed = closeOf(client);
    await Promise.all([broker.close(), broker.close()]);
    await closed;
    await expect(broker.publish('a/b', 'x')).rejects.toThrow(/closed/);
    const again = await start({ port: broker.port }); // the port is free again
    expect(again.port).toBe(broker.port);
  });
});
