/**
 * Recalls (issue 6, ingest/recalls/recall-service.ts): start one for lots and a reason, see its
 * progress per notified location, and record a location's acknowledgement.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { FreshTrailError } from '../../../common/errors.js';
import { acknowledgeRecall, startRecall } from '../../recalls/recall-service.js';
import { RECALL_CLASSES, type Recall, type RecallNotice, type RecallSummary } from '../../store/recall-types.js';
import { actingAs } from '../../auth/principal.js';
import { recallAsSeenBy } from '../../auth/party-scope.js';
import { errorResponses, iso, IsoTime } from '../schemas.js';
import type { RouteOptions } from '../services.js';

const ClassSchema = Type.Union(RECALL_CLASSES.map((c) => Type.Literal(c)), { description: 'FDA recall class (21 CFR 7.3(m)): I most serious' });
const Who = Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'A person\'s name, recorded next to the authenticated caller' }));

const NoticeView = Type.Object({
  location: Type.String(),
  lots: Type.Array(Type.String(), { description: 'Affected lots received at or held by this location' }),
  heldLots: Type.Array(Type.String(), { description: 'Of those, the ones it held when the recall started' }),
  notifiedAt: IsoTime('When the notice was sent (as a critical recall alert)'),
  alertId: Type.Optional(Type.Integer({ description: 'The recall alert delivering the notice (GET /api/v1/alerts)' })),
  acknowledgedAt: Type.Optional(IsoTime('When the location acknowledged')),
  acknowledgedBy: Type.Optional(Type.String()),
  note: Type.Optional(Type.String()),
});
const SummaryFields = {
  id: Type.Integer(),
  reason: Type.String(),
  classification: Type.Optional(ClassSchema),
  initiatedBy: Type.String(),
  createdAt: IsoTime('When the recall started'),
  lots: Type.Array(Type.String(), { description: 'The lots recalled' }),
  affectedLots: Type.Array(Type.String(), { description: 'Those and every lot made from them' }),
  truncated: Type.Boolean({ description: 'The trace hit its limit: there may be more affected lots' }),
};
const RecallView = Type.Object({
  ...SummaryFields,
  progress: Type.Object({ locations: Type.Integer(), acknowledged: Type.Integer() }),
  notices: Type.Array(NoticeView),
});

const noticeView = (n: RecallNotice): Static<typeof NoticeView> => ({
  location: n.location,
  lots: n.lots,
  heldLots: n.heldLots,
  notifiedAt: iso(n.notifiedAt),
  ...(n.alertId === undefined ? {} : { alertId: n.alertId }),
  ...(n.acknowledgedAt === undefined ? {} : { acknowledgedAt: iso(n.acknowledgedAt), acknowledgedBy: n.acknowledgedBy }),
  ...(n.note === undefined ? {} : { note: n.note }),
});
const summaryView = (r: RecallSummary) => ({
  id: r.id,
  reason: r.reason,
  ...(r.classification ? { classification: r.classification } : {}),
  initiatedBy: r.initiatedBy,
  createdAt: iso(r.createdAt),
  lots: r.lots,
  affectedLots: r.affectedLots,
  truncated: r.truncated,
});
const recallView = (r: Recall): Static<typeof RecallView> => ({
  ...summaryView(r),
  progress: { locations: r.notices.length, acknowledged: r.notices.filter((n) => n.acknowledgedAt !== undefined).length },
  notices: r.notices.map(noticeView),
});

export async function recallRoutes(app: FastifyInstance, { services }: RouteOptions): Promise<void> {
  const { store } = services;
  const now = services.now ?? Date.now;

  const StartBody = Type.Object(
    {
      lots: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { minItems: 1, maxItems: 1000, description: 'Traceability lot codes to recall' }),
      reason: Type.String({ minLength: 1, maxLength: 2000 }),
      classification: Type.Optional(ClassSchema),
      initiatedBy: Who,
    },
    { additionalProperties: false },
  );
  app.post<{ Body: Static<typeof StartBody> }>('/recalls', {
    schema: {
      tags: ['recalls'],
      summary: 'Starts a recall: traces the lots forward and notifies every location that received or holds an affected lot',
      body: StartBody,
      response: { 201: RecallView, ...errorResponses(400, 404) },
    },
  }, async (request, reply) => {
    const recall = await startRecall(store, { ...request.body, initiatedBy: actingAs(request.principal, request.body.initiatedBy) }, now());
    request.auditNote = { resource: String(recall.id), detail: { lots: recall.lots } };
    request.log.warn({ recall: recall.id, lots: recall.lots, affectedLots: recall.affectedLots.length, locations: recall.notices.length, truncated: recall.truncated }, 'recall started: locations notified');
    return reply.code(201).send(recallView(recall));
  });

  app.get<{ Querystring: { limit: number } }>('/recalls', {
    schema: {
      tags: ['recalls'],
      summary: 'Recalls, newest first, with their progress',
      querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ recalls: Type.Array(Type.Object({ ...SummaryFields, progress: Type.Object({ locations: Type.Integer(), acknowledged: Type.Integer() }) })) }), ...errorResponses(400) },
    },
  }, async (request) => {
    const principal = request.principal;
    const all = await store.listRecalls(request.query.limit);
    // A party sees the recalls it started or was notified of, with the progress of its own notices.
    const visible = principal?.locations === undefined
      ? all.map((r) => ({ ...summaryView(r), progress: { locations: r.notices, acknowledged: r.acknowledged } }))
      : (await Promise.all(all.map((r) => store.getRecall(r.id)))).flatMap((full) => {
          const seen = full && recallAsSeenBy(principal, full);
          return seen ? [{ ...summaryView(seen), progress: { locations: seen.notices.length, acknowledged: seen.notices.filter((n) => n.acknowledgedAt !== undefined).length } }] : [];
        });
    return { recalls: visible };
  });

  app.get<{ Params: { id: number } }>('/recalls/:id', {
    schema: {
      tags: ['recalls'],
      summary: 'A recall with its progress per notified location',
      params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
      response: { 200: RecallView, ...errorResponses(400, 404) },
    },
  }, async (request) => {
    const stored = await store.getRecall(request.params.id);
    const recall = stored && request.principal ? recallAsSeenBy(request.principal, stored) : stored;
    if (!recall) throw new FreshTrailError('FT_ERR_NOT_FOUND', `no recall ${request.params.id}: GET /api/v1/recalls lists them`);
    return recallView(recall);
  });

  const AckBody = Type.Object({ location: Type.String({ minLength: 1, maxLength: 256 }), by: Who, note: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false });
  app.post<{ Params: { id: number }; Body: Static<typeof AckBody> }>('/recalls/:id/acknowledge', {
    schema: {
      tags: ['recalls'],
      summary: "A notified location acknowledges the recall (and its alert); the first acknowledgement stays",
      params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
      body: AckBody,
      response: { 200: Type.Object({ notice: NoticeView, changed: Type.Boolean({ description: 'false: it was already acknowledged' }) }), ...errorResponses(400, 404) },
    },
  }, async (request) => {
    const { location, note } = request.body;
    const by = actingAs(request.principal, request.body.by);
    const result = await acknowledgeRecall(store, request.params.id, location, { by, note }, now());
    request.log.info({ recall: request.params.id, location, by, changed: result.changed }, 'recall acknowledged');
    return { notice: noticeView(result.notice), changed: result.changed };
  });
}
