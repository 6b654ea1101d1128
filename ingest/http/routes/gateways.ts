/**
 * Gateway enrollment and listing (DESIGN.md "Gateway identity"). Enrolling admits the
 * gateway's quarantined batches before the answer. The API has no authentication yet: keep
 * it on a trusted interface (http.host, default 127.0.0.1).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { FreshTrailError } from '../../../common/errors.js';
import type { Gateway, GatewaySummary } from '../../store/types.js';
import { errorResponses, GatewayView, iso } from '../schemas.js';
import type { RouteOptions } from '../services.js';

const EnrollBody = Type.Object(
  {
    id: Type.String({ pattern: '^[\\x20-\\x21\\x23-\\x5b\\x5d-\\x7e]{1,128}$', description: 'Gateway id (printable ASCII without " or \\)' }),
    publicKey: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'Raw Ed25519 public key, 64 lowercase hex characters' }),
    label: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: false },
);

const Admission = Type.Object({
  admitted: Type.Integer({ description: 'Quarantined batches verified and accepted' }),
  duplicates: Type.Integer({ description: 'Quarantined batches already stored' }),
  rejected: Type.Integer({ description: 'Quarantined batches refused (bad signature, fork, broken chain)' }),
});

const EnrollReply = Type.Object({ gateway: GatewayView, admission: Admission });
const IdParams = Type.Object({ id: Type.String() });

export function gatewayView(g: Gateway | GatewaySummary): GatewayView {
  const s = g as Partial<GatewaySummary>;
  return {
    id: g.id,
    publicKey: g.publicKey,
    label: g.label,
    enrolledAt: iso(g.enrolledAt),
    lastSeenAt: s.lastSeenAt === undefined ? undefined : iso(s.lastSeenAt),
    lastSeq: s.lastSeq,
    batches: s.batches ?? 0,
    readings: s.readings ?? 0,
  };
}

export async function gatewayRoutes(app: FastifyInstance, { services }: RouteOptions): Promise<void> {
  app.get('/gateways', {
    schema: { tags: ['gateways'], summary: 'Enrolled gateways with last seen time and counts', response: { 200: Type.Object({ gateways: Type.Array(GatewayView) }) } },
  }, async () => ({ gateways: (await services.store.listGateways()).map(gatewayView) }));

  app.post<{ Body: Static<typeof EnrollBody> }>('/gateways', {
    schema: {
      tags: ['gateways'],
      summary: 'Enroll a gateway public key (201), or confirm an identical enrollment (200); admits its quarantined batches',
      body: EnrollBody,
      response: { 200: EnrollReply, 201: EnrollReply, ...errorResponses(400, 409, 503) },
    },
  }, async (request, reply) => {
    const { result, admission } = await services.pipeline.enroll(request.body);
    if (result.status === 'conflict') {
      throw new FreshTrailError('FT_ERR_CONFLICT', `gateway "${request.body.id}" is already enrolled with another public key: key rotation is not supported yet; enroll the new key under a new gateway id`);
    }
    const summary = (await services.store.getGatewaySummary(result.gateway.id)) ?? result.gateway;
    const { gateway: _gateway, ...counts } = admission;
    return reply.status(result.status === 'enrolled' ? 201 : 200).send({ gateway: gatewayView(summary), admission: counts });
  });

  app.get<{ Params: Static<typeof IdParams> }>('/gateways/:id', {
    schema: { tags: ['gateways'], summary: 'One gateway', params: IdParams, response: { 200: GatewayView, ...errorResponses(404) } },
  }, async (request) => {
    const summary = await services.store.getGatewaySummary(request.params.id);
    if (!summary) throw new FreshTrailError('FT_ERR_NOT_FOUND', `no gateway "${request.params.id}" is enrolled`);
    return gatewayView(summary);
  });
}
