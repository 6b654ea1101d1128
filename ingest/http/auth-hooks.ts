/**
 * Authentication, authorization and auditing of every HTTP request (docs/security.md):
 *  - onRequest: the route's access (access.ts; unlisted routes of /api/v1 are refused), the
 *    principal from the Authorization header (authenticator.ts), the scope; 401 carries
 *    `WWW-Authenticate: Bearer` (RFC 6750 §3);
 *  - preHandler (the body and query validated): the party checks of the route;
 *  - onSend: one audit entry per answer of an audited route, written before the answer leaves,
 *    so no audited read goes unrecorded (a failing audit write turns the answer into a 503).
 * With auth.enabled false every request acts as an anonymous admin (a development setting the
 * ingest warns about at start).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FreshTrailError } from '../../common/errors.js';
import { AuthenticationError, type Authenticator } from '../auth/authenticator.js';
import { assertMayReadLot, assertMayUseLocation, mayReadEvent } from '../auth/party-scope.js';
import type { Principal } from '../auth/principal.js';
import { AuditWriter } from '../auth/audit-writer.js';
import { SCOPES } from '../auth/scopes.js';
import type { IngestMetrics } from '../metrics.js';
import { GatewayRateLimiter } from '../rate-limit.js';
import type { Store } from '../store/types.js';
import { accessOf, isOpenDocumentation, ROUTE_ACCESS, routeKey, type PartyCheck, type RouteAccess } from './access.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hooks for every route that needs credentials. */
    principal?: Principal;
    /** The route's entry of the access table, looked up once per request (onRequest). */
    access?: RouteAccess;
    /** What a route adds to its audit entry (e.g. the id it created). */
    auditNote?: { resource?: string; detail?: Record<string, unknown> };
  }
}

export interface AuthHookOptions {
  /** undefined: authentication is off. */
  authenticator?: Authenticator;
  store: Store;
  metrics: IngestMetrics;
  /** Serve /metrics without credentials (auth.publicMetrics). */
  publicMetrics: boolean;
  /** auth.rateLimit; default: none (tests of other concerns). */
  rateLimit?: { requestsPerSecond: number; burst: number; failuresPerMinute: number };
  now: () => number;
}

export const ANONYMOUS_ADMIN: Principal = { actor: 'anonymous', role: 'admin', scopes: new Set(SCOPES) };

