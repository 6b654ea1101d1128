/**
 * The PUBACK discipline of the batch subscriber, observed at a real aedes broker: the broker
 * gets the PUBACK of a batch only after the sink has finished with it and the Ack is out, and
 * a batch the subscriber did not finish is redelivered to the next session.
 */
import { createServer, type AddressInfo, type Server } from 'node:net';
import { Aedes } from 'aedes';
import { connectAsync } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { FreshTrailError } from '../../common/errors.js';
import { silentLogger } from '../../common/log.js';
import { ackTopic, batchTopic, type Ack } from '../../protocol/ack.js';
import type { Submission } from '../pipeline.js';
import { startBatchSubscriber, type BatchSink } from './batch-subscriber.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Broker {
  url: string;
  events: string[];
}

/** An aedes broker on port 0 that records the publishes and PUBACKs it sees, in order. */
async function testBroker(): Promise<Broker> {
  const aedes = await Aedes.createBroker();
  const server: Server = createServer((socket) => aedes.handle(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const events: string[] = [];
  // authorizePublish runs when the PUBLISH arrives; the 'publish' event comes later, after routing.
  aedes.authorizePublish = (client, packet, callback) => {
    if (client && packet.topic.startsWith('freshtrail/')) events.push(`publish ${packet.topic.split('/').pop()} ${packet.payload.toString().slice(0, 40)}`);
    callback(null);
  };
  aedes.on('ack', (packet, client) => {
    // aedes emits the original publish, or undefined when it no longer knows the message id.
    const topic = (packet as { topic?: string } | undefined)?.topic;
    if (topic) events.push(`puback-from ${client.id} ${topic.split('/').pop()}`);
  });
  return { url: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`, events };
}

/** A sink whose submissions wait until the test releases them. */
class HeldSink implements BatchSink {
  readonly received: string[] = [];
  private readonly releases: Array<() => void> = [];
  private waiters: Array<() => void> = [];

  submit(envelope: Uint8Array, submission: Submission): Promise<Ack> {
    const body = Buffer.from(envelope).toString();
    this.received.push(body);
    this.waiters.splice(0).forEach((wake) => wake());
    return new Promise((resolve) => {
      this.releases.push(() => resolve({ v: 1, gateway: submission.topicGateway ?? '', seq: Number(body), status: 'accepted' }));
    });
  }

  async waitForCount(n: number): Promise<void> {
    while (this.received.length < n) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  releaseNext(): void {
    this.releases.shift()?.();
  }

  /** For cleanup after a failed assertion: nothing may stay held, or close() would wait forever. */
  releaseAll(): void {
    while (this.releases.length > 0) this.releaseNext();
  }
}

async function publisher(url: string) {
  const client = await connectAsync(url, { clientId: `pub-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 0 });
  cleanups.push(() => client.endAsync(true));
  return client;
}

describe('batch subscriber', () => {
  it('PUBACKs a batch only after the sink finished and the Ack is published', async () => {
    const broker = await testBroker();
    const sink = new HeldSink();
    const subscriber = await startBatchSubscriber({ url: broker.url, clientId: 'ingest-a', sink, logger: silentLogger() });
    cleanups.push(async () => {
      sink.releaseAll();
      await subscriber.close();
    });
    const pub = await publisher(broker.url);
    const acks: string[] = [];
    await pub.subscribeAsync(ackTopic('gw'), { qos: 1 });
    pub.on('message', (_t, payload) => acks.push(payload.toString()));

    await pub.publishAsync(batchTopic('gw'), '1', { qos: 1 });
    await sink.waitForCount(1);
    // Let any eager PUBACK reach the broker before checking that none was sent.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(broker.events.filter((e) => e.startsWith('puback-from ingest-a'))).toEqual([]);

    sink.releaseNext();
    await expect.poll(() => broker.events.some((e) => e.startsWith('puback-from ingest-a')), { timeout: 5_000 }).toBe(true);
    const ackPublished = broker.events.findIndex((e) => e.startsWith('publish acks'));
    const batchPubacked = broker.events.findIndex((e) => e === 'puback-from ingest-a batches');
    expect(ackPublished).toBeGreaterThanOrEqual(0);
    expect(ackPublished).toBeLessThan(batchPubacked);
    await expect.poll(() => acks.length, { timeout: 5_000 }).toBe(1);
    expect(JSON.parse(acks[0]!)).toMatchObject({ status: 'accepted', seq: 1, gateway: 'gw' });
  });

  it('finishes the batch in progress at close and leaves the rest to the next session', async () => {
    const broker = await testBroker();
    const sink = new HeldSink();
    const first = await startBatchSubscriber({ url: broker.url, clientId: 'ingest-b', sink, logger: silentLogger() });
    cleanups.push(async () => {
      sink.releaseAll();
      await first.close();
    });
    const pub = await publisher(broker.url);
    await pub.publishAsync(batchTopic('gw'), '1', { qos: 1 });
    await pub.publishAsync(batchTopic('gw'), '2', { qos: 1 });
    await sink.waitForCount(1);

    let closed = false;
    const closing = first.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closed).toBe(false); // waits for batch 1
    sink.releaseNext();
    await closing;
    expect(sink.received).toEqual(['1']); // batch 2 was not taken while closing

    // Same client id, persistent session: the broker delivers batch 2 to the next subscriber, and
    // start does not wait for it to be processed (a backlog can be long).
    const nextSink = new HeldSink();
    const second = await startBatchSubscriber({ url: broker.url, clientId: 'ingest-b', sink: nextSink, logger: silentLogger() });
    cleanups.push(async () => {
      nextSink.releaseAll();
      await second.close();
    });
    await nextSink.waitForCount(1);
    expect(nextSink.received).toEqual(['2']);
  });

  it('answers a retryable sink failure with a rejected ack carrying the code', async () => {
    const broker = await testBroker();
    const failing: BatchSink = {
      submit: async () => {
        throw new FreshTrailError('FT_ERR_STORE', 'disk full');
      },
    };
    const subscriber = await startBatchSubscriber({ url: broker.url, clientId: 'ingest-c', sink: failing, logger: silentLogger() });
    cleanups.push(() => subscriber.close());
    const pub = await publisher(broker.url);
    const acks: Ack[] = [];
    await pub.subscribeAsync(ackTopic('gw'), { qos: 1 });
    pub.on('message', (_t, payload) => acks.push(JSON.parse(payload.toString()) as Ack));
    await pub.publishAsync(batchTopic('gw'), JSON.stringify({ batch: { gateway: 'gw', seq: 7 } }), { qos: 1 });
    await expect.poll(() => acks.length, { timeout: 5_000 }).toBe(1);
    expect(acks[0]).toMatchObject({ status: 'rejected', code: 'FT_ERR_STORE', seq: 7, gateway: 'gw' });
    expect(subscriber.connected).toBe(true);
  });

  it('with maxInFlight n takes n batches at once, PUBACKs n − 1 of them at once and the n-th when one finishes', async () => {
    const broker = await testBroker();
    const sink = new HeldSink();
    const subscriber = await startBatchSubscriber({ url: broker.url, clientId: 'ingest-d', sink, logger: silentLogger(), maxInFlight: 3 });
    cleanups.push(async () => {
      sink.releaseAll();
      await subscriber.close();
    });
    const pub = await publisher(broker.url);
    for (const seq of ['1', '2', '3', '4']) await pub.publishAsync(batchTopic('gw'), seq, { qos: 1 });
    await sink.waitForCount(3);
    const pubacks = (): number => broker.events.filter((e) => e === 'puback-from ingest-d batches').length;
    await expect.poll(pubacks, { timeout: 5_000 }).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sink.received).toEqual(['1', '2', '3']); // batch 4 waits behind the third PUBACK
    expect(pubacks()).toBe(2);

    sink.releaseNext(); // batch 1 committed: a place is free
    await sink.waitForCount(4);
    await expect.poll(pubacks, { timeout: 5_000 }).toBe(3);
    expect(sink.received).toEqual(['1', '2', '3', '4']);

    // close waits for every batch in progress, so each gets its Ack.
    let closed = false;
    const closing = subscriber.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closed).toBe(false);
    sink.releaseAll();
    await closing;
  });
});
