/**
 * Listens with the fastify app, over HTTP or, with http.tls, HTTPS only; a busy port becomes
 * FT_ERR_PORT_IN_USE naming the option to change, a bad TLS file FT_ERR_CONFIG.
 *
 * HTTPS: the app is built by app.ts without server options, so its own http.Server never
 * listens; a node:https server hands each request to the app's router (`app.routing`, what
 * fastify's serverFactory would be given) and is closed with the app.
 */
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { FastifyInstance } from 'fastify';
import { errorMessage } from '../../common/errors.js';
import { listen, listenError, urlHost } from '../../common/net.js';
import { loadServerTls, type ServerTlsFiles } from '../server-tls.js';

/** Longest wait at close for requests in progress on HTTPS connections before they are cut. */
const CLOSE_GRACE_MS = 5_000;

/** Starts listening and returns the base URL with the port actually bound (port 0 → any free port). */
export async function listenHttp(app: FastifyInstance, host: string, port: number, tls?: ServerTlsFiles): Promise<string> {
  if (tls) return listenHttps(app, host, port, tls);
  try {
    await app.listen({ host, port });
  } catch (err) {
    throw listenError(err, { what: 'HTTP', host, port, option: 'http.port', flag: '--http-port' });
  }
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return `http://${urlHost(host)}:${bound}`;
}

async function listenHttps(app: FastifyInstance, host: string, port: number, files: ServerTlsFiles): Promise<string> {
  const tlsOptions = await loadServerTls(files, 'http.tls');
  const server: HttpsServer = createHttpsServer(tlsOptions, (req, res) => app.routing(req, res));
  // The timeouts fastify gives its own server (fastify lib/server.js).
  server.keepAliveTimeout = app.server.keepAliveTimeout;
  server.requestTimeout = app.server.requestTimeout;
  server.on('tlsClientError', (err, socket) => {
    app.log.debug({ remote: socket.remoteAddress, err: errorMessage(err).replace(/\s+/g, ' ').trim() }, 'HTTPS handshake refused');
  });
  // Like fastify's forceCloseConnections 'idle': idle keep-alive connections close at once,
  // requests in progress may finish (for a while).
  app.addHook('onClose', async () => {
    if (!server.listening) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const timer = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
    timer.unref();
    await closed;
    clearTimeout(timer);
  });
  await app.ready();
  try {
    await listen(server, host, port);
  } catch (err) {
    throw listenError(err, { what: 'HTTPS', host, port, option: 'http.port', flag: '--http-port' });
  }
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return `https://${urlHost(host)}:${bound}`;
}
