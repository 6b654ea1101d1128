/**
 * Listening sockets shared by the HTTP API and the embedded MQTT broker: a failure to bind
 * becomes an error that tells the operator which option or flag to change.
 */
import type { Server } from 'node:net';
import { FreshTrailError, errorMessage } from '../common/errors.js';

/** server.listen as a promise that rejects with the bind error (EADDRINUSE, EACCES, …). */
export function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Turns a listen failure into an actionable FreshTrailError (FT_ERR_PORT_IN_USE for EADDRINUSE). */
export function listenError(
  err: unknown,
  where: { what: string; host: string; port: number; option: string; flag: string; hint?: string },
): FreshTrailError {
  const code = (err as NodeJS.ErrnoException).code;
  const { what, host, port, option, flag } = where;
  if (code === 'EADDRINUSE') {
    return new FreshTrailError(
      'FT_ERR_PORT_IN_USE',
      `${what} port ${port} on ${host} is already in use${where.hint ?? ''}: set ${option} or pass ${flag}`,
      { cause: err },
    );
  }
  if (code === 'EACCES') {
    return new FreshTrailError('FT_ERR_PORT_IN_USE', `${what} port ${port} on ${host} needs privileges this process lacks: choose a port above 1023 with ${option} or ${flag}`, { cause: err });
  }
  return new FreshTrailError('FT_ERR_CONFIG', `cannot listen for ${what} on ${host}:${port} (${errorMessage(err)}): check ${option}`, { cause: err });
}

/** IPv6 literals need brackets in URLs (RFC 3986 §3.2.2); 0.0.0.0 is reachable as 127.0.0.1. */
export function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
