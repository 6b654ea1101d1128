/**
 * The MQTT alert channel against the machine's Mosquitto (127.0.0.1:1883), the broker a
 * scale-out deployment publishes alerts to (`mqtt.url`); delivery-job.test.ts covers the
 * embedded aedes broker. Delivered means Mosquitto's PUBACK; a subscriber picks a severity with
 * a wildcard. Topics carry a random prefix so concurrent runs on the shared broker stay apart.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.js';
import { skipWithoutService } from '../../test/support/tools.js';
import { openSqliteStore } from '../store/sqlite.js';
import { excursionAlert, tempDir } from '../test-helpers.js';
import { mqttChannel } from './channels.js';
import { AlertDeliveryJob } from './delivery-job.js';
import { DeliveryMetrics } from './delivery-metrics.js';

const URL = 'mqtt://127.0.0.1:1883';
const skip = await skipWithoutService('Mosquitto', '127.0.0.1', 1883);

const alert = excursionAlert;

describe.skipIf(skip)('MQTT alert channel with Mosquitto', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('publishes each accepted event with QoS 1 to <prefix>/<severity>/<kind>, delivered on the PUBACK', async () => {
    const prefix = `ft-test-${randomBytes(4).toString('hex')}/alerts`;
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const store = openSqliteStore({ path: join(tmp.dir, 'ingest.sqlite') });
    cleanups.push(() => store.close());
    const subscriber = await mqtt.connectAsync(URL, { clientId: `${prefix.replace('/', '-')}-watcher` });
    cleanups.push(() => subscriber.endAsync());
    await subscriber.subscribeAsync(`${prefix}/critical/#`, { qos: 1 });
    const got: Array<{ topic: string; qos: number; message: { id: number; type: string; alert: { kind: string; severity: string } } }> = [];
    subscriber.on('message', (topic, payload, packet) => got.push({ topic, qos: packet.qos, message: JSON.parse(payload.toString()) }));

    const job = new AlertDeliveryJob({
      store,
      channels: [mqttChannel({ url: URL, topicPrefix: prefix, clientId: `${prefix.replace('/', '-')}-ingest`, timeoutMs: 2000 })],
      policy: { maxAttempts: 4, initialBackoffMs: 20, maxBackoffMs: 100 },
      pollIntervalMs: 50,
      backfillMs: 60_000,
      metrics: new DeliveryMetrics(new Registry()),
      logger: silentLogger(),
    });
    job.start();
    cleanups.push(() => job.stop());

    await store.raiseAlert(alert()); // warning: published, but not to the critical/# subscription
    const { alert: fork } = await store.raiseAlert(alert({ dedupeKey: 'fork:gw:3', kind: 'fork', severity: 'critical' }));
    await expect.poll(async () => (await store.listDeliveries({ channel: 'mqtt', status: 'delivered', limit: 10 })).length, { timeout: 5000 }).toBe(2);
    await expect.poll(() => got.length, { timeout: 5000 }).toBe(1);
    expect(got).toEqual([{ topic: `${prefix}/critical/fork`, qos: 1, message: expect.objectContaining({ type: 'alert.opened', alert: expect.objectContaining({ id: fork.id, kind: 'fork', severity: 'critical' }) }) }]);
    const [delivery] = await store.listDeliveries({ channel: 'mqtt', limit: 1 });
    expect(got[0]!.message.id).toBe(delivery!.eventId);
  });
});
