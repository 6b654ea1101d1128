/**
 * Gateway identity beyond enrollment (DESIGN.md "Gateway identity"): revoking a key, issuing
 * one-time join tokens, a gateway redeeming one (POST /join, the only route here meant for
 * gateways), and the operator approving or rejecting the resulting requests. Like the rest of
 * the API it has no authentication yet: keep it on a trusted interface.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { FreshTrailError } from '../../../common/errors.js';
import { keyFingerprint } from '../../../protocol/join.js';
import { JoinDesk, DEFAULT_JOIN_TOKEN_TTL_S } from '../../join.js';
import type { JoinRequest } from '../../store/types.js';
import { errorResponses, GatewayView, IsoTime, iso } from '../schemas.js';
import type { RouteOptions } from '../services.js';
import { EnrollReply, gatewayView, sendEnrollment } from './gateways.js';

const GatewayId = Type.String({ pattern: '^[\\x20-\\x21\\x23-\\x5b\\x5d-\\x7e]{1,128}$', description: 'Gateway id (printable ASCII without " or \\)' });
const PublicKey = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'Raw Ed25519 public key, 64 lowercase hex characters' });

const RevokeBody = Type.Object(
  {
    reason: Type.String({ minLength: 1, maxLength: 1024, description: 'Why the key is revoked (kept with the gateway and quoted in refusals)' }),
    effectiveAt: Type.Optional(
      Type.String({
        format: 'date-time',
        description: "Batches whose signed createdAt is at or after this are refused. Default now. createdAt is signed by the same key, so a thief can backdate: set this to when the key may have been compromised",
      }),
    ),
  },
  { additionalProperties: false },
);
const RevokeReply = Type.Object({
  status: Type.Union([Type.Literal('revoked'), Type.Literal('unchanged'), Type.Literal('moved-earlier')], { description: 'unchanged: already revoked at or before effectiveAt' }),
  gateway: GatewayView,
});

const TokenBody = Type.Object(
  {
    label: Type.Optional(Type.String({ maxLength: 256, description: 'Shown with the join request, e.g. the site or device it is meant for' })),
    ttlSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 30 * 86_400, description: `Lifetime; default ${DEFAULT_JOIN_TOKEN_TTL_S} (one day)` })),
  },
  { additionalProperties: false },
);
const TokenReply = Type.Object({ token: Type.String({ description: 'Single use; shown only now (the ingest keeps its SHA-256)' }), expiresAt: IsoTime('Expiry') });

const JoinBody = Type.Object(
  {
    token: Type.String({ pattern: '^[A-Za-z0-9_-]{1,128}$', description: 'The join token' }),
    id: GatewayId,
    publicKey: PublicKey,
    label: Type.Optional(Type.String({ maxLength: 256 })),
    signature: Type.String({ pattern: '^[0-9a-f]{128}$', description: 'Ed25519 signature (hex) over UTF-8 "freshtrail-join-v1\\n<id>\\n<publicKey>\\n<token>"' }),
  },
  { additionalProperties: false },
);

const JoinRequestView = Type.Object({
  id: Type.Integer({ description: 'Request id, for approve and reject' }),
  gateway: Type.String(),
  publicKey: Type.String(),
  fingerprint: Type.String({ description: 'First 16 hex of SHA-256 of the raw public key: compare it with the one the gateway shows' }),
  label: Type.Optional(Type.String()),
  tokenLabel: Type.Optional(Type.String({ description: 'Label of the token redeemed' })),
  requestedAt: IsoTime('Request time'),
  status: Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('rejected')]),
  decidedAt: Type.Optional(IsoTime('Approval or rejection time')),
});
type JoinRequestView = Static<typeof JoinRequestView>;

const GatewayParams = Type.Object({ id: Type.String() });
const RequestParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

function joinRequestView(r: JoinRequest): JoinRequestView {
  return {
    id: r.id,
    gateway: r.gateway,
    publicKey: r.publicKey,
    fingerprint: keyFingerprint(r.publicKey),
    label: r.label,
    tokenLabel: r.tokenLabel,
    requestedAt: iso(r.requestedAt),
    status: r.status,
    decidedAt: r.decidedAt === undefined ? undefined : iso(r.decidedAt),
  };
}

export async function identityRoutes(app: FastifyInstance, { services }: RouteOptions): Promise<void> {
  const now = services.now ?? Date.now;
  const desk = new JoinDesk({ store: services.store, pipeline: services.pipeline, now });

  app.post<{ Params: Static<typeof GatewayParams>; Body: Static<typeof RevokeBody> }>('/gateways/:id/revoke', {
    schema: {
      tags: ['gateways'],
      summary: "Revoke a gateway's key: its batches created at or after effectiveAt are refused (FT_ERR_REVOKED); idempotent",
      params: GatewayParams,
      body: RevokeBody,
      response: { 200: RevokeReply, ...errorResponses(400, 404, 503) },
    },
  }, async (request) => {
    const { reason, effectiveAt } = request.body;
    const result = await services.pipeline.revoke({ id: request.params.id, reason, effectiveAt: effectiveAt === undefined ? undefined : Date.parse(effectiveAt) });
    if (!result) throw new FreshTrailError('FT_ERR_NOT_FOUND', `no gateway "${request.params.id}" is enrolled`);
    const summary = (await services.store.getGatewaySummary(request.params.id)) ?? result.gateway;
    return { status: result.status, gateway: gatewayView(summary) };
  });

  app.post<{ Body: Static<typeof TokenBody> }>('/join-tokens', {
    schema: { tags: ['gateways'], summary: 'Issue a one-time join token for a new gateway', body: TokenBody, response: { 201: TokenReply, ...errorResponses(400, 503) } },
  }, async (request, reply) => {
    const issued = await desk.issueToken(request.body ?? {});
    return reply.status(201).send({ token: issued.token, expiresAt: iso(issued.expiresAt) });
  });

  app.post<{ Body: Static<typeof JoinBody> }>('/join', {
    schema: {
      tags: ['gateways'],
      summary: 'A gateway redeems a join token with proof of its key; creates a pending join request for the operator',
      body: JoinBody,
      response: { 202: JoinRequestView, ...errorResponses(400, 403, 409, 422, 503) },
    },
  }, async (request, reply) => reply.status(202).send(joinRequestView(await desk.redeem(request.body))));

  app.get('/join-requests', {
    schema: { tags: ['gateways'], summary: 'Pending join requests with key fingerprints', response: { 200: Type.Object({ requests: Type.Array(JoinRequestView) }) } },
  }, async () => ({ requests: (await services.store.listJoinRequests('pending')).map(joinRequestView) }));

  app.post<{ Params: Static<typeof RequestParams> }>('/join-requests/:id/approve', {
    schema: {
      tags: ['gateways'],
      summary: 'Approve a join request: enrolls the gateway and admits its quarantined batches (as POST /gateways)',
      params: RequestParams,
      response: { 200: EnrollReply, 201: EnrollReply, ...errorResponses(400, 404, 409, 503) },
    },
  }, async (request, reply) => sendEnrollment(reply, services.store, await desk.approve(request.params.id)));

  app.post<{ Params: Static<typeof RequestParams> }>('/join-requests/:id/reject', {
    schema: { tags: ['gateways'], summary: 'Reject a join request', params: RequestParams, response: { 200: JoinRequestView, ...errorResponses(400, 404, 409, 503) } },
  }, async (request) => joinRequestView(await desk.reject(request.params.id)));
}
