/** Counters of the system of record, for operators and the dashboard. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { RouteOptions } from '../services.js';

const StatsReply = Type.Object({
  gateways: Type.Integer({ description: 'Enrolled gateways' }),
  batches: Type.Integer({ description: 'Accepted batches' }),
  readingsVerified: Type.Integer({ description: 'Readings of accepted batches' }),
  rejectedByCode: Type.Record(Type.String(), Type.Integer(), { description: 'Rejected envelopes by FT_ERR_* code (stored evidence)' }),
  quarantined: Type.Integer({ description: 'Batches held for gateways not yet enrolled' }),
  quarantinedByGateway: Type.Array(Type.Object({ gateway: Type.String(), batches: Type.Integer() })),
});

export async function statsRoutes(app: FastifyInstance, { services }: RouteOptions): Promise<void> {
  app.get('/stats', { schema: { tags: ['service'], summary: 'Store counters', response: { 200: StatsReply } } }, async () => {
    const [counts, quarantinedByGateway] = await Promise.all([services.store.counts(), services.store.quarantineByGateway()]);
    return {
      gateways: counts.gateways,
      batches: counts.batches,
      readingsVerified: counts.readings,
      rejectedByCode: counts.rejectedByCode,
      quarantined: counts.quarantined,
      quarantinedByGateway,
    };
  });
}
