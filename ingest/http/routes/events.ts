/**
 * Traceability events in (issue 6, docs/events.md §6): FSMA 204 CTE records — one, or an array —
 * and GS1 EPCIS 2.0 documents, told apart by content (an EPCIS document has
 * `"type": "EPCISDocument"`) or by `Content-Type: application/ld+json`. All events of a request
 * are recorded in one transaction or none.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { FreshTrailError, isFreshTrailError } from '../../../common/errors.js';
import { parseCteRecord } from '../../events/cte.js';
import { parseEpcisDocument } from '../../events/epcis.js';
import { CTES, type LotEvent } from '../../events/types.js';
import { errorResponses, iso, IsoTime } from '../schemas.js';
import { assertMayRecordEvent } from '../../auth/party-scope.js';
import { parseJsonBody } from '../json-body.js';
import type { RouteOptions } from '../services.js';

/** Most CTE records in one array (the body limit bounds an EPCIS document). */
export const MAX_RECORDS = 10_000;

const JsonObject = Type.Record(Type.String(), Type.Unknown());
const EventsBody = Type.Union([JsonObject, Type.Array(JsonObject, { minItems: 1, maxItems: MAX_RECORDS })], {
  description:
    'A CTE record (an object with "cte"), an array of CTE records, or an EPCIS 2.0 document ("type": "EPCISDocument"; also a single EPCIS event when sent as application/ld+json). See docs/events.md.',
});
const CteSchema = Type.Union(CTES.map((c) => Type.Literal(c)));
const EventResult = Type.Object({
  eventId: Type.String(),
  status: Type.Union([Type.Literal('created'), Type.Literal('duplicate')], { description: 'duplicate: the same event is stored already; nothing changed' }),
  cte: CteSchema,
  missingKdes: Type.Array(Type.String(), { description: 'Required FSMA KDEs an EPCIS event lacks (always empty for CTE records, which are refused instead)' }),
});
const EventsReply = Type.Object({ events: Type.Array(EventResult) });
const StoredEventReply = Type.Object({
  event: Type.Object(
    { eventId: Type.String(), cte: CteSchema, eventTime: Type.Integer({ description: 'UTC ms' }), location: Type.String() },
    { additionalProperties: true, description: 'The LotEvent as recorded (ingest/events/types.ts); `contacts` is empty once erased' },
  ),
  time: IsoTime('Event time'),
  recordedAt: IsoTime('When FreshTrail recorded it'),
});

/** The request's events in order, or one FT_ERR_SCHEMA naming every bad record by index. */
export function eventsOf(body: unknown, contentType: string | undefined): LotEvent[] {
  const ldJson = /^application\/ld\+json\b/i.test(contentType ?? '');
  if (Array.isArray(body)) {
    const events: LotEvent[] = [];
    const problems: string[] = [];
    body.forEach((record, i) => {
      try {
        events.push(parseCteRecord(record));
      } catch (err) {
        if (!isFreshTrailError(err)) throw err;
        problems.push(`records[${i}] ${err.message}`);
      }
    });
    if (problems.length > 0) throw new FreshTrailError('FT_ERR_SCHEMA', problems.join('; '));
    return events;
  }
  const object = body as Record<string, unknown>;
  if (ldJson || object.type === 'EPCISDocument') return parseEpcisDocument(body);
  if ('cte' in object) return [parseCteRecord(body)];
  throw new FreshTrailError(
    'FT_ERR_SCHEMA',
    'send a CTE record (an object with "cte"), an array of CTE records, or an EPCIS 2.0 document ("type": "EPCISDocument"; a single EPCIS event as Content-Type application/ld+json)',
  );
}

export async function eventRoutes(app: FastifyInstance, { services }: RouteOptions): Promise<void> {
  const { store } = services;
  const now = services.now ?? Date.now;
  // EPCIS 2.0 JSON-LD (GS1 EPCIS 2.0 §12.1); parsed as JSON, within the app's body limit.
  app.addContentTypeParser('application/ld+json', { parseAs: 'string' }, (_request, text, done) => {
    try {
      done(null, parseJsonBody(text as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });

  app.post<{ Body: Static<typeof EventsBody> }>('/events', {
    schema: {
      tags: ['lots'],
      summary: 'Records traceability events: a CTE record, an array of them, or an EPCIS 2.0 document; all or none, idempotent on the event id',
      body: EventsBody,
      response: { 200: EventsReply, 201: EventsReply, ...errorResponses(400, 409, 413) },
    },
  }, async (request, reply) => {
    const events = eventsOf(request.body, request.headers['content-type']);
    // A party records events at its own locations only (docs/security.md "Parties").
    if (request.principal) for (const e of events) assertMayRecordEvent(request.principal, e);
    const results = await store.recordEvents(events, now());
    const view = results.map((r, i) => ({ ...r, cte: events[i]!.cte, missingKdes: events[i]!.missingKdes }));
    return reply.status(results.some((r) => r.status === 'created') ? 201 : 200).send({ events: view });
  });

  app.get<{ Params: { eventId: string } }>('/events/:eventId', {
    schema: {
      tags: ['lots'],
      summary: 'One recorded event (URL-encode the id: derived ids contain "/" and "?")',
      params: Type.Object({ eventId: Type.String() }),
      response: { 200: StoredEventReply, ...errorResponses(404) },
    },
  }, async (request) => {
    const stored = await store.getEvent(request.params.eventId);
    if (!stored) throw new FreshTrailError('FT_ERR_NOT_FOUND', `no event "${request.params.eventId}"`);
    return { event: stored.event, time: iso(stored.event.eventTime), recordedAt: iso(stored.recordedAt) };
  });

  // Erasure on request (GDPR art. 17 and the like): contacts are outside every digest and anchor, so evidence still verifies.
  app.post<{ Params: { eventId: string } }>('/events/:eventId/erase-contacts', {
    schema: {
      tags: ['lots'],
      summary: 'Erases the personal data of an event (harvester phone, contact name, phone, e-mail); digests, anchors and evidence are unchanged',
      params: Type.Object({ eventId: Type.String() }),
      response: { 200: Type.Object({ eventId: Type.String(), erased: Type.Boolean({ description: 'false: nothing was left to erase' }) }), ...errorResponses(404) },
    },
  }, async (request) => {
    const { eventId } = request.params;
    const stored = await store.getEvent(eventId);
    if (!stored) throw new FreshTrailError('FT_ERR_NOT_FOUND', `no event "${eventId}"`);
    const had = Object.keys(stored.event.contacts ?? {}).length > 0;
    await store.eraseEventContacts(eventId);
    return { eventId, erased: had };
  });
}
