/**
 * A lot's history and trace (issue 6, docs/events.md §8–9): its events, its custody intervals
 * each with a summary of the readings there, its stored freshness; and its lineage graph back
 * to the farms or forward to the current holders.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { FreshTrailError } from '../../../common/errors.js';
import { lotAnchoring } from '../../evidence/lot-anchoring.js';
import type { LotTrace } from '../../store/lot-event-types.js';
import { errorResponses, iso, IsoTime } from '../schemas.js';
import type { RouteOptions } from '../services.js';

/** Most lineage edges a trace returns; more make it `truncated`. */
export const MAX_TRACE_EDGES = 10_000;

const StatsView = Type.Object({ min: Type.Number(), max: Type.Number(), mean: Type.Number() });
const EventSummary = Type.Object({
  eventId: Type.String(),
  cte: Type.String(),
  time: IsoTime('Event time'),
  location: Type.String(),
  from: Type.Optional(Type.String()),
  to: Type.Optional(Type.String()),
  quantity: Type.Optional(Type.Number({ description: 'Of this lot (a transformation input: the quantity used)' })),
  unitOfMeasure: Type.Optional(Type.String()),
  role: Type.Union([Type.Literal('input'), Type.Literal('output'), Type.Literal('subject')]),
});
const CustodyView = Type.Object({
  location: Type.String(),
  from: IsoTime('Arrival'),
  to: Type.Optional(IsoTime('Departure; absent while the lot is there')),
  readings: Type.Object(
    { count: Type.Integer(), tempC: Type.Optional(StatsView), rh: Type.Optional(StatsView) },
    { description: 'Readings at the location within the interval (until now for an open one)' },
  ),
});
const FreshnessView = Type.Object({
  remainingDays: Type.Number(),
  quality: Type.Number(),
  usedFraction: Type.Number(),
  waterLossPct: Type.Number(),
  chillDegreeHours: Type.Number(),
  through: IsoTime('Readings integrated up to'),
});
const AnchoringView = Type.Object({
  status: Type.Union(['disabled', 'not_committed', 'committed', 'anchored', 'final'].map((s) => Type.Literal(s)), {
    description: 'disabled: this ingest closes no epochs; not_committed: in no epoch yet; committed: in a signed epoch head, on no chain yet; anchored: in a block on a chain; final: finalized on a chain',
  }),
  epoch: Type.Optional(Type.Integer({ description: 'The epoch of the lot\'s latest leaf' })),
  leafIndex: Type.Optional(Type.Integer()),
  committedAt: Type.Optional(IsoTime('When that epoch closed: the evidence covers what was stored before')),
  headHash: Type.Optional(Type.String({ description: 'SHA-256 of that epoch\'s head, 0x hex' })),
  anchors: Type.Array(Type.Object({
    target: Type.String(),
    chainId: Type.String({ description: 'Decimal' }),
    contract: Type.String(),
    epoch: Type.Integer({ description: 'The anchored epoch (its head chains back to the leaf\'s)' }),
    txHash: Type.String(),
    blockNumber: Type.Integer(),
    status: Type.Union([Type.Literal('included'), Type.Literal('final')]),
  })),
}, { description: 'Where the lot\'s evidence stands (docs/evidence.md "Where a lot\'s evidence stands"); GET /lots/{id}/evidence for the bundle' });
const LotHistory = Type.Object({
  id: Type.String(),
  commodity: Type.String(),
  label: Type.Optional(Type.String()),
  createdAt: IsoTime('Creation (for an event-assigned TLC: the assigning event time)'),
  events: Type.Array(EventSummary),
  custody: Type.Array(CustodyView),
  /** Absent until the shelf-life consumer has computed it (see /lots/{id}/shelf-life). */
  freshness: Type.Optional(FreshnessView),
  anchoring: AnchoringView,
});

const TraceQuery = Type.Object(
  {
    direction: Type.Union([Type.Literal('back'), Type.Literal('forward')], { default: 'back' }),
    maxDepth: Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Most transformation steps walked' }),
  },
  { additionalProperties: false },
);
const TraceReply = Type.Object({
  lot: Type.String(),
  direction: Type.Union([Type.Literal('back'), Type.Literal('forward')]),
  maxDepth: Type.Integer(),
  truncated: Type.Boolean({ description: 'The depth or edge limit cut the walk short' }),
  nodes: Type.Array(Type.Object({
    tlc: Type.String(),
    commodity: Type.String(),
    productDescription: Type.Optional(Type.String()),
    createdAt: IsoTime('TLC assigned (or lot created)'),
    assignedBy: Type.Optional(Type.String({ description: 'The event that assigned the TLC' })),
    depth: Type.Integer({ description: 'Transformation steps from the traced lot' }),
  })),
  edges: Type.Array(Type.Object({
    kind: Type.Union([Type.Literal('transformation'), Type.Literal('shipment')]),
    from: Type.String({ description: 'transformation: input TLC; shipment: ship-from location' }),
    to: Type.String({ description: 'transformation: output TLC; shipment: ship-to location' }),
    lot: Type.Optional(Type.String({ description: 'shipment: the lot shipped' })),
    eventId: Type.String(),
    time: IsoTime('Event time'),
  })),
  locations: Type.Array(Type.Object({ lot: Type.String(), location: Type.String(), kind: Type.Union([Type.Literal('shipped_to'), Type.Literal('received_at')]), eventId: Type.String(), time: IsoTime('Event time') })),
  holders: Type.Array(Type.Object({ lot: Type.String(), location: Type.String(), since: IsoTime('Custody since') }), { description: 'forward: open custody intervals of every lot in the trace' }),
  origins: Type.Array(Type.Object({
    lot: Type.String(),
    via: Type.Union([Type.Literal('initial_packing'), Type.Literal('exempt_receiving'), Type.Literal('lot_api'), Type.Literal('other')]),
    eventId: Type.Optional(Type.String()),
    location: Type.Optional(Type.String()),
    time: IsoTime('When the lot entered traceability'),
    farmLocation: Type.Optional(Type.String()),
    fieldName: Type.Optional(Type.String()),
    harvestDate: Type.Optional(Type.String()),
    commodity: Type.Optional(Type.String()),
    harvestEvents: Type.Array(Type.String(), { description: 'Harvesting and cooling events of the same harvest' }),
  }), { description: 'back: one per root lot' }),
});

