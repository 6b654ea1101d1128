/**
 * Alerts (DESIGN.md data flow: "alerts"): integrity alerts raised when a fork, a bad signature
 * or a broken chain is refused, and by the integrity monitor for gaps (ingest/integrity-alerts.ts,
 * ingest/jobs/integrity-monitor.ts), and their lifecycle: open → acknowledged → resolved, each
 * step with who and when (POST /alerts/{id}/acknowledge, /resolve).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { FreshTrailError } from '../../../common/errors.js';
import { actingAs } from '../../auth/principal.js';
import { mayReadAlert } from '../../auth/party-scope.js';
import { AlertEventMessage, alertEventMessage, AlertView, alertView, KindSchema, StatusSchema } from '../../alerts/alert-view.js';
import { AlertEventStream } from '../../alerts/event-stream.js';
import type { Logger } from '../../../common/log.js';
import { DELIVERY_STATUSES, type AlertDeliveryWithEvent, type AlertEvent } from '../../store/alert-delivery-types.js';
import { errorResponses, iso, IsoTime } from '../schemas.js';
import type { RouteOptions } from '../services.js';

export const MAX_ALERTS_PER_QUERY = 1000;

const AlertsQuery = Type.Object(
  {
    status: Type.Optional(StatusSchema),
    kind: Type.Optional(KindSchema),
    gateway: Type.Optional(Type.String()),
    limit: Type.Integer({ minimum: 1, maximum: MAX_ALERTS_PER_QUERY, default: 100 }),
  },
  { additionalProperties: false },
);

const DeliveryView = Type.Object({
  id: Type.Integer(),
  channel: Type.String({ description: 'webhook:<name> or mqtt' }),
  status: Type.Union(DELIVERY_STATUSES.map((st) => Type.Literal(st)), { description: 'pending (to send or retry), delivered, dead (refused or out of attempts)' }),
  attempts: Type.Integer(),
  nextAttemptAt: Type.Optional(IsoTime('When the next attempt is due (pending only)')),
  createdAt: IsoTime('When the event was queued for this channel'),
  finishedAt: Type.Optional(IsoTime('When it was delivered or declared dead')),
  lastError: Type.Optional(Type.String({ description: 'Why the latest attempt failed' })),
  event: AlertEventMessage,
});

function deliveryView(d: AlertDeliveryWithEvent): Static<typeof DeliveryView> {
  return {
    id: d.id,
    channel: d.channel,
    status: d.status,
    attempts: d.attempts,
    ...(d.status === 'pending' ? { nextAttemptAt: iso(d.nextAttemptAt) } : {}),
    createdAt: iso(d.createdAt),
    ...(d.finishedAt === undefined ? {} : { finishedAt: iso(d.finishedAt) }),
    ...(d.lastError === undefined ? {} : { lastError: d.lastError }),
    event: alertEventMessage(d.event),
  };
}

/** A comment line this often keeps proxies and load balancers from closing an idle stream. */
const KEEPALIVE_MS = 15_000;

