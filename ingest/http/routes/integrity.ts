/**
 * Chain integrity findings of one gateway (DESIGN.md "Batch": the hash chain makes each
 * gateway's stream append-only): the missing seqs (gaps), the seqs with two signed batches
 * (forks), and the refused envelopes themselves as downloadable evidence. Both sides of a fork
 * are kept: the stored batch in the store, the other as a rejection with its exact bytes.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { FreshTrailError } from '../../../common/errors.js';
import type { ForkReport, StoredRejection } from '../../store/integrity-types.js';
import { ErrorCodeSchema, errorResponses, iso, IsoTime } from '../schemas.js';
import type { RouteOptions } from '../services.js';

const IdParams = Type.Object({ id: Type.String() });
const RejectionParams = Type.Object({ id: Type.String(), rid: Type.Integer({ minimum: 1, description: 'Rejection id (rejectionId in a fork report)' }) });
const TransportSchema = Type.Union([Type.Literal('mqtt'), Type.Literal('http')]);

const GapsReply = Type.Object({
  gateway: Type.String(),
  retentionFloorSeq: Type.Integer({ description: 'Seqs up to this one were deleted by retention and are not gaps; 0 when retention deleted nothing' }),
  highestSeq: Type.Optional(Type.Integer({ description: 'Highest stored seq' })),
  missing: Type.Integer({ description: 'Missing batches, all gaps together' }),
  gaps: Type.Array(
    Type.Object({
      fromSeq: Type.Integer({ description: 'First missing seq' }),
      toSeq: Type.Integer({ description: 'Last missing seq (inclusive)' }),
      count: Type.Integer(),
      since: IsoTime('Receipt time of the batch after the gap: since when the gap is visible'),
    }),
  ),
});

const ForkView = Type.Object({
  seq: Type.Integer(),
  stored: Type.Optional(
    Type.Object(
      { id: Type.String({ description: 'Batch id (SHA-256 of its canonical bytes)' }), receivedAt: IsoTime('Receipt time'), transport: TransportSchema },
      { description: 'The batch stored under this seq (absent once retention deleted it)' },
    ),
  ),
  conflictsWith: Type.Optional(Type.String({ description: 'Id of the batch that was stored when the envelope was refused' })),
  conflicting: Type.Array(
    Type.Object({
      rejectionId: Type.Integer(),
      id: Type.Optional(Type.String({ description: 'Batch id of the refused envelope' })),
      receivedAt: IsoTime('Receipt time'),
      transport: TransportSchema,
      evidence: Type.String({ description: 'URL of the refused envelope with its signed bytes' }),
    }),
  ),
});

const RejectionView = Type.Object(
  {
    rejectionId: Type.Integer(),
    gateway: Type.String(),
    code: ErrorCodeSchema,
    reason: Type.String(),
    receivedAt: IsoTime('Receipt time'),
    transport: TransportSchema,
    seq: Type.Optional(Type.Integer()),
    id: Type.Optional(Type.String({ description: 'SHA-256 of canonicalBase64, hex: the batch id' })),
    conflictsWith: Type.Optional(Type.String({ description: 'For a fork: id of the batch stored under the same seq' })),
    sig: Type.Optional(Type.String({ description: "Ed25519 signature over the canonical bytes, hex, as the gateway sent it" })),
    canonicalBase64: Type.Optional(Type.String({ description: 'The exact canonical bytes of the refused batch (docs/protocol.md §2), base64; absent when the envelope could not be decoded' })),
  },
  { description: 'A refused envelope kept as evidence. With the gateway public key anyone can check that the gateway signed these bytes (docs/protocol.md §5).' },
);

function forkView(gateway: string, f: ForkReport): Static<typeof ForkView> {
  return {
    seq: f.seq,
    stored: f.stored && { id: f.stored.id, receivedAt: iso(f.stored.receivedAt), transport: f.stored.transport },
    conflictsWith: f.conflictsWith,
    conflicting: f.conflicting.map((c) => ({
      rejectionId: c.rejectionId,
      id: c.id,
      receivedAt: iso(c.receivedAt),
      transport: c.transport,
      evidence: `/api/v1/gateways/${encodeURIComponent(gateway)}/rejections/${c.rejectionId}`,
    })),
  };
}

function rejectionView(gateway: string, r: StoredRejection): Static<typeof RejectionView> {
  return {
    rejectionId: r.rejectionId,
    gateway,
    code: r.code,
    reason: r.reason,
    receivedAt: iso(r.receivedAt),
    transport: r.transport,
    seq: r.seq,
    id: r.id,
    conflictsWith: r.conflictsWith,
    sig: r.sig,
    canonicalBase64: r.canonical?.toString('base64'),
  };
}

export async function integrityRoutes(app: FastifyInstance, { services }: RouteOptions): Promise<void> {
  const { store } = services;
  const requireGateway = async (id: string): Promise<void> => {
    if (!(await store.getGateway(id))) throw new FreshTrailError('FT_ERR_NOT_FOUND', `no gateway "${id}" is enrolled`);
  };

  app.get<{ Params: Static<typeof IdParams> }>('/gateways/:id/gaps', {
    schema: {
      tags: ['integrity'],
      summary: "Missing seqs in the gateway's hash chain, between the retention floor and the highest stored seq",
      params: IdParams,
      response: { 200: GapsReply, ...errorResponses(404) },
    },
  }, async (request) => {
    const { id } = request.params;
    await requireGateway(id);
    const [gaps, floor, summary] = await Promise.all([store.listGaps(id), store.retentionFloor(id), store.getGatewaySummary(id)]);
    return {
      gateway: id,
      retentionFloorSeq: floor,
      highestSeq: summary?.lastSeq,
      missing: gaps.reduce((n, g) => n + g.count, 0),
      gaps: gaps.map((g) => ({ fromSeq: g.fromSeq, toSeq: g.toSeq, count: g.count, since: iso(g.since) })),
    };
  });

  app.get<{ Params: Static<typeof IdParams> }>('/gateways/:id/forks', {
    schema: {
      tags: ['integrity'],
      summary: 'Seqs the gateway signed twice: the stored batch and every refused conflicting envelope',
      params: IdParams,
      response: { 200: Type.Object({ gateway: Type.String(), forks: Type.Array(ForkView) }), ...errorResponses(404) },
    },
  }, async (request) => {
    const { id } = request.params;
    await requireGateway(id);
    return { gateway: id, forks: (await store.listForks(id)).map((f) => forkView(id, f)) };
  });

  app.get<{ Params: Static<typeof RejectionParams> }>('/gateways/:id/rejections/:rid', {
    schema: {
      tags: ['integrity'],
      summary: 'One refused envelope of the gateway with its exact signed bytes (evidence)',
      params: RejectionParams,
      response: { 200: RejectionView, ...errorResponses(400, 404) },
    },
  }, async (request) => {
    const { id, rid } = request.params;
    const rejection = await store.getRejection(id, rid);
    if (!rejection) throw new FreshTrailError('FT_ERR_NOT_FOUND', `gateway "${id}" has no rejection ${rid}`);
    return rejectionView(id, rejection);
  });
}
