/**
 * The edge agent's local status server (node:http, no framework: three read-only routes on a
 * gateway do not need one):
 *   GET /status   the EdgeStatus document (edge/status-types.ts) as JSON;
 *   GET /metrics  the agent's Prometheus registry in the text exposition format;
 *   GET /healthz  200 {healthy: true, …} or 503 {healthy: false, reasons, warnings} (health.ts).
 * HEAD is answered like GET without a body; other methods get 405. Responses are never cached:
 * every request takes a fresh status from the injected provider.
 */
import { listen, listenError } from '../../common/net.js';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import type { EdgeStatus } from '../status-types.js';
import { statusBaseUrl, type StatusConfig } from './config.js';
import { assessHealth, unavailableHealth, type HealthReport } from './health.js';

export interface StatusServerDeps {
  /** Takes the agent's status now. Called once per /status or /healthz request; may throw. */
  status: () => EdgeStatus;
  /** The agent's own registry (EdgeMetrics.registry), so several agents in one process stay apart. */
  registry: Registry;
  logger: Logger;
}

export interface StatusServer {
  /** Base URL clients on this machine use, with the port actually bound. */
  readonly url: string;
  readonly port: number;
  /** Stops listening and drops idle keep-alive connections (Prometheus keeps one open). Safe to call twice. */
  close(): Promise<void>;
}

export const STATUS_ROUTES = ['/status', '/metrics', '/healthz'] as const;

/** Slow or stuck clients must not hold sockets on a small gateway; every answer is immediate. */
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Starts listening on `config.host:config.port` (the caller decides whether `config.enabled`).
 * Rejects with FT_ERR_PORT_IN_USE, naming the port and the `status.port` key, when the port is
 * taken or privileged.
 */
export async function startStatusServer(config: StatusConfig, deps: StatusServerDeps): Promise<StatusServer> {
  const server = createServer({ requestTimeout: REQUEST_TIMEOUT_MS, headersTimeout: REQUEST_TIMEOUT_MS }, (req, res) => {
    route(req, res, config, deps).catch((err: unknown) => {
      deps.logger.warn({ err: errorMessage(err), url: req.url }, 'status server: cannot answer a request');
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error; see the agent log\n');
      else res.destroy();
    });
  });
  try {
    await listen(server, config.host, config.port);
  } catch (err) {
    throw listenError(err, { what: 'status server', host: config.host, port: config.port, option: 'status.port', hostOption: 'status.host', hint: ' (another edge agent on this machine? or set status.enabled: false)' });
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = statusBaseUrl(config.host, port);
  deps.logger.info({ url, routes: STATUS_ROUTES }, 'status server listening');
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

async function route(req: IncomingMessage, res: ServerResponse, config: StatusConfig, deps: StatusServerDeps): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return send(res, 405, 'text/plain; charset=utf-8', 'only GET and HEAD are served\n');
  }
  const path = pathOf(req.url);
  switch (path) {
    case '/status':
      return sendStatus(res, deps);
    case '/metrics':
      return send(res, 200, deps.registry.contentType, await deps.registry.metrics());
    case '/healthz': {
      const health = takeHealth(config, deps);
      return sendJson(res, health.healthy ? 200 : 503, health);
    }
    default:
      return sendJson(res, 404, { error: { code: 'FT_ERR_NOT_FOUND', message: `no route ${path}; this server answers ${STATUS_ROUTES.join(', ')}` } });
  }
}

function sendStatus(res: ServerResponse, deps: StatusServerDeps): void {
  let status: EdgeStatus;
  try {
    status = deps.status();
  } catch (err) {
    deps.logger.warn({ err: errorMessage(err) }, 'status server: the agent cannot report its status');
    return sendJson(res, 500, { error: { code: 'FT_ERR_INTERNAL', message: `the agent cannot report its status: ${errorMessage(err)}` } });
  }
  sendJson(res, 200, status);
}

function takeHealth(config: StatusConfig, deps: StatusServerDeps): HealthReport {
  try {
    return assessHealth(deps.status(), config.health);
  } catch (err) {
    deps.logger.warn({ err: errorMessage(err) }, 'status server: the agent cannot report its status');
    return unavailableHealth(`the agent cannot report its status: ${errorMessage(err)}`);
  }
}

/** The path without query string or trailing slash; a malformed target maps to itself. */
function pathOf(target: string | undefined): string {
  let path: string;
  try {
    path = new URL(target ?? '/', 'http://status.invalid').pathname;
  } catch {
    path = target ?? '/';
  }
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  send(res, code, 'application/json; charset=utf-8', `${JSON.stringify(body)}\n`);
}

/** For HEAD, node:http sends the headers (with the GET body's length) and drops the body. */
function send(res: ServerResponse, code: number, contentType: string, body: string): void {
  res.writeHead(code, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}


