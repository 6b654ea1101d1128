/**
 * Who may call which route (docs/security.md "Roles"): one table for the whole API, so that it
 * can be read, reviewed and tested in one place. A route of /api/v1 missing here is refused to
 * everyone (fail closed); `access.test.ts` checks that every registered route is listed.
 *
 *  - scope: the scope a principal needs; 'public' needs no credentials (health, and the two
 *    routes a gateway authenticates by signature: batches and join); 'authenticated' any role.
 *  - party: what to check against a party-scoped principal's locations before the handler
 *    (party-scope.ts); list routes filter their own results.
 *  - audit: the audit log action written for every answer of the route (auth-hooks.ts).
 */
import type { FastifyRequest } from 'fastify';
import type { Scope } from '../auth/scopes.js';

/**
 * lot: params.id is a lot it may read; location: params.id is its location; event: params.eventId
 * is at its location; tlcs: query.tlc are its lots (a range is refused); readings: query.location
 * is its location; bodyLocation: body.location is its location; bodyLots: body.lots / body.lot
 * are lots it may read.
 */
export type PartyCheck = 'lot' | 'location' | 'event' | 'tlcs' | 'readings' | 'bodyLocation' | 'bodyLots';

export interface RouteAccess {
  scope: Scope | 'public' | 'authenticated';
  party?: PartyCheck | readonly PartyCheck[];
  audit?: string;
}

