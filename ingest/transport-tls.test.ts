/**
 * Transport security of the ingest (docs/transport-security.md) with real parts: throwaway
 * certificates made by the openssl CLI (edge/forward/test-helpers.ts makeTestCerts), a real
 * ingest serving HTTPS and MQTTS on port 0, node:https and mqtt.js clients, and a real edge
 * agent forwarding over mqtts:// with its gateway API key.
 */
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../common/config.js';
import { silentLogger } from '../common/log.js';
import { EdgeAgent } from '../edge/agent.js';
import { EdgeConfigSchema } from '../edge/config.js';
import { makeTestCerts, type TestCerts } from '../edge/forward/test-helpers.js';
import { ackTopic, batchTopic, parseAck } from '../protocol/ack.js';
import { adminHeaders } from '../test/support/admin-key.js';
import { gatewayLogin } from '../test/support/gateway-key.js';
import { skipWithoutTool } from '../test/support/tools.js';
import { waitFor } from '../test/support/wait.js';
import { defaultIngestConfig } from './config.js';
import { startEmbeddedBroker } from './mqtt/embedded-broker.js';
import { startIngest, type IngestHandle } from './service.js';
import { TestGateway, envelopeBytes, tempDir } from './test-helpers.js';

const skip = skipWithoutTool('openssl');

const cleanups: Array<() => Promise<unknown> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let dir: string;
let certs: TestCerts;

async function start(overrides: Record<string, unknown>): Promise<IngestHandle> {
  const ingest = await startIngest(
    defaultIngestConfig({ dataDir: join(dir, `ingest-${cleanups.length}`), http: { port: 0 }, mqtt: { embedded: { port: 0 } }, logLevel: 'silent', ...overrides }),
    { logger: silentLogger() },
  );
  cleanups.push(() => ingest.close());
  return ingest;
}

interface ClientTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** GET over HTTPS with our own CA (and a client certificate); resolves the status, rejects on a TLS or network error. */
function httpsGet(url: string, tls: ClientTls, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ...tls, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}

