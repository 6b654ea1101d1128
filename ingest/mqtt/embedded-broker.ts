/**
 * The MQTT broker inside the ingest process (aedes 1.x, MQTT 3.1.1): the embedded default of
 * DESIGN.md "Embedded defaults and scale-out". Gateways and the ingest's own batch subscriber
 * connect to it like to any broker; for several ingest instances use an external broker.
 *
 * With `auth`, every client logs in (broker-auth.ts): gateways with their API key, the ingest's
 * own clients with a per-process secret that only `internalUrl` carries. With `tls`, a second
 * listener speaks MQTT over TLS (8883, mutual TLS optional); the plain listener stays, for the
 * ingest's own clients and local tools, and should then listen on loopback only
 * (docs/transport-security.md "MQTTS").
 */
import { createServer, type AddressInfo, type Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes } from 'aedes';
import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import { listen, listenError, urlHost } from '../../common/net.js';
import { loadServerTls, type ServerTlsFiles } from '../server-tls.js';
import { MqttAccessPolicy, newInternalCredentials, type ApiKeyCheck, type MqttRefusal } from './access.js';
import { installAccessControl } from './broker-auth.js';

export interface EmbeddedBrokerTls extends ServerTlsFiles {
  /** TCP port of the TLS listener; 0 picks any free port. */
  port: number;
}

export interface EmbeddedBrokerOptions {
  host: string;
  /** 0 picks any free port. */
  port: number;
  logger: Logger;
  /** Require credentials (gateway API keys). Without it any client may connect and publish anywhere. */
  auth?: {
    keys: ApiKeyCheck;
  };
  /** Called once per refused connection, publish, subscription or TLS handshake, with the reason (the metric). */
  onRefused?: (reason: MqttRefusal) => void;
  /** Also listen for MQTT over TLS on the same host. */
  tls?: EmbeddedBrokerTls;
}

export interface EmbeddedBroker {
  /** mqtt://host:port with the port actually bound, without credentials. */
  readonly url: string;
  readonly port: number;
  /** mqtts://host:port of the TLS listener, when there is one. */
  readonly tlsUrl?: string;
  readonly tlsPort?: number;
  /**
   * The URL the ingest's own clients connect with: `url`, with the internal user name and
   * secret when auth is on. A secret: never log it (redact it first).
   */
  readonly internalUrl: string;
  /** Disconnects every client and stops listening. Safe to call twice. */
  close(): Promise<void>;
}

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const { host, port, logger } = options;
  // Read the TLS files before anything listens: a bad file fails the start with nothing to undo.
  const tlsOptions = options.tls ? await loadServerTls(options.tls, 'mqtt.embedded.tls') : undefined;
  const aedes = await Aedes.createBroker();
  aedes.on('clientError', (client, err) => logger.debug({ client: client.id, err: errorMessage(err) }, 'mqtt client error'));
  aedes.on('connectionError', (client, err) => logger.debug({ client: client?.id, err: errorMessage(err) }, 'mqtt connection error'));
  const internal = options.auth ? newInternalCredentials() : undefined;
  if (options.auth && internal) {
    installAccessControl(aedes, { policy: new MqttAccessPolicy(options.auth.keys, internal), logger, ...(options.onRefused ? { onRefused: options.onRefused } : {}) });
  }
  const servers: Server[] = [];
  const closeAll = async (): Promise<void> => {
    // aedes.close() ends every client connection; then the listening sockets can close.
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    await Promise.all(servers.filter((s) => s.listening).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  };

  const plain = createServer((socket) => aedes.handle(socket));
  servers.push(plain);
  try {
    await listen(plain, host, port);
  } catch (err) {
    await closeAll();
    throw listenError(err, { what: 'MQTT', host, port, option: 'mqtt.embedded.port', flag: '--mqtt-port', hint: ' (is Mosquitto running?)' });
  }
  const bound = (plain.address() as AddressInfo).port;
  const url = `mqtt://${urlHost(host)}:${bound}`;

  let tlsPort: number | undefined;
  if (tlsOptions && options.tls) {
    const secure = createTlsServer(tlsOptions, (socket) => aedes.handle(socket));
    // A refused handshake (no or untrusted client certificate, plain MQTT on the TLS port).
    secure.on('tlsClientError', (err, socket) => {
      if (options.tls?.requestClientCert) options.onRefused?.('tls_handshake');
      logger.warn({ remote: socket.remoteAddress, err: errorMessage(err).replace(/\s+/g, ' ').trim() }, 'MQTTS handshake refused');
    });
    servers.push(secure);
    try {
      await listen(secure, host, options.tls.port);
    } catch (err) {
      await closeAll();
      throw listenError(err, { what: 'MQTTS', host, port: options.tls.port, option: 'mqtt.embedded.tls.port' });
    }
    tlsPort = (secure.address() as AddressInfo).port;
    if (!isLoopback(host)) {
      logger.warn({ host, port: bound }, 'mqtt.embedded.tls is set but the plain MQTT listener is not on loopback: passwords can cross the network in clear; set mqtt.embedded.host to 127.0.0.1');
    }
  }
  const tlsUrl = tlsPort === undefined ? undefined : `mqtts://${urlHost(host)}:${tlsPort}`;
  logger.info({ url, ...(tlsUrl ? { tlsUrl } : {}), requireAuth: internal !== undefined }, 'embedded MQTT broker listening');

  let internalUrl = url;
  if (internal) {
    const u = new URL(url);
    u.username = internal.username;
    u.password = internal.password;
    internalUrl = u.toString().replace(/\/$/, '');
  }
  let closed: Promise<void> | undefined;
  return {
    url,
    port: bound,
    ...(tlsUrl === undefined ? {} : { tlsUrl, tlsPort }),
    internalUrl,
    close: () => {
      closed ??= closeAll();
      return closed;
    },
  };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
