/**
 * How an alert and an alert event look to the outside: the API (GET /api/v1/alerts), the event
 * stream (GET /api/v1/alerts/stream), webhooks and the MQTT topic all carry these shapes
 * (docs/alerts.md), so a receiver parses one format whichever way it listens.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { AlertEvent } from '../store/alert-delivery-types.js';
import { ALERT_EVENT_TYPES } from '../store/alert-delivery-types.js';
import { ALERT_KINDS, ALERT_SEVERITIES, ALERT_STATUSES, type Alert } from '../store/integrity-types.js';
import { iso, IsoTime } from '../http/schemas.js';

export const KindSchema = Type.Union(ALERT_KINDS.map((k) => Type.Literal(k)));
export const StatusSchema = Type.Union(ALERT_STATUSES.map((s) => Type.Literal(s)));
const SeveritySchema = Type.Union(ALERT_SEVERITIES.map((s) => Type.Literal(s)));

export const AlertView = Type.Object({
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

export function alertView(a: Alert): Static<typeof AlertView> {
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

export const AlertEventMessage = Type.Object({
  id: Type.Integer({ description: 'Event id: 1, 2, 3, … in commit order across the deployment. Receivers deduplicate on it (delivery is at least once).' }),
  type: Type.Union(ALERT_EVENT_TYPES.map((t) => Type.Literal(`alert.${t}`)), { description: 'What happened: alert.opened, alert.escalated (warning → critical), alert.acknowledged, alert.resolved' }),
  at: IsoTime('When it happened'),
  alert: AlertView,
});
export type AlertEventMessage = Static<typeof AlertEventMessage>;

export function alertEventMessage(e: AlertEvent): AlertEventMessage {
  return { id: e.id, type: `alert.${e.type}`, at: iso(e.at), alert: alertView(e.alert) };
}
