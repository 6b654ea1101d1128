/** Liveness with a store check, and readiness (DESIGN.md "Conventions": health and readiness). */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { RouteOptions } from '../services.js';

const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  version: Type.String(),
  uptimeS: Type.Integer({ description: 'Seconds since the service started' }),
  store: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
});

const Ready = Type.Object({
  ready: Type.Boolean(),
  store: Type.Boolean({ description: 'The store answers' }),
  transports: Type.Boolean({ description: 'The MQTT subscriber is connected' }),
});

export async function healthRoutes(app: FastifyInstance, { services }: RouteOptions): Promise<void> {
  const storeOk = (): Promise<boolean> => services.store.ping().then(() => true, () => false);

  app.get('/health', {
    schema: { tags: ['service'], summary: 'Liveness and store check (503 when the store does not answer)', response: { 200: Health, 503: Health } },
  }, async (_request, reply) => {
    const store = await storeOk();
    return reply.status(store ? 200 : 503).send({
      status: store ? 'ok' : 'degraded',
      version: services.version,
      uptimeS: Math.floor((Date.now() - services.startedAt) / 1000),
      store: store ? 'ok' : 'unavailable',
    });
  });

  app.get('/ready', {
    schema: { tags: ['service'], summary: 'Readiness: the store answers and the transports take batches', response: { 200: Ready, 503: Ready } },
  }, async (_request, reply) => {
    const store = await storeOk();
    const transports = services.transportsReady();
    return reply.status(store && transports ? 200 : 503).send({ ready: store && transports, store, transports });
  });
}
