/**
 * The lots at risk first (the dashboard's overview, issue 8): each lot with its freshness and
 * where it is now. A party-scoped principal (a grower or a distributor) gets the lots held at
 * one of its locations: the store filters before it limits, so a party's page is full.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ListedLot } from '../../store/lot-types.js';
import { errorResponses, iso, IsoTime } from '../schemas.js';
import type { RouteOptions } from '../services.js';

const LotsQuery = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: 1000, default: 200, description: 'Most lots listed (those with the least remaining shelf life)' }) },
  { additionalProperties: false },
);
const ListedLotView = Type.Object({
  id: Type.String(),
  commodity: Type.String(),
  label: Type.Optional(Type.String()),
  createdAt: IsoTime('Creation'),
  freshness: Type.Optional(Type.Object({
    remainingDays: Type.Number({ description: 'Remaining shelf life at the commodity\'s best storage temperature, days' }),
    quality: Type.Number({ description: 'Quality index, 10 fresh, 4 at the end of shelf life' }),
    usedFraction: Type.Number(),
    through: IsoTime('Readings integrated up to'),
  }, { description: 'Absent until the shelf-life consumer has computed it' })),
  holders: Type.Array(Type.Object({ location: Type.String(), since: IsoTime('Custody since') }), { description: 'Where the lot is now (open custody intervals)' }),
});
const LotsReply = Type.Object({ lots: Type.Array(ListedLotView) });

const view = ({ lot, freshness, holders }: ListedLot): Static<typeof ListedLotView> => ({
  id: lot.id,
  commodity: lot.commodity,
  ...(lot.label ? { label: lot.label } : {}),
  createdAt: iso(lot.createdAt),
  ...(freshness ? { freshness: { remainingDays: freshness.remainingDays, quality: freshness.quality, usedFraction: freshness.usedFraction, through: iso(freshness.throughTs) } } : {}),
  holders: holders.map((h) => ({ location: h.location, since: iso(h.fromTs) })),
});

export async function lotListRoutes(app: FastifyInstance, { services }: RouteOptions): Promise<void> {
  const { store } = services;
  app.get<{ Querystring: Static<typeof LotsQuery> }>('/lots', {
    schema: {
      tags: ['lots'],
      summary: 'Lots by remaining shelf life, at risk first (lots without freshness yet last), with where each is now',
      querystring: LotsQuery,
      response: { 200: LotsReply, ...errorResponses(400) },
    },
  }, async (request) => {
    const locations = request.principal?.locations;
    const listed = await store.listLots(request.query.limit, locations === undefined ? undefined : { locations });
    return { lots: listed.map(view) };
  });
}