export function installAuthHooks(app: FastifyInstance, options: AuthHookOptions): void {
  const { authenticator, store, metrics } = options;
  const audit = new AuditWriter(store);
  app.decorateRequest('principal', undefined);
  app.decorateRequest('auditNote', undefined);
  app.decorateRequest('access', undefined);

  const refuse = (reason: string, err: FreshTrailError): never => {
    metrics.authFailures.inc({ reason });
    throw err;
  };
  // Token buckets: requests per principal, and refused credentials per client address.
  const limits = options.rateLimit;
  const perPrincipal = limits ? new GatewayRateLimiter({ readingsPerSecond: limits.requestsPerSecond, burstReadings: limits.burst }) : undefined;
  const failures = limits ? new GatewayRateLimiter({ readingsPerSecond: limits.failuresPerMinute / 60, burstReadings: limits.failuresPerMinute }) : undefined;
  const tooMany = (reply: FastifyReply, retryAfterMs: number, message: string): never => {
    void reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
    metrics.authFailures.inc({ reason: 'rate_limited' });
    throw new FreshTrailError('FT_ERR_RATE_LIMITED', message);
  };

  // Fail closed at start: a route of /api/v1 without an access entry stops the app from building.
  app.addHook('onRoute', (route) => {
    if (isOpenDocumentation(route.url)) return;
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD' && ROUTE_ACCESS[routeKey(method, route.url!)] === undefined) {
        throw new Error(`${method} ${route.url} has no entry in ingest/http/access.ts: say who may call it`);
      }
    }
  });

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const url = request.routeOptions.url;
    if (url === undefined || isOpenDocumentation(url)) return; // 404s and the OpenAPI UI
    const access = (request.access = accessOf(request));
    if (!access) refuse('unlisted_route', new FreshTrailError('FT_ERR_FORBIDDEN', `${request.method} ${url} is not in the access table (ingest/http/access.ts)`));
    if (access!.scope === 'public' || (url === '/metrics' && options.publicMetrics)) return;
    if (!authenticator) {
      request.principal = ANONYMOUS_ADMIN;
      return;
    }
    const now = options.now();
    const address = failures?.peek(request.ip, now);
    if (address && !address.allowed) tooMany(reply, address.retryAfterMs, `too many refused credentials from ${request.ip}; retry later`);
    try {
      request.principal = await authenticator.authenticate(request.headers.authorization);
    } catch (err) {
      if (!(err instanceof AuthenticationError)) throw err;
      failures?.take(request.ip, 1, now);
      void reply.header('www-authenticate', err.reason === 'missing' ? 'Bearer realm="freshtrail"' : `Bearer realm="freshtrail", error="invalid_token"`);
      refuse(err.reason, err);
    }
    const principal = request.principal!;
    const allowed = perPrincipal?.take(principal.actor, 1, now);
    if (allowed && !allowed.allowed) tooMany(reply, allowed.retryAfterMs, `${principal.actor} sends more than auth.rateLimit allows; retry later`);
    if (access!.scope !== 'authenticated' && !principal.scopes.has(access!.scope)) {
      refuse('scope', new FreshTrailError('FT_ERR_FORBIDDEN', `${principal.actor} (${principal.role}) lacks scope ${access!.scope} for ${request.method} ${url}`));
    }
  });

  app.addHook('preHandler', async (request: FastifyRequest) => {
    const access = request.access;
    const principal = request.principal;
    if (!access?.party || !principal || principal.locations === undefined) return;
    try {
      await checkParty(access, request, principal, store);
    } catch (err) {
      if (err instanceof FreshTrailError) metrics.authFailures.inc({ reason: 'party' });
      throw err;
    }
  });

  // Security headers (OWASP Secure Headers): the API answers JSON or CSV, never a page to frame or sniff.
  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    void reply.header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer').header('x-frame-options', 'DENY');
    if (!isOpenDocumentation(request.routeOptions.url ?? '/api/')) {
      void reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'").header('cache-control', 'no-store');
    }
    if (request.protocol === 'https') void reply.header('strict-transport-security', 'max-age=31536000');
    return payload;
  });

  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const access = request.access;
    if (!access?.audit) return payload;
    const principal = request.principal;
    const params = request.params as Record<string, unknown> | undefined;
    const resource = request.auditNote?.resource ?? (params && Object.keys(params).length > 0 ? Object.values(params).map(String).join('/') : request.url.split('?')[1] ?? '');
    const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : undefined;
    await audit.append({
      at: options.now(),
      actor: principal?.actor ?? 'unauthenticated',
      ...(principal ? { role: principal.role } : {}),
      ...(principal?.party === undefined ? {} : { party: principal.party }),
      action: access.audit,
      resource,
      outcome: String(reply.statusCode),
      ip: request.ip,
      ...(query !== undefined || request.auditNote?.detail ? { detail: { ...(query !== undefined ? { query } : {}), ...request.auditNote?.detail } } : {}),
    });
    metrics.auditEntries.inc({ action: access.audit });
    return payload;
  });
}

async function checkParty(access: RouteAccess, request: FastifyRequest, principal: Principal, store: Store): Promise<void> {
  for (const check of [access.party ?? []].flat()) await checkOne(check, request, principal, store);
}

async function checkOne(check: PartyCheck, request: FastifyRequest, principal: Principal, store: Store): Promise<void> {
  const params = request.params as { id?: string; eventId?: string };
  const query = request.query as { tlc?: string[]; from?: string; to?: string; location?: string };
  const body = (request.body ?? {}) as { location?: unknown; lots?: unknown; lot?: unknown };
  switch (check) {
    case 'lot':
      return assertMayReadLot(principal, params.id!, store);
    case 'location':
      return assertMayUseLocation(principal, params.id!);
    case 'event': {
      const stored = await store.getEvent(params.eventId!);
      if (stored && !mayReadEvent(principal, stored.event)) throw new FreshTrailError('FT_ERR_NOT_FOUND', `no event "${params.eventId}" at a location of party "${principal.party}"`);
      return;
    }
    case 'tlcs':
      if (!query.tlc) throw new FreshTrailError('FT_ERR_FORBIDDEN', `a ${principal.role} exports its own lots: name them with "tlc" (a time range export is for regulators and admins)`);
      for (const tlc of query.tlc) await assertMayReadLot(principal, tlc, store);
      return;
    case 'readings':
      if (query.location === undefined) throw new FreshTrailError('FT_ERR_FORBIDDEN', `a ${principal.role} reads readings of its own locations: give "location" (one of ${principal.locations!.join(', ')})`);
      return assertMayUseLocation(principal, query.location);
    case 'bodyLocation':
      if (typeof body.location === 'string') assertMayUseLocation(principal, body.location);
      return;
    case 'bodyLots':
      for (const lot of [body.lots ?? [], body.lot ?? []].flat()) if (typeof lot === 'string') await assertMayReadLot(principal, lot, store);
      return;
    default:
      return;
  }
}
