/**
 * Builds the fastify app of the ingest (STYLE.md §7): one plugin per route group under
 * /api/v1, TypeBox schemas that also generate the OpenAPI document (/docs, JSON at /docs/json),
 * one error handler. Listening is ingest/http/server.ts; tests use `app.inject`.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../../common/log.js';
import { installAuthHooks } from './auth-hooks.js';
import { installErrorHandling } from './errors.js';
import { parseJsonBody } from './json-body.js';
import { accessAdminRoutes } from './routes/access-admin.js';
import { alertRoutes } from './routes/alerts.js';
import { anchoringTargetRoutes } from './routes/anchoring-targets.js';
import { consumerRoutes } from './routes/consumers.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { eventRoutes } from './routes/events.js';
import { evidenceRoutes } from './routes/evidence.js';
import { exportRoutes } from './routes/exports.js';
import { lotHistoryRoutes } from './routes/lot-history.js';
import { lotListRoutes } from './routes/lot-list.js';
import { recallRoutes } from './routes/recalls.js';
import { lotRoutes } from './routes/lots.js';
import { batchRoutes } from './routes/batches.js';
import { gatewayRoutes } from './routes/gateways.js';
import { healthRoutes } from './routes/health.js';
import { identityRoutes } from './routes/identity.js';
import { integrityRoutes } from './routes/integrity.js';
import { metricsRoutes } from './routes/metrics.js';
import { readingRoutes } from './routes/readings.js';
import { statsRoutes } from './routes/stats.js';
import type { ApiServices } from './services.js';

export async function buildApp(services: ApiServices, logger: Logger): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // One line per request at info would drown the log at batch rates; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: services.bodyLimitBytes,
    // Reject unknown fields instead of silently dropping them (fastify's default removes them).
    ajv: { customOptions: { removeAdditional: false } },
  });
  installErrorHandling(app, services.metrics);
  // JSON bodies: depth-limited and refusing prototype-poisoning members (json-body.ts); batches and EPCIS JSON-LD have their own parsers.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    try {
      done(null, parseJsonBody(text as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  installAuthHooks(app, {
    ...(services.auth?.authenticator ? { authenticator: services.auth.authenticator } : {}),
    store: services.store,
    metrics: services.metrics,
    publicMetrics: services.auth?.publicMetrics ?? false,
    ...(services.auth?.rateLimit ? { rateLimit: services.auth.rateLimit } : {}),
    now: services.now ?? Date.now,
  });
  await app.register(swagger, {
    openapi: {
      info: { title: 'FreshTrail ingest API', version: services.version, description: 'Verified cold-chain readings: signed batches in, evidence out. Every route but health, batches and join needs `Authorization: Bearer <API key or OIDC access token>` (docs/security.md).' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A FreshTrail API key (ft_<id>_<secret>) or an OIDC access token (JWT)' } } },
      security: [{ bearer: [] }],
      tags: [{ name: 'access' }, { name: 'batches' }, { name: 'gateways' }, { name: 'readings' }, { name: 'integrity' }, { name: 'alerts' }, { name: 'lots' }, { name: 'recalls' }, { name: 'service' }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  const options = { prefix: '/api/v1', services };
  await app.register(healthRoutes, options);
  await app.register(accessAdminRoutes, options);
  await app.register(gatewayRoutes, options);
  await app.register(identityRoutes, options);
  await app.register(integrityRoutes, options);
  await app.register(alertRoutes, options);
  await app.register(consumerRoutes, options);
  await app.register(lotRoutes, options);
  await app.register(lotListRoutes, options);
  await app.register(lotHistoryRoutes, options);
  await app.register(anchoringTargetRoutes, options);
  await app.register(evidenceRoutes, options);
  await app.register(eventRoutes, options);
  await app.register(recallRoutes, options);
  await app.register(exportRoutes, options);
  await app.register(readingRoutes, options);
  await app.register(statsRoutes, options);
  await app.register(batchRoutes, options);
  await app.register(metricsRoutes, { services });
  await app.register(dashboardRoutes, { services });
  return app;
}
