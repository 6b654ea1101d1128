/**
 * Serves the web dashboard (docs/dashboard.md, built by web/build.ts into dist/web): index.html
 * for `/` and the app's own page URLs (the app routes in the browser), and the hashed assets
 * under /assets with a year's immutable caching (a new build has new names). Assets are
 * precompressed at build time; a client that accepts gzip gets the .gz file. When the assets
 * were never built, `/` says how to build them instead of failing.
 *
 * Pages get their own Content-Security-Policy (the API's is default-src 'none'): scripts and
 * styles from this origin only, no inline code; connections to this origin and, for the Verify
 * action's on-chain check, to JSON-RPC nodes (any https node, and the http origins of the
 * configured anchoring targets, e.g. a local anvil).
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RouteOptions } from '../services.js';

/** Page URLs of the app (web/src/router.ts); each answers index.html. */
export const DASHBOARD_PAGES = ['/', '/lots/*', '/trace/*', '/recalls', '/recalls/*', '/alerts', '/gateways', '/signin'] as const;
export const DASHBOARD_ASSETS = '/assets/:name';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};
/** Asset names are flat and hashed by the build: nothing else is served (no path traversal). */
const ASSET_NAME = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.(js|css|svg|json)$/;

/** dist/web of this package: next to the compiled ingest (dist/ingest/http/routes → dist/web), or under dist/ when run from the TypeScript sources. */
export function defaultDashboardDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return import.meta.url.endsWith('.js') ? resolve(here, '../../../web') : resolve(here, '../../../dist/web');
}

/** The pages' CSP; `rpcOrigins` are http(s) origins of the anchoring targets. */
export function dashboardCsp(rpcOrigins: readonly string[]): string {
  const connect = ["'self'", 'https:', ...rpcOrigins.filter((o) => o.startsWith('http:'))];
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src ${[...new Set(connect)].join(' ')}`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>FreshTrail dashboard not built</title>
<body><h1>The dashboard is not built</h1>
<p>This ingest found no dashboard assets. Build them with <code>npm run build</code> (it writes <code>dist/web</code>), then reload.
The API is unaffected: see <a href="/docs">/docs</a>.</p></body></html>`;

export async function dashboardRoutes(app: FastifyInstance, { services }: RouteOptions): Promise<void> {
  const dir = services.dashboardDir ?? defaultDashboardDir();
  const rpcOrigins = (services.anchorTargets ?? []).flatMap((t) => {
    try {
      return [new URL(t.rpcUrl).origin];
    } catch {
      return [];
    }
  });
  const csp = dashboardCsp(rpcOrigins);
  const pageHeaders = (reply: FastifyReply): FastifyReply => reply.header('content-security-policy', csp).header('x-content-type-options', 'nosniff');

  const page = async (_request: FastifyRequest, reply: FastifyReply) => {
    let html: string;
    try {
      html = await readFile(join(dir, 'index.html'), 'utf8');
    } catch {
      // Not built: say so (503, the service runs but this part of it is not there).
      return pageHeaders(reply).code(503).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(NOT_BUILT);
    }
    // no-cache: the page names the current hashed assets, so it must be revalidated.
    return pageHeaders(reply).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(html);
  };
  for (const url of DASHBOARD_PAGES) app.get(url, { schema: { hide: true } }, page);

  // A hashed asset never changes under its name: read each once. Only files found are kept, so
  // the cache holds the assets of the builds this process served (a rebuild adds new names).
  const assets = new Map<string, Buffer>();
  const asset = async (file: string): Promise<Buffer | undefined> => {
    const cached = assets.get(file);
    if (cached) return cached;
    const body = await readFile(join(dir, 'assets', file)).catch(() => undefined);
    if (body) assets.set(file, body);
    return body;
  };

  app.get<{ Params: { name: string } }>(DASHBOARD_ASSETS, { schema: { hide: true } }, async (request, reply) => {
    const { name } = request.params;
    const match = ASSET_NAME.exec(name);
    if (!match) return reply.code(404).type('text/plain').send('no such asset');
    const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
    let body: Buffer | undefined;
    if (gzip) body = await asset(`${name}.gz`);
    const compressed = body !== undefined;
    body ??= await asset(name);
    if (body === undefined) return reply.code(404).type('text/plain').send('no such asset');
    if (compressed) reply.header('content-encoding', 'gzip');
    return pageHeaders(reply)
      .header('vary', 'accept-encoding')
      .header('cache-control', 'public, max-age=31536000, immutable')
      .type(CONTENT_TYPES[`.${match[1]}`]!)
      .send(body);
  });
}
