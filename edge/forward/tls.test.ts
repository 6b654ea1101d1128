/**
 * TLS for both transports with a throwaway CA made by the openssl CLI at test time. A TLS
 * terminating relay (as a reverse proxy would) sits in front of the real broker and the real
 * ingest and, for mutual TLS, requires a client certificate signed by the same CA.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../ingest/mqtt/embedded-broker.js';
import type { IngestHandle } from '../../ingest/service.js';
import { keyPairFromSeed } from '../../protocol/keys.js';
import { skipWithoutTool } from '../../test/support/tools.js';
import { waitFor } from '../../test/support/wait.js';
import { EdgeMetrics } from '../metrics.js';
import type { Outbox } from '../outbox/outbox.js';
import { HttpForwarder } from './http-forwarder.js';
import { MqttForwarder } from './mqtt-forwarder.js';
import { makeTestCerts, openOutbox, sealBatches, startRelay, startTestIngest, type Relay, type TestCerts } from './test-helpers.js';
import type { TlsFiles } from './tls.js';
import type { Forwarder } from './types.js';

const skip = skipWithoutTool('openssl');
const key = keyPairFromSeed('77'.repeat(32));

describe.skipIf(skip)('TLS (mqtts://, https://, mutual TLS)', () => {
  let dir: string;
  let certs: TestCerts;
  let broker: EmbeddedBroker;
  let ingest: IngestHandle;
  let mqttsRelay: Relay;
  let httpsRelay: Relay;
  let outbox: Outbox;
  let gatewayNo = 0;
  const stops: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ft-tls-'));
    certs = await makeTestCerts(join(dir, 'certs'));
    broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, logger: silentLogger() });
    ingest = await startTestIngest(join(dir, 'ingest'), { mqttUrl: broker.url });
    // Both relays demand a client certificate from our CA: mutual TLS.
    const serverTls = {
      key: readFileSync(certs.serverKeyFile),
      cert: readFileSync(certs.serverCertFile),
      ca: readFileSync(certs.caFile),
      requestCert: true,
      rejectUnauthorized: true,
    };
    mqttsRelay = await startRelay(broker.port, serverTls);
    httpsRelay = await startRelay(Number(new URL(ingest.httpUrl).port), serverTls);
  });

  afterAll(async () => {
    await mqttsRelay?.close();
    await httpsRelay?.close();
    await ingest?.close();
    await broker?.close();
    await rm(dir, { recursive: true, force: true });
  });

  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
    await outbox?.close();
  });

  /** A fresh, enrolled gateway with one sealed batch. */
  async function gatewayWithBatch(): Promise<string> {
    const id = `gw-tls-${++gatewayNo}`;
    await ingest.pipeline.enroll({ id, publicKey: key.publicKeyHex });
    outbox = await openOutbox(join(dir, id), id);
    await sealBatches(outbox, key, 1);
    return id;
  }

  const mutual = (): TlsFiles => ({ caFile: certs.caFile, certFile: certs.clientCertFile, keyFile: certs.clientKeyFile });
  const common = (gatewayId: string) => ({
    gatewayId, ackTimeoutMs: 2000, maxInFlight: 2, backoff: { initialMs: 20, maxMs: 100 },
    deadLetterDir: join(dir, gatewayId, 'dead-letter'), outbox, logger: silentLogger(), metrics: new EdgeMetrics(), now: Date.now,
  });

  async function run(forwarder: Forwarder): Promise<Forwarder> {
    stops.push(() => forwarder.stop());
    await forwarder.start();
    return forwarder;
  }

  const mqtts = (gatewayId: string, tls: TlsFiles) => run(new MqttForwarder({ ...common(gatewayId), url: `mqtts://127.0.0.1:${mqttsRelay.port}`, tls }));
  const https = (gatewayId: string, tls: TlsFiles) => run(new HttpForwarder({ ...common(gatewayId), url: `https://127.0.0.1:${httpsRelay.port}`, tls }));

  it('delivers over mqtts:// with our CA and a client certificate', async () => {
    const id = await gatewayWithBatch();
    const forwarder = await mqtts(id, mutual());
    await waitFor(() => outbox.pending().length === 0, 'the batch to be acknowledged', 5000);
    expect(forwarder.connected()).toBe(true);
    expect((await ingest.store.getBatchHeader(id, 1))?.transport).toBe('mqtt');
  });

  it('delivers over https:// with our CA and a client certificate', async () => {
    const id = await gatewayWithBatch();
    const forwarder = await https(id, mutual());
    await waitFor(() => outbox.pending().length === 0, 'the batch to be acknowledged', 5000);
    expect(forwarder.connected()).toBe(true);
    expect((await ingest.store.getBatchHeader(id, 1))?.transport).toBe('http');
  });

  it.each(['mqtts', 'https'] as const)('refuses a %s server signed by a CA we do not trust, and says which option to check', async (scheme) => {
    const id = await gatewayWithBatch();
    const tls = { ...mutual(), caFile: certs.otherCaFile };
    const forwarder = scheme === 'mqtts' ? await mqtts(id, tls) : await https(id, tls);
    await waitFor(() => forwarder.lastError() !== undefined, 'an error', 5000);
    const option = scheme === 'mqtts' ? 'forward.mqtt' : 'forward.http';
    expect(forwarder.lastError()).toMatch(new RegExp(`TLS: the server certificate is not trusted \\(.*\\); check ${option}\\.tls\\.caFile`));
    expect(forwarder.connected()).toBe(false);
    expect(outbox.pending()).toHaveLength(1);
  });

  it('is refused by a server that requires a client certificate when it has none', async () => {
    const id = await gatewayWithBatch();
    const forwarder = await https(id, { caFile: certs.caFile });
    await waitFor(() => forwarder.lastError() !== undefined, 'an error', 5000);
    expect(forwarder.lastError()).toMatch(/TLS: the server refused the handshake .*certFile/);
    expect(outbox.pending()).toHaveLength(1);
  });

  it('fails to start with the option named when a TLS file cannot be read', async () => {
    const id = await gatewayWithBatch();
    await expect(https(id, { caFile: join(dir, 'missing.pem') })).rejects.toThrow(/forward\.http\.tls\.caFile: cannot read .*missing\.pem \(ENOENT\)/);
    await expect(mqtts(id, { caFile: join(dir, 'missing.pem') })).rejects.toMatchObject({ code: 'FT_ERR_CONFIG' });
  });
});
