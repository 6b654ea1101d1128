/**
 * The MQTT broker inside the ingest process (aedes 1.x, MQTT 3.1.1): the embedded default of
 * DESIGN.md "Embedded defaults and scale-out". Gateways and the ingest's own batch subscriber
 * connect to it like to any broker; for several ingest instances use an external broker.
 */
import { createServer, type AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import { listen, listenError, urlHost } from '../../common/net.js';

export interface EmbeddedBrokerOptions {
  host: string;
  /** 0 picks any free port. */
  port: number;
  logger: Logger;
}

export interface EmbeddedBroker {
  /** mqtt://host:port with the port actually bound. */
  readonly url: string;
  readonly port: number;
  /** Disconnects every client and stops listening. Safe to call twice. */
  close(): Promise<void>;
}

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const { host, port, logger } = options;
  const aedes = await Aedes.createBroker();
  aedes.on('clientError', (client, err) => logger.debug({ client: client.id, err: errorMessage(err) }, 'mqtt client error'));
  aedes.on('connectionError', (client, err) => logger.debug({ client: client?.id, err: errorMessage(err) }, 'mqtt connection error'));
  const server = createServer((socket) => aedes.handle(socket));
  try {
    await listen(server, host, port);
  } catch (err) {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    throw listenError(err, { what: 'MQTT', host, port, option: 'mqtt.embedded.port', flag: '--mqtt-port', hint: ' (is Mosquitto running?)' });
  }
  const bound = (server.address() as AddressInfo).port;
  const url = `mqtt://${urlHost(host)}:${bound}`;
  logger.info({ url }, 'embedded MQTT broker listening');
  let closed: Promise<void> | undefined;
  return {
    url,
    port: bound,
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
