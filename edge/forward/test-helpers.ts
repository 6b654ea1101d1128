/**
 * Real parts for the forwarder tests (not used by production code): an outbox with sealed
 * batches, a real ingest (startIngest: SQLite, pipeline, HTTP API, aedes), relays that stand
 * in for the network between gateway and ingest (they can be cut, re-pointed after a restart,
 * and terminate TLS like a reverse proxy), and throwaway certificates made with openssl.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import type { Counter } from 'prom-client';
import { silentLogger } from '../../common/log.js';
import { defaultIngestConfig } from '../../ingest/config.js';
import { startIngest, type IngestHandle } from '../../ingest/service.js';
import { sealBatch, type SealedBatch } from '../../protocol/batch.js';
import type { GatewayKeyPair } from '../../protocol/keys.js';
import { EdgeMetrics } from '../metrics.js';
import { Outbox } from '../outbox/outbox.js';

export async function openOutbox(dir: string, gatewayId: string, metrics = new EdgeMetrics()): Promise<Outbox> {
  return Outbox.open({ dir: join(dir, 'outbox'), gatewayId, logger: silentLogger(), metrics });
}

/** Seals `count` one-reading batches (seq continues the outbox chain). */
export async function sealBatches(outbox: Outbox, key: GatewayKeyPair, count: number): Promise<SealedBatch[]> {
  const sealed: SealedBatch[] = [];
  for (let i = 0; i < count; i++) {
    await outbox.appendReading({ sensor: 's', location: 'l', ts: Date.now() + i, tsSource: 'gateway', tempC: 1, src: 't' });
    sealed.push((await outbox.seal((b) => sealBatch(b, key.privateKey), 1, Date.now()))!);
  }
  return sealed;
}

/** A real ingest on port 0 (HTTP and, unless `mqttUrl` names an external broker, embedded MQTT). */
export async function startTestIngest(dataDir: string, options: { mqttUrl?: string } = {}): Promise<IngestHandle> {
  const mqtt = options.mqttUrl ? { url: options.mqttUrl } : { embedded: { port: 0 } };
  const config = defaultIngestConfig({ dataDir, http: { port: 0 }, mqtt, logLevel: 'silent' });
  return startIngest(config, { logger: silentLogger() });
}

/** Sum of an ingest counter over the label sets that match. */
export async function counterSum<L extends string>(counter: Counter<L>, labels: Partial<Record<L, string>>): Promise<number> {
  const { values } = await counter.get();
  return values.filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k as L] === want)).reduce((sum, v) => sum + v.value, 0);
}

export interface Relay {
  readonly port: number;
  /** Sends new connections to another port (a restarted service). */
  retarget(port: number): void;
  /** Drops every open connection (a cable pulled); new ones still go through. */
  cut(): void;
  close(): Promise<void>;
}

/**
 * A TCP relay on 127.0.0.1:0 to `targetPort`. A connection the target refuses is dropped, as
 * a client would see a service that is down. With `tls` it terminates TLS first (a TLS proxy).
 */
export async function startRelay(targetPort: number, tlsOptions?: tls.TlsOptions): Promise<Relay> {
  let target = targetPort;
  const open = new Set<Socket>();
  const onClient = (client: Socket): void => {
    const upstream = createConnection({ host: '127.0.0.1', port: target });
    open.add(client).add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  };
  const server: Server = tlsOptions ? tls.createServer(tlsOptions, onClient) : createServer(onClient);
  // A failed TLS handshake is the client's problem to report; keep the relay up.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    retarget: (port) => {
      target = port;
    },
    cut: () => {
      for (const socket of open) socket.destroy();
      open.clear();
    },
    close: async () => {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * An HTTP proxy on 127.0.0.1:0 that records the seq of every batch POSTed through it and the
 * most requests it ever held at once, optionally holding each for `delayMs`. When the ingest
 * behind it does not answer, it drops the client connection (a network failure to the client).
 */
export class RecordingProxy {
  readonly seqs: number[] = [];
  maxConcurrent = 0;
  private concurrent = 0;
  private server?: http.Server;
  private readonly upstreamAgent = new http.Agent({ keepAlive: false });

  constructor(public target: string, private readonly delayMs = 0) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.upstreamAgent.destroy();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    this.concurrent++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.concurrent);
    try {
      if (req.method === 'POST') this.seqs.push((JSON.parse(body.toString('utf8')) as { batch: { seq: number } }).batch.seq);
      if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
      const answer = await new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
        const { host: _host, ...headers } = req.headers;
        const upstream = http.request(new URL(req.url ?? '/', this.target), { method: req.method, headers, agent: this.upstreamAgent }, (up) => {
          const parts: Buffer[] = [];
          up.on('data', (c: Buffer) => parts.push(c));
          up.on('end', () => resolve({ status: up.statusCode ?? 502, headers: up.headers, body: Buffer.concat(parts) }));
          up.on('error', reject);
        });
        upstream.on('error', reject);
        upstream.end(body);
      });
      res.writeHead(answer.status, { 'content-type': answer.headers['content-type'] ?? 'application/json' });
      res.end(answer.body);
    } catch {
      req.socket.destroy();
    } finally {
      this.concurrent--;
    }
  }
}

export interface TestCerts {
  caFile: string;
  /** A CA that signed nothing here: trusting it must not let the server through. */
  otherCaFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
}

/**
 * A throwaway CA, a server certificate for 127.0.0.1/localhost and a client certificate, with
 * the openssl CLI (EC P-256 keys: fast to make).
 */
export async function makeTestCerts(dir: string): Promise<TestCerts> {
  await mkdir(dir, { recursive: true });
  const at = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  };
  const key = (name: string): void => openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', at(name));
  const ca = (name: string, subject: string): void => {
    key(`${name}.key`);
    openssl('req', '-x509', '-new', '-key', at(`${name}.key`), '-subj', subject, '-days', '2', '-out', at(`${name}.crt`),
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  };
  const leaf = (name: string, subject: string, ext: string): void => {
    key(`${name}.key`);
    openssl('req', '-new', '-key', at(`${name}.key`), '-subj', subject, '-out', at(`${name}.csr`));
    writeFileSync(at(`${name}.ext`), `${ext}\n`);
    openssl('x509', '-req', '-in', at(`${name}.csr`), '-CA', at('ca.crt'), '-CAkey', at('ca.key'), '-CAcreateserial',
      '-days', '2', '-out', at(`${name}.crt`), '-extfile', at(`${name}.ext`));
  };
  ca('ca', '/CN=FreshTrail test CA');
  ca('other-ca', '/CN=Somebody else');
  leaf('server', '/CN=localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost');
  leaf('client', '/CN=gw-tls', 'extendedKeyUsage=clientAuth');
  return {
    caFile: at('ca.crt'),
    otherCaFile: at('other-ca.crt'),
    serverCertFile: at('server.crt'),
    serverKeyFile: at('server.key'),
    clientCertFile: at('client.crt'),
    clientKeyFile: at('client.key'),
  };
}
