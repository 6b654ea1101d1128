/**
 * Alerts (DESIGN.md data flow: "alerts"): integrity alerts raised when a fork, a bad signature
 * or a broken chain is refused, and by the integrity monitor for gaps (ingest/integrity-alerts.ts,
 * ingest/jobs/integrity-monitor.ts). Read-only for now; acknowledging and resolving by hand
 * come with rule-based alerts.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
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
}