/** Keys are "METHOD url" with fastify's route pattern. */
export const ROUTE_ACCESS: Readonly<Record<string, RouteAccess>> = {
  'GET /api/v1/health': { scope: 'public' },
  'GET /api/v1/ready': { scope: 'public' },
  'POST /api/v1/batches': { scope: 'public' }, // the batch signature authenticates the gateway (docs/protocol.md §5)
  'POST /api/v1/join': { scope: 'public' }, // a one-time join token and the gateway's signature (docs/protocol.md §7.5)
  'GET /api/v1/whoami': { scope: 'authenticated' },
  'GET /api/v1/stats': { scope: 'integrity:read' },
  'GET /api/v1/commodities': { scope: 'authenticated' },

  'GET /api/v1/gateways': { scope: 'integrity:read' },
  'POST /api/v1/gateways': { scope: 'gateways:admin', audit: 'gateway.enroll' },
  'GET /api/v1/gateways/:id': { scope: 'integrity:read' },
  'POST /api/v1/gateways/:id/revoke': { scope: 'gateways:admin', audit: 'gateway.revoke' },
  'GET /api/v1/gateways/:id/forks': { scope: 'integrity:read' },
  'GET /api/v1/gateways/:id/gaps': { scope: 'integrity:read' },
  'GET /api/v1/gateways/:id/rejections/:rid': { scope: 'integrity:read' },
  'POST /api/v1/join-tokens': { scope: 'gateways:admin', audit: 'jointoken.create' },
  'GET /api/v1/join-requests': { scope: 'gateways:admin' },
  'POST /api/v1/join-requests/:id/approve': { scope: 'gateways:admin', audit: 'join.approve' },
  'POST /api/v1/join-requests/:id/reject': { scope: 'gateways:admin', audit: 'join.reject' },

  'GET /api/v1/readings': { scope: 'lots:read', party: 'readings' },
  'POST /api/v1/lots': { scope: 'lots:write', party: 'bodyLocation' },
  'POST /api/v1/lots/:id/moves': { scope: 'lots:write', party: ['lot', 'bodyLocation'] },
  'POST /api/v1/shipments': { scope: 'lots:write', party: 'bodyLots' },
  'POST /api/v1/events': { scope: 'lots:write' },
  'GET /api/v1/events/:eventId': { scope: 'lots:read', party: 'event' },
  'POST /api/v1/events/:eventId/erase-contacts': { scope: 'privacy:admin', audit: 'event.erase-contacts' },
  'GET /api/v1/lots': { scope: 'lots:read' }, // filters its own results by party (lot-list.ts)
  'GET /api/v1/lots/:id': { scope: 'lots:read', party: 'lot', audit: 'lot.read' },
  'GET /api/v1/lots/:id/trace': { scope: 'lots:read', party: 'lot', audit: 'lot.trace' },
  'GET /api/v1/lots/:id/shelf-life': { scope: 'lots:read', party: 'lot', audit: 'lot.read' },
  'GET /api/v1/lots/:id/evidence': { scope: 'lots:read', party: 'lot', audit: 'lot.evidence' },
  'GET /api/v1/locations/:id/fefo': { scope: 'lots:read', party: 'location' },
  'GET /api/v1/anchoring/targets': { scope: 'lots:read' },
  'GET /api/v1/exports/fsma204.csv': { scope: 'exports:read', party: 'tlcs', audit: 'export.fsma204' },
  'GET /api/v1/exports/epcis': { scope: 'exports:read', party: 'tlcs', audit: 'export.epcis' },

  'GET /api/v1/recalls': { scope: 'recalls:read' },
  'POST /api/v1/recalls': { scope: 'recalls:write', party: 'bodyLots', audit: 'recall.create' },
  'GET /api/v1/recalls/:id': { scope: 'recalls:read' },
  'POST /api/v1/recalls/:id/acknowledge': { scope: 'recalls:acknowledge', party: 'bodyLocation', audit: 'recall.acknowledge' },

  'GET /api/v1/alerts': { scope: 'alerts:read' },
  'GET /api/v1/alerts/stream': { scope: 'alerts:read' },
  'POST /api/v1/alerts/:id/acknowledge': { scope: 'alerts:write' },
  'POST /api/v1/alerts/:id/resolve': { scope: 'alerts:write' },
  'GET /api/v1/alerts/deliveries': { scope: 'alerts:admin' },
  'POST /api/v1/alerts/deliveries/:id/retry': { scope: 'alerts:admin' },

  'GET /api/v1/consumers': { scope: 'consumers:admin' },
  'PUT /api/v1/consumers/:name/cursor': { scope: 'consumers:admin', audit: 'consumer.cursor' },

  'GET /api/v1/keys': { scope: 'keys:admin' },
  'POST /api/v1/keys': { scope: 'keys:admin', audit: 'apikey.create' },
  'POST /api/v1/keys/:id/revoke': { scope: 'keys:admin', audit: 'apikey.revoke' },
  'GET /api/v1/parties': { scope: 'keys:admin' },
  'PUT /api/v1/parties/:id': { scope: 'keys:admin', audit: 'party.upsert' },
  'GET /api/v1/audit': { scope: 'audit:read', audit: 'audit.read' },

  'GET /metrics': { scope: 'metrics:read' },

  // The dashboard's pages and assets (routes/dashboard.ts): static files, no data; the app asks
  // the API above with the signed-in user's credentials.
  'GET /': { scope: 'public' },
  'GET /lots/*': { scope: 'public' },
  'GET /trace/*': { scope: 'public' },
  'GET /recalls': { scope: 'public' },
  'GET /recalls/*': { scope: 'public' },
  'GET /alerts': { scope: 'public' },
  'GET /gateways': { scope: 'public' },
  'GET /signin': { scope: 'public' },
  'GET /assets/:name': { scope: 'public' },
};

export const routeKey = (method: string, url: string): string => `${method} ${url}`;

export function accessOf(request: FastifyRequest): RouteAccess | undefined {
  const url = request.routeOptions.url;
  if (url === undefined) return undefined;
  return ROUTE_ACCESS[routeKey(request.method === 'HEAD' ? 'GET' : request.method, url)];
}

/**
 * Routes outside /api/v1 and /metrics (the OpenAPI UI and document, the dashboard's pages and
 * assets) need no credentials and set their own Content-Security-Policy.
 */
export function isOpenDocumentation(url: string | undefined): boolean {
  return url !== undefined && !url.startsWith('/api/') && url !== '/metrics';
}
