/** Prometheus exposition of the ingest metrics (names freshtrail_ingest_*). */
import type { FastifyInstance } from 'fastify';
import type { RouteOptions } from '../services.js';

export async function metricsRoutes(app: FastifyInstance, { services }: RouteOptions): Promise<void> {
  app.get('/metrics', { schema: { tags: ['service'], summary: 'Prometheus metrics (text exposition format)', produces: ['text/plain'] } }, async (_request, reply) => {
    const registry = services.metrics.registry;
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}