export function traceView(t: LotTrace): Static<typeof TraceReply> {
  return {
    ...t,
    nodes: t.nodes.map((n) => ({ ...n, createdAt: iso(n.createdAt) })),
    edges: t.edges.map((e) => ({ ...e, time: iso(e.time) })),
    locations: t.locations.map((v) => ({ ...v, time: iso(v.time) })),
    holders: t.holders.map((h) => ({ ...h, since: iso(h.since) })),
    origins: t.origins.map((o) => ({ ...o, time: iso(o.time) })),
  };
}

export async function lotHistoryRoutes(app: FastifyInstance, { services }: RouteOptions): Promise<void> {
  const { store } = services;
  const now = services.now ?? Date.now;
  const params = Type.Object({ id: Type.String() });

  app.get<{ Params: { id: string } }>('/lots/:id', {
    schema: {
      tags: ['lots'],
      summary: 'A lot\'s history: its events, its custody intervals with a summary of the readings of each, its freshness, where its evidence stands (anchoring)',
      params,
      response: { 200: LotHistory, ...errorResponses(404) },
    },
  }, async (request) => {
    const { id } = request.params;
    const lot = await store.getLot(id);
    if (!lot) throw new FreshTrailError('FT_ERR_NOT_FOUND', `no lot "${id}"`);
    const [events, custody, [freshness], anchoring] = await Promise.all([
      store.lotEvents(id), store.lotCustody(id), store.lotFreshness([id]), lotAnchoring(id, store, services.evidence !== undefined),
    ]);
    const at = now();
    const summaries = await store.readingSummaries(custody.map((c) => ({ location: c.location, fromTs: c.fromTs, toTs: c.toTs ?? Math.max(at, c.fromTs) })));
    return {
      id: lot.id,
      commodity: lot.commodity,
      ...(lot.label ? { label: lot.label } : {}),
      createdAt: iso(lot.createdAt),
      events: events.flatMap(({ event }) => {
        const lines = event.cte === 'transformation'
          ? [...event.inputs.map((l) => ({ l, role: 'input' as const })), ...event.outputs.map((l) => ({ l, role: 'output' as const }))]
          : event.lots.map((l) => ({ l, role: 'subject' as const }));
        return lines.filter(({ l }) => l.tlc === id).slice(0, 1).map(({ l, role }) => ({
          eventId: event.eventId,
          cte: event.cte,
          time: iso(event.eventTime),
          location: event.location,
          ...(event.from === undefined ? {} : { from: event.from }),
          ...(event.to === undefined ? {} : { to: event.to }),
          ...(l.quantity === undefined ? {} : { quantity: l.quantity }),
          ...(l.unitOfMeasure === undefined ? {} : { unitOfMeasure: l.unitOfMeasure }),
          role,
        }));
      }),
      custody: custody.map((c, i) => {
        const s = summaries[i]!;
        return {
          location: c.location,
          from: iso(c.fromTs),
          ...(c.toTs === undefined ? {} : { to: iso(c.toTs) }),
          readings: { count: s.readings, ...(s.tempC ? { tempC: s.tempC } : {}), ...(s.rh ? { rh: s.rh } : {}) },
        };
      }),
      ...(freshness
        ? {
            freshness: {
              remainingDays: freshness.remainingDays,
              quality: freshness.quality,
              usedFraction: freshness.usedFraction,
              waterLossPct: freshness.waterLossPct,
              chillDegreeHours: freshness.chillDegreeHours,
              through: iso(freshness.throughTs),
            },
          }
        : {}),
      anchoring: { ...anchoring, ...(anchoring.committedAt === undefined ? {} : { committedAt: iso(anchoring.committedAt) }) },
    };
  });

  app.get<{ Params: { id: string }; Querystring: Static<typeof TraceQuery> }>('/lots/:id/trace', {
    schema: {
      tags: ['lots'],
      summary: 'The lot\'s lineage: back to the farms it came from, or forward to every location its lots went and who holds them now',
      params,
      querystring: TraceQuery,
      response: { 200: TraceReply, ...errorResponses(400, 404) },
    },
  }, async (request) => {
    const { id } = request.params;
    const { direction = 'back', maxDepth = 20 } = request.query;
    const trace = await store.trace(id, direction, { maxDepth, maxEdges: MAX_TRACE_EDGES });
    if (!trace) throw new FreshTrailError('FT_ERR_NOT_FOUND', `no lot "${id}"`);
    return traceView(trace);
  });
}
