/**
 * Listening sockets of every server FreshTrail runs (the ingest's API and broker, the edge's
 * status endpoint and local broker): a failure to bind becomes an error that tells the
 * operator which option or flag to change.
 */
import { createConnection, type Server } from 'node:net';
import { FreshTrailError, errorMessage } from './errors.js';

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

/** Where a server tried to listen, and the options (and CLI flag, if any) that set it. */
export interface ListenPlace {
  /** What listens, for the message: "HTTP API", "status server", … */
  what: string;
  host: string;
  port: number;
  /** The option setting the port, e.g. http.port. */
  option: string;
  /** The option setting the address, e.g. status.host. */
  hostOption?: string;
  /** A command-line flag that sets the port, e.g. --http-port. */
  flag?: string;
  /** Appended to the port-in-use message, e.g. " (is Mosquitto running on this gateway?)". */
  hint?: string;
}

/** Turns a listen failure into an actionable FreshTrailError (FT_ERR_PORT_IN_USE for EADDRINUSE). */
export function listenError(err: unknown, where: ListenPlace): FreshTrailError {
  const code = (err as NodeJS.ErrnoException).code;
  const { what, host, port, option, flag } = where;
  const setPort = flag ? `${option} or pass ${flag}` : option;
  if (code === 'EADDRINUSE') {
    return new FreshTrailError('FT_ERR_PORT_IN_USE', `${what} port ${port} on ${host} is already in use${where.hint ?? ''}: set ${setPort}${flag ? '' : ' to a free port'}`, { cause: err });
  }
  if (code === 'EACCES') {
    return new FreshTrailError('FT_ERR_PORT_IN_USE', `${what} port ${port} on ${host} needs privileges this process lacks: set ${setPort} to a port above 1023`, { cause: err });
  }
  if (where.hostOption && (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN')) {
    return new FreshTrailError('FT_ERR_CONFIG', `${where.hostOption} ${host} is not an address of this machine (${code}): use 127.0.0.1, a local interface address or 0.0.0.0`, { cause: err });
  }
  return new FreshTrailError('FT_ERR_CONFIG', `cannot listen for ${what} on ${host}:${port} (${errorMessage(err)}): check ${where.hostOption ? `${where.hostOption} and ` : ''}${option}`, { cause: err });
}

/** IPv6 literals need brackets in URLs (RFC 3986 §3.2.2); 0.0.0.0 is reachable as 127.0.0.1. */
export function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** Whether a TCP service answers on host:port within `timeoutMs`. */
export function serviceAnswers(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** A URL with its password replaced by *** (and no trailing slash), for messages and logs; a URL that does not parse loses whatever sits before an @. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}
