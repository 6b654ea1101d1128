/**
 * Gateway enrollment and listing (DESIGN.md "Gateway identity"). Enrolling admits the
 * gateway's quarantined batches before the answer. The API has no authentication yet: keep
 * it on a trusted interface (http.host, default 127.0.0.1).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { FreshTrailError } from '../../../common/errors.js';
import { enrollmentConflict } from '../../join.js';
import type { EnrollOutcome } from '../../pipeline.js';
import type { Gateway, GatewaySummary, Store } from '../../store/types.js';
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

export const EnrollReply = Type.Object({ gateway: GatewayView, admission: Admission });
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
    revocation: g.revocation && { effectiveAt: iso(g.revocation.effectiveAt), reason: g.revocation.reason, recordedAt: iso(g.revocation.recordedAt) },
  };
}

/** The answer to an enrollment, POST /gateways and join approval alike: 201 new, 200 unchanged. */
export async function sendEnrollment(reply: FastifyReply, store: Store, { result, admission }: EnrollOutcome): Promise<FastifyReply> {
  const summary = (await store.getGatewaySummary(result.gateway.id)) ?? result.gateway;
  const { gateway: _gateway, ...counts } = admission;
  return reply.status(result.status === 'enrolled' ? 201 : 200).send({ gateway: gatewayView(summary), admission: counts });
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
    const outcome = await services.pipeline.enroll(request.body);
    const conflict = enrollmentConflict(request.body.id, outcome.result.gateway, outcome.result.status === 'conflict');
    if (conflict) throw conflict;
    return sendEnrollment(reply, services.store, outcome);
  });

  app.get<{ Params: Static<typeof IdParams> }>('/gateways/:id', {
    schema: { tags: ['gateways'], summary: 'One gateway', params: IdParams, response: { 200: GatewayView, ...errorResponses(404) } },
  }, async (request) => {
    const summary = await services.store.getGatewaySummary(request.params.id);
    if (!summary) throw new FreshTrailError('FT_ERR_NOT_FOUND', `no gateway "${request.params.id}" is enrolled`);
    return gatewayView(summary);
  });
}
