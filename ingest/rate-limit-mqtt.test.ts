/**
 * The rate limit over MQTT, at a real in-process broker: the gateway gets an Ack on its ack
 * topic with the retryable code FT_ERR_RATE_LIMITED and retryAfterS, and the batch is not stored.
 */
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../common/log.js';
import { ackTopic, batchTopic, parseAck, type Ack } from '../protocol/ack.js';
import { IngestMetrics } from './metrics.js';
import { startBatchSubscriber } from './mqtt/batch-subscriber.js';
import { startEmbeddedBroker } from './mqtt/embedded-broker.js';
import { IngestPipeline } from './pipeline.js';
import { openSqliteStore } from './store/sqlite.js';
import { T0, TestGateway, envelopeBytes, tempDir, testReadings } from './test-helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('rate limit over MQTT', () => {
  it('acks a batch beyond the limit with FT_ERR_RATE_LIMITED and retryAfterS, and stores nothing', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const store = openSqliteStore({ path: join(tmp.dir, 'ingest.sqlite') });
    cleanups.push(() => store.close());
    const clock = T0;
    const limits = { maxEnvelopeBytes: 64 * 1024, maxClockSkewMs: 300_000, maxQuarantinePerGateway: 10, gatewayRate: { readingsPerSecond: 2, burstReadings: 10 } };
    const pipeline = new IngestPipeline({ store, metrics: new IngestMetrics(), logger: silentLogger(), limits, now: () => clock });
    cleanups.push(() => pipeline.close());
    const gw = new TestGateway('gw-mqtt');
    await pipeline.enroll({ id: gw.id, publicKey: gw.publicKey });

    const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, logger: silentLogger() });
    cleanups.push(() => broker.close());
    const subscriber = await startBatchSubscriber({ url: broker.url, clientId: 'ft-rate-test', sink: pipeline, logger: silentLogger() });
    cleanups.push(() => subscriber.close());
    const client: MqttClient = await connectAsync(broker.url, { clientId: 'gw-mqtt-client' });
    cleanups.push(() => client.endAsync());
    const acks: Ack[] = [];
    let wake: () => void = () => undefined;
    client.on('message', (_topic, payload) => {
      const ack = parseAck(payload);
      if (ack) acks.push(ack);
      wake();
    });
    await client.subscribeAsync(ackTopic(gw.id), { qos: 1 });
    const nextAck = (): Promise<Ack> =>
      new Promise((resolve) => {
        const check = (): void => (acks.length > 0 ? resolve(acks.shift()!) : void (wake = check));
        check();
      });

    await client.publishAsync(batchTopic(gw.id), envelopeBytes(gw.next(testReadings(8))), { qos: 1 });
    expect(await nextAck()).toMatchObject({ seq: 1, status: 'accepted' });
    const limited = gw.next(testReadings(5));
    await client.publishAsync(batchTopic(gw.id), envelopeBytes(limited), { qos: 1 });
    // 2 readings left, 5 needed at 2/s: 1.5 s → 2.
    expect(await nextAck()).toMatchObject({ seq: 2, id: limited.id, status: 'rejected', code: 'FT_ERR_RATE_LIMITED', retryAfterS: 2 });
    expect((await store.counts()).batches).toBe(1);
  });
});
