/**
 * Test support for the mqtt input: a real in-process aedes broker on an ephemeral port, a TCP
 * proxy whose connections a test can cut (a subscriber killed mid-message, as kill -9 would
 * leave it: no PUBACK, no DISCONNECT), and the redelivery scenarios run against aedes and
 * against the machine's Mosquitto.
 */
import { randomBytes } from 'node:crypto';
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { silentLogger } from '../../../common/log.js';
import type { Reading } from '../../../protocol/reading.js';
import { EdgeMetrics } from '../../metrics.js';
import type { ReadingMeta } from '../types.js';
import { createMqttInput, type MqttInputConfig } from './index.js';

export interface TestBroker {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startAedes(): Promise<TestBroker> {
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    close: async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface CuttableProxy {
  url: string;
  /** Destroys every proxied connection and refuses new ones. */
  cut(): Promise<void>;
}

/** A TCP proxy to 127.0.0.1:`targetPort` on an ephemeral port. */
export async function startProxy(targetPort: number): Promise<CuttableProxy> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

export interface DeliveryFlags {
  dup: boolean;
  messageId?: number;
}

/**
 * The broker alone: a persistent-session subscriber receives a QoS 1 message and dies without
 * PUBACK; the same client id reconnects (clean: false). Returns the PUBLISH flags of both
 * deliveries. MQTT 3.1.1 MQTT-3.3.1-1: a re-delivery MUST carry DUP = 1, with the original
 * packet identifier (MQTT-4.4.0-1).
 */
export async function probeRedelivery(broker: { url: string; port: number }): Promise<{ first: DeliveryFlags; second: DeliveryFlags }> {
  const run = randomBytes(4).toString('hex');
  const clientId = `ft-test-probe-${run}`;
  const topic = `ft-test-${run}/probe`;
  const proxy = await startProxy(broker.port);
  const subscriber = await mqtt.connectAsync(proxy.url, { clientId, clean: false, reconnectPeriod: 0 });
  const publisher = await mqtt.connectAsync(broker.url, { clientId: `${clientId}-pub`, reconnectPeriod: 0 });
  try {
    await subscriber.subscribeAsync(topic, { qos: 1 });
    const first = new Promise<DeliveryFlags>((resolve) => {
      // Never calling `done` withholds the PUBACK (mqtt.js lib/handlers/publish.js).
      subscriber.handleMessage = (packet) => resolve({ dup: packet.dup, messageId: packet.messageId });
    });
    await publisher.publishAsync(topic, 'probe', { qos: 1 });
    const firstFlags = await first;
    await proxy.cut();
    await subscriber.endAsync(true);
    const again = mqtt.connect(broker.url, { clientId, clean: false, reconnectPeriod: 0 });
    const secondFlags = await new Promise<DeliveryFlags>((resolve) => {
      again.on('message', (_topic, _payload, packet) => resolve({ dup: packet.dup, messageId: packet.messageId }));
    });
    await again.endAsync();
    return { first: firstFlags, second: secondFlags };
  } finally {
    await publisher.endAsync(true);
    await dropSession(broker.url, clientId);
  }
}

export interface InputDelivery {
  reading: Reading;
  meta: ReadingMeta | undefined;
}

/**
 * The same through the mqtt input: the first input's agent is still journaling the reading when
 * its connection dies; a new input with the same client id gets the message again. Returns what
 * each emit call was given.
 */
export async function inputRedelivery(
  broker: { url: string; port: number },
  overrides: Partial<MqttInputConfig> = {},
): Promise<{ first: InputDelivery; second: InputDelivery }> {
  const run = randomBytes(4).toString('hex');
  const clientId = `ft-test-edge-${run}`;
  const topic = `ft-test-${run}/tele/cold-room-2/SENSOR`;
  const payload = '{"Time":"2024-03-04T10:11:12.345+01:00","SHT3X-0x45":{"Temperature":3.8,"Humidity":91.4,"DewPoint":2.5},"TempUnit":"C"}';
  const ctx = { logger: silentLogger(), metrics: new EdgeMetrics(), now: () => Date.UTC(2024, 2, 4, 9, 12, 0) };
  const config = (url: string): MqttInputConfig => ({
    type: 'mqtt',
    name: 'redelivery',
    url,
    clientId,
    format: 'tasmota',
    topics: [`ft-test-${run}/tele/+/SENSOR`],
    defaultLocation: 'cold-room-2',
    ...overrides,
  });
  const proxy = await startProxy(broker.port);
  const device = await mqtt.connectAsync(broker.url, { clientId: `ft-test-dev-${run}`, reconnectPeriod: 0 });
  try {
    const deliveries: InputDelivery[] = [];
    let release: (err: Error) => void = () => {};
    const dying = createMqttInput(config(proxy.url), ctx);
    await dying.start((reading, meta) => {
      deliveries.push({ reading, meta });
      return new Promise<void>((_resolve, reject) => (release = reject));
    });
    await device.publishAsync(topic, payload, { qos: 1 });
    await waitFor(() => deliveries.length === 1, 'the first delivery');
    await proxy.cut(); // the gateway dies here: the broker never sees a PUBACK
    release(new Error('killed'));
    await dying.stop();

    const next = createMqttInput(config(broker.url), ctx);
    await next.start(async (reading, meta) => {
      deliveries.push({ reading, meta });
    });
    await waitFor(() => deliveries.length === 2, 'the redelivery');
    await next.stop();
    return { first: deliveries[0]!, second: deliveries[1]! };
  } finally {
    await device.endAsync(true);
    await dropSession(broker.url, clientId);
  }
}

/**
 * Polls until `condition` holds (10 s at most). A copy of test/support/wait.ts, because this
 * module is not a test file and must not pull test/ into the build.
 */
async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Ends the persistent session a test created (a shared broker keeps it otherwise). */
async function dropSession(url: string, clientId: string): Promise<void> {
  const cleanup = await mqtt.connectAsync(url, { clientId, clean: true, reconnectPeriod: 0 });
  await cleanup.endAsync();
}
