/** Listens with the fastify app; a busy port becomes FT_ERR_PORT_IN_USE naming the option to change. */
import type { FastifyInstance } from 'fastify';
import { listenError, urlHost } from '../../common/net.js';

/** Starts listening and returns the base URL with the port actually bound (port 0 → any free port). */
export async function listenHttp(app: FastifyInstance, host: string, port: number): Promise<string> {
  try {
    await app.listen({ host, port });
  } catch (err) {
    throw listenError(err, { what: 'HTTP', host, port, option: 'http.port', flag: '--http-port' });
  }
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return `http://${urlHost(host)}:${bound}`;
}
