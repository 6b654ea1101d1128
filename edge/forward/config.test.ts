import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ConfigError, validateConfig } from '../../common/config.js';
import { silentLogger } from '../../common/log.js';
import { keyPairFromSeed } from '../../protocol/keys.js';
import { waitFor } from '../../test/support/wait.js';
import { EdgeMetrics } from '../metrics.js';
import type { Outbox } from '../outbox/outbox.js';
import { applyForwardEnv, checkForwardConfig, createForwarder, ForwardConfigSchema, resolveBackoff, type ForwardConfig } from './config.js';
import { FailoverForwarder } from './failover.js';
import { HttpForwarder } from './http-forwarder.js';
import { MqttForwarder } from './mqtt-forwarder.js';
import { openOutbox, sealBatches } from './test-helpers.js';

const parse = (raw: unknown): ForwardConfig => validateConfig(raw, ForwardConfigSchema, 'edge.yaml');

let dir: string;
let outbox: Outbox;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ft-fwd-config-'));
  outbox = await openOutbox(dir, 'gw-config');
});
afterAll(async () => {
  await outbox.close();
  await rm(dir, { recursive: true, force: true });
});

const deps = () => ({ gatewayId: 'gw-config', outbox, deadLetterDir: join(dir, 'dead-letter'), logger: silentLogger(), metrics: new EdgeMetrics(), now: Date.now });

describe('forward configuration', () => {
  it('accepts the forward section of the shipped sample (the earlier MQTT-only shape)', () => {
    const sample = parseYaml(readFileSync('edge/edge.sample.yaml', 'utf8')) as { forward: unknown };
    const config = parse(sample.forward);
    expect(config).toMatchObject({ ackTimeoutMs: 15000, maxInFlight: 8, failoverAfterMs: 30000, backoff: { maxMs: 30000, jitter: 'full' } });
    expect(createForwarder(config, deps())).toBeInstanceOf(MqttForwarder);
  });

  it('documents its backoff defaults; a legacy retryDelayMs does not slow reconnects down', () => {
    expect(resolveBackoff(parse({ mqtt: { url: 'mqtt://x' } }))).toEqual({ initialMs: 1000, maxMs: 30000, jitter: 'full' });
    expect(resolveBackoff(parse({ mqtt: { url: 'mqtt://x' }, retryDelayMs: 5000 })).initialMs).toBe(1000);
    expect(resolveBackoff(parse({ mqtt: { url: 'mqtt://x' }, backoff: { initialMs: 200, maxMs: 800, jitter: 'decorrelated' } }))).toEqual({ initialMs: 200, maxMs: 800, jitter: 'decorrelated' });
  });

  it('builds an HTTP forwarder, or a failover pair with MQTT primary unless told otherwise', async () => {
    expect(createForwarder(parse({ http: { url: 'http://127.0.0.1:1' } }), deps())).toBeInstanceOf(HttpForwarder);
    const both = createForwarder(parse({ mqtt: { url: 'mqtt://127.0.0.1:1' }, http: { url: 'http://127.0.0.1:1' } }), deps());
    expect(both).toBeInstanceOf(FailoverForwarder);
    expect(both.transport()).toBe('mqtt');
    const httpFirst = createForwarder(parse({ mqtt: { url: 'mqtt://127.0.0.1:1' }, http: { url: 'http://127.0.0.1:1' }, primary: 'http' }), deps());
    expect(httpFirst.transport()).toBe('http');
  });

  it.each([
    [{}, /edge\.yaml: forward: set forward\.mqtt, forward\.http, or both/],
    [{ mqtt: { url: 'mqtt://x' }, primary: 'http' }, /forward\.primary: 'http' is not configured/],
    [{ mqtt: { url: 'mqtt://x', tls: { caFile: 'ca.pem' } } }, /forward\.mqtt\.tls: only applies to a TLS URL/],
    [{ http: { url: 'http://x', tls: { caFile: 'ca.pem' } } }, /forward\.http\.tls: only applies to a TLS URL/],
    [{ http: { url: 'https://x', tls: { certFile: 'c.pem' } } }, /certFile and keyFile go together/],
    [{ http: { url: 'https://x' }, backoff: { initialMs: 5000, maxMs: 1000 } }, /backoff\.maxMs \(1000\) must be at least backoff\.initialMs \(5000\)/],
  ])('explains a configuration that cannot work: %j', (raw, message) => {
    const check = () => checkForwardConfig(parse(raw), 'edge.yaml');
    expect(check).toThrow(ConfigError);
    expect(check).toThrow(message);
  });

  it('rejects unknown keys and wrong values with the key named', () => {
    expect(() => parse({ http: { url: 'https://x', tsl: {} } })).toThrow(/http\.tsl: unknown key/);
    expect(() => parse({ http: { url: 'ftp://x' } })).toThrow(/http\.url: must match pattern/);
    expect(() => parse({ mqtt: { url: 'mqtt://x' }, primary: 'carrier-pigeon' })).toThrow(/primary: must be one of "mqtt", "http"/);
    expect(() => parse({ mqtt: { url: 'mqtt://x' }, backoff: { jitter: 'equal' } })).toThrow(/backoff\.jitter: must be one of "full", "decorrelated"/);
  });

  it('takes secrets from the environment for configured transports only', () => {
    const env = { FRESHTRAIL_MQTT_USERNAME: 'u', FRESHTRAIL_MQTT_PASSWORD: 'p', FRESHTRAIL_HTTP_BEARER_TOKEN: 't' };
    expect(applyForwardEnv(parse({ mqtt: { url: 'mqtt://x' } }), env)).toMatchObject({ mqtt: { username: 'u', password: 'p' } });
    expect(applyForwardEnv(parse({ mqtt: { url: 'mqtt://x' } }), env).http).toBeUndefined();
    expect(applyForwardEnv(parse({ http: { url: 'http://x' } }), env)).toMatchObject({ http: { bearerToken: 't' } });
    expect(applyForwardEnv(parse({ http: { url: 'http://x' } }), env).mqtt).toBeUndefined();
  });

  it('sends the configured headers and bearer token with every batch', async () => {
    const seen: http.IncomingHttpHeaders[] = [];
    const server = http.createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(503).end(); // keep the batch: this server is not an ingest
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await sealBatches(outbox, keyPairFromSeed('88'.repeat(32)), 1);
    const forwarder = createForwarder(parse({ http: { url, headers: { 'X-Api-Key': 'k1' }, bearerToken: 'secret' }, backoff: { initialMs: 20, maxMs: 50 } }), deps());
    try {
      await forwarder.start();
      await waitFor(() => seen.length > 0, 'a request');
      expect(seen[0]).toMatchObject({ 'x-api-key': 'k1', authorization: 'Bearer secret', 'content-type': 'application/json' });
    } finally {
      await forwarder.stop();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
