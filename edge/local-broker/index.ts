/**
 * The agent's optional local MQTT broker (aedes 1.x, MQTT 3.1.1): devices on the farm network
 * publish straight to the gateway, the agent's mqtt inputs subscribe to it like to any broker,
 * and local alarms are published on it. It works with no uplink; nothing here is forwarded.
 * State (retained messages, sessions) is in memory and does not survive a restart.
 */
import { listen, listenError, urlHost } from '../../common/net.js';
import { createServer, type AddressInfo } from 'node:net';
import { Aedes, type AuthenticateError } from 'aedes';
import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import { credentialChecker, publishRefusal } from './auth.js';
import { LOCAL_BROKER_CONFIG_KEY, MQTT_MAX_REMAINING_LENGTH, resolveLocalBrokerConfig, type LocalBrokerConfig } from './config.js';
import { PacketSizeGuard } from './packet-size-guard.js';

export { LocalBrokerSchema, type LocalBrokerConfig } from './config.js';

export interface PublishOptions {
  /** Default 0. Subscribers receive min(this, their subscription QoS) (MQTT-3.8.4-6). */
  qos?: 0 | 1 | 2;
  /** Keep as the topic's last known value for later subscribers (MQTT-3.3.1-5). Default false. */
  retain?: boolean;
}

export interface LocalBroker {
  /** mqtt://host:port with the port actually bound (a loopback address when bound to all). */
  readonly url: string;
  readonly port: number;
  /** Publishes on behalf of the agent; resolves once the broker has routed the message. */
  publish(topic: string, payload: string | Buffer, opts?: PublishOptions): Promise<void>;
  /** Disconnects every client and stops listening. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Bytes a PUBLISH may carry besides its payload: topic length prefix, the longest topic
 * (65,535 bytes, MQTT 3.1.1 §1.5.3) and the packet identifier. The byte-level guard allows this
 * much on top of maxPayloadBytes, so it never cuts a message the exact payload check accepts.
 */
const PUBLISH_OVERHEAD = 2 + 65_535 + 2;

/** Starts the broker. Rejects with FT_ERR_PORT_IN_USE naming the port and config key if taken. */
export async function startLocalBroker(config: LocalBrokerConfig, deps: { logger: Logger }): Promise<LocalBroker> {
  const settings = resolveLocalBrokerConfig(config);
  const { host, port, maxPayloadBytes } = settings;
  const logger = deps.logger;
  const checkCredentials = credentialChecker(settings.users);

  const aedes = await Aedes.createBroker({
    authenticate: (client, username, password, done) => {
      const check = checkCredentials(username, password);
      if (check.ok) return done(null, true);
      logger.warn({ client: client.id, reason: check.reason }, 'local MQTT broker refused a client');
      const err = Object.assign(new Error(check.reason), { returnCode: check.returnCode as AuthenticateError['returnCode'] });
      done(err, false);
    },
    authorizePublish: (client, packet, callback) => {
      if (client === null) return callback(null); // a will published after its client is gone
      const bytes = typeof packet.payload === 'string' ? Buffer.byteLength(packet.payload) : packet.payload.length;
      const refusal = publishRefusal(packet.topic, bytes, maxPayloadBytes);
      if (refusal === undefined) return callback(null);
      // MQTT-3.3.5-2: a refused PUBLISH cannot be reported to a 3.1.1 client; aedes closes it.
      logger.warn({ client: client.id, topic: packet.topic, reason: refusal }, 'local MQTT broker refused a message and disconnected its client');
      callback(new Error(refusal));
    },
  });
  aedes.on('clientError', (client, err) => logger.debug({ client: client.id, err: errorMessage(err) }, 'local mqtt client error'));
  aedes.on('connectionError', (client, err) => logger.debug({ client: client?.id, err: errorMessage(err) }, 'local mqtt connection error'));

  const guardLimit = Math.min(maxPayloadBytes + PUBLISH_OVERHEAD, MQTT_MAX_REMAINING_LENGTH);
  const server = createServer((socket) => {
    aedes.handle(socket);
    // aedes reads with 'readable'; that listener takes precedence, so 'data' only observes
    // the chunks aedes reads and does not switch the socket to flowing mode (Node stream docs,
    // "Choose one API style").
    const guard = new PacketSizeGuard(guardLimit);
    socket.on('data', (chunk: Buffer) => {
      const declared = guard.feed(chunk);
      if (declared === undefined) return;
      logger.warn({ remote: socket.remoteAddress, bytes: declared, maxPayloadBytes }, `local MQTT broker closed a connection sending a packet larger than ${LOCAL_BROKER_CONFIG_KEY}.maxPayloadBytes allows`);
      socket.destroy();
    });
  });

  try {
    await listen(server, host, port);
  } catch (err) {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    throw listenError(err, {
      what: 'local MQTT broker',
      host,
      port,
      option: `${LOCAL_BROKER_CONFIG_KEY}.port`,
      hostOption: `${LOCAL_BROKER_CONFIG_KEY}.host`,
      hint: ` (is Mosquitto running on this gateway? then set ${LOCAL_BROKER_CONFIG_KEY}.enabled: false and point devices and inputs at it)`,
    });
  }
  const bound = (server.address() as AddressInfo).port;
  const url = `mqtt://${urlHost(host)}:${bound}`;
  if (settings.users.length === 0 && !isLoopback(host)) {
    logger.warn({ host, port: bound }, `local MQTT broker accepts anonymous clients from the network: set ${LOCAL_BROKER_CONFIG_KEY}.users`);
  }
  logger.info({ url, host, authenticated: settings.users.length > 0 }, 'local MQTT broker listening');

  let closed: Promise<void> | undefined;
  return {
    url,
    port: bound,
    publish: (topic, payload, opts = {}) =>
      new Promise<void>((resolve, reject) => {
        if (closed) return reject(new Error(`local MQTT broker is closed; cannot publish to ${topic}`));
        const packet = { cmd: 'publish' as const, topic, payload: typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload, qos: opts.qos ?? 0, retain: opts.retain ?? false, dup: false };
        aedes.publish(packet, (err) => (err ? reject(err) : resolve()));
      }),
    close: () => {
      closed ??= (async () => {
        // aedes.close() ends every client connection; then the listening socket can close.
        await new Promise<void>((resolve) => aedes.close(() => resolve()));
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return closed;
    },
  };
}



function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