export async function alertRoutes(app: FastifyInstance, { services }: RouteOptions): Promise<void> {
  const now = services.now ?? Date.now;
  const stream = new AlertEventStream(services.store, services.alertPollIntervalMs ?? 1000, app.log as unknown as Logger);
  const ends = new Set<() => void>();
  // Before the server waits for open connections to end: end the streams.
  app.addHook('preClose', async () => {
    for (const end of ends) end();
    await stream.close();
  });

  app.get<{ Querystring: { after?: number }; Headers: { 'last-event-id'?: string } }>('/alerts/stream', {
    schema: {
      tags: ['alerts'],
      summary: 'Live alert events (server-sent events)',
      description:
        'A text/event-stream of alert events: `id: <event id>`, `event: alert`, `data: <AlertEventMessage JSON>` (docs/alerts.md §2). Starts after the event named by the Last-Event-ID header or `after` (0: from the oldest kept), else with the next new event. Browsers\' EventSource reconnects with Last-Event-ID by itself, so nothing is missed or repeated.',
      querystring: Type.Object({ after: Type.Optional(Type.Integer({ minimum: 0, description: 'Send the events after this id' })) }, { additionalProperties: false }),
      produces: ['text/event-stream'],
    },
  }, async (request, reply) => {
    const header = request.headers['last-event-id'];
    const fromHeader = header !== undefined && /^\d+$/.test(header) ? Number(header) : undefined;
    const after = fromHeader ?? request.query.after ?? (await stream.latestId());
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no', // nginx: do not buffer the stream
    });
    res.write(`retry: 3000\n: alert events after ${after}\n\n`);
    const format = (events: readonly AlertEvent[]): string => events.map((e) => `id: ${e.id}\nevent: alert\ndata: ${JSON.stringify(alertEventMessage(e))}\n\n`).join('');
    const principal = request.principal;
    // A party's stream holds the events of its own alerts; the checks may read the store, so they run in order on one chain.
    let filtering = Promise.resolve();
    const remove = stream.add({
      after,
      send(events) {
        if (principal?.locations === undefined) {
          res.write(format(events));
          return;
        }
        filtering = filtering.then(async () => {
          const visible: AlertEvent[] = [];
          for (const e of events) if (await mayReadAlert(principal, e.alert, services.store)) visible.push(e);
          if (visible.length > 0) res.write(format(visible));
        }).catch((err: unknown) => request.log.warn({ err }, 'alert stream: filtering failed'));
      },
    });
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
    const end = (): void => {
      clearInterval(keepalive);
      remove();
      ends.delete(end);
      res.end();
    };
    ends.add(end);
    request.raw.on('close', end);
  });

  const DeliveriesQuery = Type.Object(
    {
      status: Type.Optional(Type.Union(DELIVERY_STATUSES.map((st) => Type.Literal(st)))),
      channel: Type.Optional(Type.String({ description: 'webhook:<name> or mqtt' })),
      limit: Type.Integer({ minimum: 1, maximum: MAX_ALERTS_PER_QUERY, default: 100 }),
    },
    { additionalProperties: false },
  );
  app.get<{ Querystring: Static<typeof DeliveriesQuery> }>('/alerts/deliveries', {
    schema: {
      tags: ['alerts'],
      summary: 'Alert deliveries per channel, newest first; status=dead is the dead-letter list',
      querystring: DeliveriesQuery,
      response: { 200: Type.Object({ deliveries: Type.Array(DeliveryView) }), ...errorResponses(400) },
    },
  }, async (request) => ({ deliveries: (await services.store.listDeliveries(request.query)).map(deliveryView) }));

  app.post<{ Params: { id: number } }>('/alerts/deliveries/:id/retry', {
    schema: {
      tags: ['alerts'],
      summary: 'Sends a dead delivery again (after fixing the receiver): back to pending, attempts from zero',
      params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
      response: { 200: Type.Object({ delivery: DeliveryView }), ...errorResponses(404, 409) },
    },
  }, async (request) => {
    const result = await services.store.retryDelivery(request.params.id, now());
    if (!result) throw new FreshTrailError('FT_ERR_NOT_FOUND', `no delivery ${request.params.id}: GET /api/v1/alerts/deliveries?status=dead lists the dead ones`);
    const { delivery } = result;
    if (!result.retried) throw new FreshTrailError('FT_ERR_CONFLICT', `delivery ${delivery.id} is ${delivery.status}, not dead: only a dead delivery is retried`);
    request.log.info({ delivery: delivery.id, channel: delivery.channel, event: delivery.eventId }, 'dead alert delivery retried');
    return { delivery: deliveryView(delivery) };
  });

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
    // A party sees the alerts of its locations and lots (filtered after the limit: a page may hold fewer).
    const principal = request.principal;
    const visible = principal?.locations === undefined ? alerts : (await Promise.all(alerts.map(async (a) => ((await mayReadAlert(principal, a, services.store)) ? [a] : [])))).flat();
    return { alerts: visible.map(alertView) };
  });

  const ActionBody = Type.Object(
    {
      by: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'A person\'s name, recorded next to the authenticated caller' })),
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
      const principal = request.principal;
      if (principal?.locations !== undefined) {
        const [alert] = await services.store.listAlerts({ id: request.params.id, limit: 1 });
        if (alert && !(await mayReadAlert(principal, alert, services.store))) throw new FreshTrailError('FT_ERR_NOT_FOUND', `no alert ${request.params.id} of party "${principal.party}"`);
      }
      const by = actingAs(principal, request.body.by);
      const result = await services.store.actOnAlert(request.params.id, { action, by, at: now(), note: request.body.note });
      if (!result) throw new FreshTrailError('FT_ERR_NOT_FOUND', `no alert ${request.params.id}: GET /api/v1/alerts lists them`);
      request.log.info({ alert: result.alert.id, action, by, changed: result.changed }, 'alert action');
      return { alert: alertView(result.alert), changed: result.changed };
    });
  }
}