describe.skipIf(skip)('transport security', () => {
  const mutual = (): ClientTls => ({ ca: readFileSync(certs.caFile), cert: readFileSync(certs.clientCertFile), key: readFileSync(certs.clientKeyFile) });
  const caOnly = (): ClientTls => ({ ca: readFileSync(certs.caFile) });
  const serverTls = (extra: Record<string, unknown> = {}) => ({ certFile: certs.serverCertFile, keyFile: certs.serverKeyFile, ...extra });

  beforeAll(async () => {
    const tmp = tempDir('ft-transport-tls-');
    cleanups.push(tmp.cleanup);
    dir = tmp.dir;
    certs = await makeTestCerts(join(dir, 'certs'));
  });

  describe('HTTPS (http.tls)', () => {
    it('serves the API over HTTPS, and a plain-HTTP client fails', async () => {
      const ingest = await start({ http: { port: 0, tls: serverTls() } });
      expect(ingest.httpUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(await httpsGet(`${ingest.httpUrl}/api/v1/health`, caOnly())).toBe(200);
      expect(await httpsGet(`${ingest.httpUrl}/api/v1/gateways`, caOnly(), adminHeaders(ingest))).toBe(200);
      expect(await httpsGet(`${ingest.httpUrl}/api/v1/gateways`, caOnly())).toBe(401); // TLS is no credential
      // The same port spoken to in plain HTTP: the TLS server drops the connection.
      const plain = ingest.httpUrl.replace(/^https:/, 'http:');
      await expect(new Promise((resolve, reject) => http.get(`${plain}/api/v1/health`, resolve).on('error', reject))).rejects.toThrow();
      // A client that does not trust our CA refuses the server.
      await expect(httpsGet(`${ingest.httpUrl}/api/v1/health`, { ca: readFileSync(certs.otherCaFile) })).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    });

    it('with requestClientCert (mutual TLS), refuses a client without a certificate and accepts a CA-signed one', async () => {
      const ingest = await start({ http: { port: 0, tls: serverTls({ caFile: certs.caFile, requestClientCert: true }) } });
      await expect(httpsGet(`${ingest.httpUrl}/api/v1/health`, caOnly())).rejects.toThrow();
      expect(await httpsGet(`${ingest.httpUrl}/api/v1/health`, mutual())).toBe(200);
      await ingest.close(); // closes with the app, keep-alive connections and all
    });
  });

  describe('MQTTS (mqtt.embedded.tls)', () => {
    it('with requestClientCert, refuses a gateway without a client certificate and accepts one with a CA-signed certificate and its key', async () => {
      const ingest = await start({ mqtt: { embedded: { port: 0, tls: { port: 0, ...serverTls({ caFile: certs.caFile, requestClientCert: true }) } } } });
      expect(ingest.mqttsUrl).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
      const gw = new TestGateway('gw-mqtts');
      await ingest.pipeline.enroll({ id: gw.id, publicKey: gw.publicKey });
      const login = await gatewayLogin(ingest.store, gw.id);
      const base = { ...login, reconnectPeriod: 0, connectTimeout: 5000 };

      await expect(mqtt.connectAsync(ingest.mqttsUrl!, { ...base, ...caOnly() })).rejects.toThrow();
      await waitFor(async () => ((await ingest.metrics.mqttAuthFailures.get()).values.find((v) => v.labels.reason === 'tls_handshake')?.value ?? 0) >= 1, 'the refused handshake to be counted');
      // A certificate is not a login: the API key is still required.
      await expect(mqtt.connectAsync(ingest.mqttsUrl!, { ...mutual(), reconnectPeriod: 0, connectTimeout: 5000 })).rejects.toMatchObject({ code: 5 });

      const client = await mqtt.connectAsync(ingest.mqttsUrl!, { ...base, ...mutual() });
      cleanups.push(() => client.endAsync(true));
      const acks: number[] = [];
      client.on('message', (_t, payload) => acks.push(parseAck(payload)?.seq ?? -1));
      await client.subscribeAsync(ackTopic(gw.id), { qos: 1 });
      await client.publishAsync(batchTopic(gw.id), envelopeBytes(gw.next()), { qos: 1 });
      await waitFor(() => acks.includes(1), 'the ack');
      expect((await ingest.store.getBatchHeader(gw.id, 1))?.transport).toBe('mqtt');
    });

    it('delivers an edge agent\'s batches end to end over mqtts:// with its gateway API key', async () => {
      const ingest = await start({ mqtt: { embedded: { port: 0, tls: { port: 0, ...serverTls() } } } });
      const sensors = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, logger: silentLogger() });
      cleanups.push(() => sensors.close());
      const gw = new TestGateway('gw-edge-tls');
      await ingest.pipeline.enroll({ id: gw.id, publicKey: gw.publicKey });
      const login = await gatewayLogin(ingest.store, gw.id);
      const config = validateConfig(
        {
          gateway: { id: gw.id, keyFile: 'unused' },
          dataDir: join(dir, 'edge'),
          batch: { maxReadings: 5, maxAgeMs: 100 },
          forward: { mqtt: { url: ingest.mqttsUrl, username: login.username, password: login.password, tls: { caFile: certs.caFile } }, ackTimeoutMs: 5000 },
          status: { port: 0 },
          inputs: [{ type: 'mqtt', name: 'zigbee', url: sensors.url, format: 'zigbee2mqtt', defaultLocation: 'cold-room-1' }],
        },
        EdgeConfigSchema,
        'test',
      );
      const agent = new EdgeAgent({ config, privateKey: gw.keys.privateKey, logger: silentLogger() });
      await agent.start();
      cleanups.push(() => agent.stop());
      const publisher = await mqtt.connectAsync(sensors.url, { clientId: 'tls-sensors' });
      cleanups.push(() => publisher.endAsync());
      for (let i = 0; i < 12; i++) await publisher.publishAsync(`zigbee2mqtt/probe-${i % 3}`, JSON.stringify({ temperature: 2 + i / 100, humidity: 90 }), { qos: 1 });
      await waitFor(() => agent.counters().readingsAccepted === 12, 'the agent to take every reading');
      expect(await agent.drained(15_000)).toBe(true);
      expect(agent.counters().connected).toBe(true);
      expect(await ingest.store.queryReadings({ gateway: gw.id, limit: 100 })).toHaveLength(12);
      expect(((await ingest.metrics.mqttAuthFailures.get()).values.reduce((sum, v) => sum + v.value, 0))).toBe(0);
    });
  });

  describe('unusable TLS files stop the start with FT_ERR_CONFIG naming the option', () => {
    const cases: Array<[string, () => Record<string, unknown>, RegExp]> = [
      ['a missing certificate', () => ({ http: { port: 0, tls: serverTls({ certFile: join(dir, 'missing.crt') }) } }), /http\.tls\.certFile: cannot read .*missing\.crt \(ENOENT\)/],
      ['a key that is not the certificate\'s', () => ({ http: { port: 0, tls: serverTls({ keyFile: certs.clientKeyFile }) } }), /http\.tls: keyFile .*client\.key is not the private key of certFile .*server\.crt/],
      ['a certificate that is not PEM', () => ({ mqtt: { embedded: { port: 0, tls: { port: 0, ...serverTls({ certFile: certs.serverKeyFile }) } } } }), /mqtt\.embedded\.tls\.certFile: .*server\.key is not a PEM certificate/],
      ['mutual TLS without a CA', () => ({ mqtt: { embedded: { port: 0, tls: { port: 0, ...serverTls({ requestClientCert: true }) } } } }), /mqtt\.embedded\.tls\.requestClientCert needs mqtt\.embedded\.tls\.caFile/],
    ];
    it.each(cases)('%s', async (_what, overrides, message) => {
      const err = await start(overrides()).then(() => undefined, (e: unknown) => e as { code?: string; message?: string });
      expect(err).toMatchObject({ code: 'FT_ERR_CONFIG' });
      expect(err?.message).toMatch(message);
    });
  });
});
