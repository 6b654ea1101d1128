/**
 * Alerts (DESIGN.md data flow: "alerts"): integrity alerts raised when a fork, a bad signature
 * or a broken chain is refused, and by the integrity monitor for gaps (ingest/integrity-alerts.ts,
 * ingest/jobs/integrity-monitor.ts), and their lifecycle: open → acknowledged → resolved, each
 * step with who and when (POST /alerts/{id}/acknowledge, /resolve).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { FreshTrailError } from '../../../common/errors.js';
import { ALERT_KINDS, ALERT_SEVERITIES, ALERT_STATUSES, type Alert } from '../../store/integrity-types.js';
import { errorResponses, iso, IsoTime } from '../schemas.js';
import type { RouteOptions } from '../services.js';

export const MAX_ALERTS_PER_QUERY = 1000;

const KindSchema = Type.Union(ALERT_KINDS.map((k) => Type.Literal(k)));
const StatusSchema = Type.Union(ALERT_STATUSES.map((s) => Type.Literal(s)));
const SeveritySchema = Type.Union(ALERT_SEVERITIES.map((s) => Type.Literal(s)));

const AlertsQuery = Type.Object(
  {
    status: Type.Optional(StatusSchema),
    kind: Type.Optional(KindSchema),
    gateway: Type.Optional(Type.String()),
    limit: Type.Integer({ minimum: 1, maximum: MAX_ALERTS_PER_QUERY, default: 100 }),
  },
  { additionalProperties: false },
);

const AlertView = Type.Object({
  id: Type.Integer(),
  kind: KindSchema,
  severity: SeveritySchema,
  gateway: Type.Optional(Type.String()),
  subject: Type.Optional(Type.String({ description: 'What the alert is about beyond the gateway (a location, a lot)' })),
  dedupeKey: Type.String({ description: 'One unresolved alert per key: a condition seen again bumps lastSeenAt and occurrences' }),
  status: StatusSchema,
  openedAt: IsoTime('When the alert opened'),
  lastSeenAt: IsoTime('Latest time the condition was seen'),
  occurrences: Type.Integer({ description: 'How often the condition was seen while the alert was unresolved' }),
  acknowledgedAt: Type.Optional(IsoTime('When a person acknowledged it')),
  acknowledgedBy: Type.Optional(Type.String({ description: 'Who acknowledged it' })),
  resolvedBy: Type.Optional(Type.String({ description: 'Who resolved it; absent when the service resolved it because the condition went away' })),
  note: Type.Optional(Type.String({ description: 'The latest note given when acknowledging or resolving' })),
  resolvedAt: Type.Optional(IsoTime('When it was resolved')),
  message: Type.String(),
  details: Type.Object({}, { additionalProperties: true, description: 'Kind-specific facts (seq, batch ids, gap range)' }),
});

function alertView(a: Alert): Static<typeof AlertView> {
  return {
    id: a.id,
    kind: a.kind,
    severity: a.severity,
    gateway: a.gateway,
    subject: a.subject,
    dedupeKey: a.dedupeKey,
    status: a.status,
    openedAt: iso(a.openedAt),
    lastSeenAt: iso(a.lastSeenAt),
    occurrences: a.occurrences,
    acknowledgedAt: a.acknowledgedAt === undefined ? undefined : iso(a.acknowledgedAt),
    acknowledgedBy: a.acknowledgedBy,
    resolvedBy: a.resolvedBy,
    note: a.note,
    resolvedAt: a.resolvedAt === undefined ? undefined : iso(a.resolvedAt),
    message: a.message,
    details: a.details,
  };
}

export async function alertRoutes(app: FastifyInstance, { services }: RouteOptions): Promise<void> {
  app.get<{ Querystring: Static<typeof AlertsQuery> }>('/alerts', {
    schema: {
      tags: ['alerts'],
      summary: 'Alerts, newest opened first',
      querystring: AlertsQuery,
      response: { 200: Type.Object({ alerts: Type.Array(AlertView) }), ...errorResponses(400) },
    },
  }, async (request) => {
    const { status, kind, gateway, limit } = request.query;
    const alerts = await services.store.listAlerts({ status: status === undefined ? undefined : [status], kind, gateway, limit });
    return { alerts: alerts.map(alertView) };
  });

  const ActionBody = Type.Object(
    {
      by: Type.String({ minLength: 1, maxLength: 128, description: 'Who acts (until API authentication exists, the caller names themselves)' }),
      note: Type.Optional(Type.String({ maxLength: 2000 })),
    },
    { additionalProperties: false },
  );
  for (const action of ['acknowledge', 'resolve'] as const) {
    app.post<{ Params: { id: number }; Body: Static<typeof ActionBody> }>(`/alerts/:id/${action}`, {
      schema: {
        tags: ['alerts'],
        summary: action === 'acknowledge' ? 'Acknowledges an open alert (someone is on it)' : 'Resolves an open or acknowledged alert',
        params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
        body: ActionBody,
        response: { 200: Type.Object({ alert: AlertView, changed: Type.Boolean({ description: 'false: it already was in that state or past it' }) }), ...errorResponses(400, 404) },
      },
    }, async (request) => {
      const result = await services.store.actOnAlert(request.params.id, { action, by: request.body.by, at: (services.now ?? Date.now)(), note: request.body.note });
      if (!result) throw new FreshTrailError('FT_ERR_NOT_FOUND', `no alert ${request.params.id}: GET /api/v1/alerts lists them`);
      request.log.info({ alert: result.alert.id, action, by: request.body.by, changed: result.changed }, 'alert action');
      return { alert: alertView(result.alert), changed: result.changed };
    });
  }
}
