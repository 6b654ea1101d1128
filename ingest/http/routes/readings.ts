/**
 * Verified readings by location, sensor or gateway over a time range, ordered by time. Each
 * reading names the signed batch that carried it, so a client can fetch the evidence.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { FreshTrailError } from '../../../common/errors.js';
import type { StoredReading } from '../../store/types.js';
import { errorResponses, iso, ReadingView } from '../schemas.js';
import type { RouteOptions } from '../services.js';

export const MAX_READINGS_PER_QUERY = 10_000;

const TimeParam = (bound: string) =>
  Type.String({ description: `${bound}: ISO 8601 with an offset (2026-01-15T08:00:00Z, 2026-01-15T10:00:00+02:00), a date (UTC midnight), or UTC ms` });

const ReadingsQuery = Type.Object(
  {
    location: Type.Optional(Type.String()),
    sensor: Type.Optional(Type.String()),
    gateway: Type.Optional(Type.String()),
    from: Type.Optional(TimeParam('Inclusive start')),
    to: Type.Optional(TimeParam('Exclusive end')),
    limit: Type.Integer({ minimum: 1, maximum: MAX_READINGS_PER_QUERY, default: 1000 }),
  },
  { additionalProperties: false },
);

const ReadingsReply = Type.Object({ readings: Type.Array(ReadingView), count: Type.Integer() });

// RFC 3339 date-time (offset required: a time without one is ambiguous), or a plain date.
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/i;

/** Parses a from/to parameter to UTC ms, or throws FT_ERR_SCHEMA naming the parameter. */
export function parseTimeParam(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d{1,15}$/.test(value) ? Number(value) : ISO_WITH_OFFSET.test(value) ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) {
    throw new FreshTrailError('FT_ERR_SCHEMA', `${name} must be ISO 8601 with an offset (2026-01-15T08:00:00Z) or milliseconds since 1970; got "${value}"`);
  }
  return ms;
}

function readingView(r: StoredReading): Static<typeof ReadingView> {
  return {
    ts: r.ts,
    time: iso(r.ts),
    tsSource: r.tsSource,
    sensor: r.sensor,
    location: r.location,
    tempC: r.tempC,
    rh: r.rh,
    battery: r.battery,
    link: r.link,
    src: r.src,
    gateway: r.gateway,
    batchId: r.batchId,
    seq: r.seq,
    index: r.index,
    verified: true,
  };
}

export async function readingRoutes(app: FastifyInstance, { services }: RouteOptions): Promise<void> {
  app.get<{ Querystring: Static<typeof ReadingsQuery> }>('/readings', {
    schema: {
      tags: ['readings'],
      summary: 'Verified readings, ordered by time',
      querystring: ReadingsQuery,
      response: { 200: ReadingsReply, ...errorResponses(400) },
    },
  }, async (request) => {
    const q = request.query;
    const readings = await services.store.queryReadings({
      location: q.location,
      sensor: q.sensor,
      gateway: q.gateway,
      from: parseTimeParam('from', q.from),
      to: parseTimeParam('to', q.to),
      limit: q.limit,
    });
    return { readings: readings.map(readingView), count: readings.length };
  });
}
