/**
 * Exports of traceability records (issue 6, docs/events.md §10): the FDA electronic sortable
 * spreadsheet of 21 CFR 1.1455(c)(3)(ii) for some TLCs or an event time range, streamed page by
 * page; and an EPCIS 2.0 JSON-LD document of some lots with their temperature history summarized.
 */
import { Readable } from 'node:stream';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { FreshTrailError } from '../../../common/errors.js';
import { parseTime } from '../../events/event-id.js';
import type { LotEvent } from '../../events/types.js';
import { epcisExport } from '../../exports/epcis-document.js';
import { fsma204Csv } from '../../exports/fsma204.js';
import type { Store } from '../../store/types.js';
import { errorResponses } from '../schemas.js';
import type { RouteOptions } from '../services.js';

/** Most TLCs one export names. */
export const MAX_EXPORT_TLCS = 100;
/** Events read per page of a range export. */
export const RANGE_PAGE_SIZE = 1000;

const Tlcs = Type.Array(Type.String({ minLength: 1, maxLength: 500 }), {
  minItems: 1, maxItems: MAX_EXPORT_TLCS, description: 'Traceability lot code; repeat the parameter for several lots',
});
const CsvQuery = Type.Object(
  {
    tlc: Type.Optional(Tlcs),
    from: Type.Optional(Type.String({ description: 'Range start (inclusive), RFC 3339 time with an offset; with `to` and no `tlc`: every event in the range' })),
    to: Type.Optional(Type.String({ description: 'Range end (exclusive), RFC 3339 time with an offset' })),
  },
  { additionalProperties: false },
);
const EpcisQuery = Type.Object({ tlc: Tlcs }, { additionalProperties: false });

function time(name: string, text: string): number {
  const ms = parseTime(text)?.ms;
  if (ms === undefined) throw new FreshTrailError('FT_ERR_SCHEMA', `"${name}" must be an RFC 3339 time with an offset, e.g. 2025-06-01T00:00:00Z; got ${JSON.stringify(text)}`);
  return ms;
}

/** The range of a query, if it gives one; both ends or none. */
function rangeOf(q: Static<typeof CsvQuery>): { fromTs: number; toTs: number } | undefined {
  if (q.from === undefined && q.to === undefined) return undefined;
  if (q.from === undefined || q.to === undefined) throw new FreshTrailError('FT_ERR_SCHEMA', 'give both "from" and "to" (an event time range, to exclusive)');
  const fromTs = time('from', q.from);
  const toTs = time('to', q.to);
  if (toTs <= fromTs) throw new FreshTrailError('FT_ERR_SCHEMA', `"to" (${q.to}) must be after "from" (${q.from})`);
  return { fromTs, toTs };
}

/** 404 naming every TLC that is no lot. */
async function requireLots(store: Store, tlcs: readonly string[]): Promise<string[]> {
  const unique = [...new Set(tlcs)];
  const found = await Promise.all(unique.map((t) => store.getLot(t)));
  const unknown = unique.filter((_, i) => !found[i]);
  if (unknown.length > 0) throw new FreshTrailError('FT_ERR_NOT_FOUND', `no lot ${unknown.map((t) => JSON.stringify(t)).join(', ')}`);
  return unique;
}

/** Pages of a range in (eventTime, eventId) order, read one at a time as the response drains. */
async function* rangePages(store: Store, range: { fromTs: number; toTs: number }): AsyncGenerator<LotEvent[]> {
  let after: { eventTime: number; eventId: string } | undefined;
  for (;;) {
    const page = await store.eventsInRange({ ...range, limit: RANGE_PAGE_SIZE, ...(after ? { after } : {}) });
    if (page.length > 0) yield page.map((p) => p.event);
    if (page.length < RANGE_PAGE_SIZE) return;
    const last = page[page.length - 1]!.event;
    after = { eventTime: last.eventTime, eventId: last.eventId };
  }
}

/** A filename part: safe characters only, at most 80. */
const slug = (s: string): string => s.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
/** 2025-06-02T07:00:00.000Z → 20250602T070000Z (ISO 8601 basic format). */
const isoSlug = (ms: number): string => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.000Z$/, 'Z').replace('.', '');

export async function exportRoutes(app: FastifyInstance, { services }: RouteOptions): Promise<void> {
  const { store } = services;
  const now = services.now ?? Date.now;

  app.get<{ Querystring: Static<typeof CsvQuery> }>('/exports/fsma204.csv', {
    schema: {
      tags: ['lots'],
      summary: 'FSMA 204 electronic sortable spreadsheet (CSV) of some lots (`tlc`, repeatable) or of every event in a time range (`from`, `to`); columns in docs/events.md §10',
      querystring: CsvQuery,
      produces: ['text/csv'],
      response: { 200: Type.String({ description: 'text/csv; RFC 4180, UTF-8, header row' }), ...errorResponses(400, 404) },
    },
  }, async (request, reply) => {
    const range = rangeOf(request.query);
    const tlcs = request.query.tlc;
    if (!tlcs && !range) throw new FreshTrailError('FT_ERR_SCHEMA', 'give one or more "tlc" parameters, or an event time range "from" and "to"');
    let pages: AsyncIterable<readonly LotEvent[]>;
    let name: string;
    if (tlcs) {
      const lots = await requireLots(store, tlcs);
      // A lot has few events: read them at once, the range (if any) narrows them.
      const events = (await store.eventsOfLots(lots)).map((s) => s.event).filter((e) => !range || (e.eventTime >= range.fromTs && e.eventTime < range.toTs));
      pages = (async function* () { yield events; })();
      name = lots.length === 1 ? slug(lots[0]!) : `${slug(lots[0]!)}-and-${lots.length - 1}-more`;
    } else {
      pages = rangePages(store, range!);
      name = `${isoSlug(range!.fromTs)}-${isoSlug(range!.toTs)}`;
    }
    return reply
      .header('content-type', 'text/csv; charset=utf-8; header=present')
      .header('content-disposition', `attachment; filename="fsma204-${name}.csv"`)
      .send(Readable.from(fsma204Csv(pages)));
  });

  app.get<{ Querystring: Static<typeof EpcisQuery> }>('/exports/epcis', {
    schema: {
      tags: ['lots'],
      summary: 'EPCIS 2.0 JSON-LD document of some lots (`tlc`, repeatable): their events, and one sensor_reporting event per custody interval with min/max/mean temperature and humidity',
      querystring: EpcisQuery,
      produces: ['application/ld+json'],
      response: { ...errorResponses(400, 404) },
    },
  }, async (request, reply) => {
    const lots = await requireLots(store, request.query.tlc);
    const events = (await store.eventsOfLots(lots)).map((s) => s.event);
    const document = await epcisExport(store, lots, events, now());
    return reply.header('content-type', 'application/ld+json; charset=utf-8').send(JSON.stringify(document));
  });
}
