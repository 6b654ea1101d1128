/**
 * The forwarder against a real (in-process aedes) broker. The test plays the ingest's side of
 * the protocol so it can misbehave on purpose: drop a batch, reject one, ask for a retry.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.js';
import { ackTopic, batchTopic, type Ack } from '../../protocol/ack.js';
import { decodeEnvelope, sealBatch, type SealedBatch } from '../../protocol/batch.js';
import { keyPairFromSeed } from '../../protocol/keys.js';
import { EdgeMetrics } from '../metrics.js';
import { Outbox } from '../outbox/outbox.js';
import { MqttForwarder } from './mqtt-forwarder.js';

const key = keyPairFromSeed('22'.repeat(32));
const GW = 'gw-fwd';

let dir: string;
let broker: Aedes;
let server: Server;
let url: string;
let ingest: MqttClient;
let outbox: Outbox;
let forwarder: MqttForwarder;
let metrics: EdgeMetrics;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ft-fwd-'));
  broker = await Aedes.createBroker();
  server = createServer(broker.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `mqtt://127.0.0.1:${(server.address() as { port: number }).port}`;
  ingest = await mqtt.connectAsync(url, { clientId: 'test-ingest' });
  await ingest.subscribeAsync(batchTopic(GW), { qos: 1 });
  metrics = new EdgeMetrics();
  outbox = await Outbox.open({ dir: join(dir, 'outbox'), gatewayId: GW, logger: silentLogger(), metrics });
});

afterEach(async () => {
  await forwarder?.stop();
  await outbox.close();
  await ingest.endAsync();
  await new Promise<void>((r) => broker.close(() => r()));
  await new Promise<void>((r) => server.close(() => r()));
  await rm(dir, { recursive: true, force: true });
});

function startForwarder(ackTimeoutMs = 10_000): void {
  forwarder = new MqttForwarder({
    gatewayId: GW, url, ackTimeoutMs, maxInFlight: 4, retryDelayMs: 100,
    deadLetterDir: join(dir, 'dead-letter'), outbox, logger: silentLogger(), metrics, now: Date.now,
  });
  void forwarder.start();
}

async function sealReadings(count: number): Promise<SealedBatch[]> {
  const sealed: SealedBatch[] = [];
  for (let i = 0; i < count; i++) {
    await outbox.appendReading({ sensor: 's', location: 'l', ts: 1_700_000_000_000 + i, tsSource: 'gateway', tempC: 1, src: 't' });
    sealed.push((await outbox.seal((b) => sealBatch(b, key.privateKey), 1, Date.now()))!);
  }
  return sealed;
}

function ack(batch: SealedBatch, fields: Partial<Ack>): void {
  const message: Ack = { v: 1, gateway: GW, seq: batch.batch.seq, id: batch.id, status: 'accepted', ...fields };
  ingest.publish(ackTopic(GW), JSON.stringify(message), { qos: 1 });
}

const until = async (predicate: () => boolean, timeoutMs = 5000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('MqttForwarder', () => {
  it('sends in seq order and releases batches only on acknowledgement', async () => {
    const sealed = await sealReadings(3);
    const received: number[] = [];
    ingest.on('message', (_t, payload) => {
      const got = decodeEnvelope(payload);
      received.push(got.batch.seq);
      if (got.batch.seq !== 2) ack(got, {}); // seq 2 is never acknowledged
    });
    startForwarder();
    await until(() => received.length >= 3);
    expect(received.slice(0, 3)).toEqual([1, 2, 3]);
    await until(() => outbox.pending().length === 1);
    expect(outbox.pending()[0]!.id).toBe(sealed[1]!.id);
  });

  it('re-sends a batch whose acknowledgement does not come', async () => {
    await sealReadings(1);
    let deliveries = 0;
    ingest.on('message', (_t, payload) => {
      deliveries++;
      if (deliveries === 2) ack(decodeEnvelope(payload), { status: 'duplicate' });
    });
    startForwarder(300);
    await until(() => outbox.pending().length === 0);
    expect(deliveries).toBe(2);
  });

  it('moves a permanently rejected batch to the dead-letter folder with its reason', async () => {
    const [batch] = await sealReadings(1);
    ingest.on('message', (_t, payload) => ack(decodeEnvelope(payload), { status: 'rejected', code: 'FT_ERR_BAD_SIGNATURE', reason: 'test says no' }));
    startForwarder();
    await until(() => outbox.pending().length === 0);
    const [file] = await readdir(join(dir, 'dead-letter'));
    const letter = JSON.parse(await readFile(join(dir, 'dead-letter', file!), 'utf8'));
    expect(letter).toMatchObject({ code: 'FT_ERR_BAD_SIGNATURE', reason: 'test says no', id: batch!.id });
    expect(letter.envelope.sig).toBe(batch!.sig);
  });

  it('keeps a batch the ingest asks to retry and sends it again later', async () => {
    await sealReadings(1);
    let deliveries = 0;
    ingest.on('message', (_t, payload) => {
      deliveries++;
      const got = decodeEnvelope(payload);
      ack(got, deliveries === 1 ? { status: 'rejected', code: 'FT_ERR_STORE', reason: 'database down' } : {});
    });
    startForwarder(200);
    await until(() => outbox.pending().length === 0);
    expect(deliveries).toBe(2);
    await expect(readdir(join(dir, 'dead-letter'))).rejects.toThrow();
  });

  it('waits at least the Retry-After of a rate-limited batch before sending it again', async () => {
    await sealReadings(1);
    const deliveredAt: number[] = [];
    ingest.on('message', (_t, payload) => {
      deliveredAt.push(Date.now());
      const got = decodeEnvelope(payload);
      ack(got, deliveredAt.length === 1 ? { status: 'rejected', code: 'FT_ERR_RATE_LIMITED', reason: 'slow down', retryAfterS: 1 } : {});
    });
    startForwarder(5_000); // retryDelayMs is 100: the ingest's 1 s must win
    await until(() => outbox.pending().length === 0, 10_000);
    expect(deliveredAt).toHaveLength(2);
    expect(deliveredAt[1]! - deliveredAt[0]!).toBeGreaterThanOrEqual(950);
  });

  it('ignores an acknowledgement that names another batch id for the seq', async () => {
    const [batch] = await sealReadings(1);
    ingest.on('message', () => ack(batch!, { id: 'f'.repeat(64) }));
    startForwarder();
    await new Promise((r) => setTimeout(r, 300));
    expect(outbox.pending()).toHaveLength(1);
  });
});
