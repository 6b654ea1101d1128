/**
 * Lots and their freshness (issue 5). A lot is created at a location and moved between
 * locations (issue 6 will derive these custody changes from traceability events); the
 * shelf-life consumer updates its freshness from the readings of wherever it is. FEFO lists the
 * lots at a location, shortest remaining shelf life first.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { FreshTrailError } from '../../../common/errors.js';
import { COMMODITIES, findCommodity, parameterRow, unknownCommodityMessage, type Commodity } from '../../../models/commodities.js';
import { LazyModel, ShelfLifeModel } from '../../../models/runner.js';
import { STATE_COUNT } from '../../../models/signature.js';
import { predictArrivals, reportArrival } from '../../shelf-life/arrival.js';
import type { CustodyInterval, LotFreshness, Shipment, Store } from '../../store/types.js';
import { errorResponses, iso, IsoTime } from '../schemas.js';
import type { RouteOptions } from '../services.js';

const ID = Type.String({ pattern: '^[\\x20-\\x21\\x23-\\x5b\\x5d-\\x7e]{1,128}$', description: 'Printable ASCII without " or \\, 1–128 characters' });
const Time = Type.Optional(Type.String({ format: 'date-time', description: 'ISO 8601 time; default now' }));

const CreateLotBody = Type.Object(
  {
    id: ID,
    commodity: Type.String({ description: `Commodity id (GET /api/v1/commodities): ${COMMODITIES.map((c) => c.id).join(', ')}` }),
    location: ID,
    at: Time,
    label: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: false },
);
const MoveBody = Type.Object({ location: ID, at: Time }, { additionalProperties: false });
const ShipmentBody = Type.Object(
  {
    id: ID,
    lot: ID,
    destination: ID,
    eta: Type.String({ format: 'date-time', description: 'Expected arrival, ISO 8601' }),
    transitTempC: Type.Number({ minimum: -40, maximum: 60, description: 'Planned transit temperature, °C' }),
    minDaysOnArrival: Type.Optional(Type.Number({ minimum: 0, description: 'The receiver\'s minimum remaining shelf life on arrival, days' })),
  },
  { additionalProperties: false },
);
const ShipmentView = Type.Object({
  id: Type.String(),
  destination: Type.String(),
  eta: IsoTime('Expected arrival'),
  transitTempC: Type.Number(),
  minDaysOnArrival: Type.Optional(Type.Number()),
  arrival: Type.Object({
    remainingDays: Type.Number({ description: 'Predicted remaining shelf life on arrival at the commodity\'s best temperature, days' }),
    quality: Type.Number(),
    belowMinimum: Type.Boolean({ description: 'remainingDays below minDaysOnArrival' }),
  }),
});

const Custody = Type.Object({ location: Type.String(), from: IsoTime('Arrival'), to: Type.Optional(IsoTime('Departure')) });
const LotView = Type.Object({ id: Type.String(), commodity: Type.String(), label: Type.Optional(Type.String()), createdAt: IsoTime('Creation'), custody: Type.Array(Custody) });

const FLAGS = ['no_readings', 'expired', 'chilling_exposure', 'water_loss'] as const;
const Freshness = Type.Object({
  remainingDays: Type.Number({ description: 'Remaining shelf life at the commodity\'s best storage temperature, days' }),
  atC: Type.Number({ description: 'The temperature remainingDays assumes, °C' }),
  quality: Type.Number({ description: 'Quality index, 10 fresh, 4 at the end of shelf life' }),
  usedFraction: Type.Number({ description: 'Fraction of shelf life used, 0–1+' }),
  waterLossPct: Type.Number({ description: 'Weight lost to transpiration, %' }),
  chillDegreeHours: Type.Number({ description: 'Chilling dose below the commodity\'s chilling threshold, °C·h' }),
  through: Type.Optional(IsoTime('Readings integrated up to')),
  flags: Type.Array(Type.Union(FLAGS.map((f) => Type.Literal(f)))),
});
const HistoryPoint = Type.Object({ time: IsoTime('Update time'), remainingDays: Type.Number(), quality: Type.Number(), usedFraction: Type.Number(), waterLossPct: Type.Number(), chillDegreeHours: Type.Number() });

type FreshnessView = Static<typeof Freshness>;

/** A lot's outputs with no readings yet, from the configured model, for several lots in one call. */
async function freshOutputs(model: ShelfLifeModel, commodities: readonly Commodity[]): Promise<Array<{ quality: number; remainingDays: number }>> {
  const lots = commodities.length;
  const result = await model.evaluate({
    tempC: new Float32Array(0),
    rh: new Float32Array(0),
    dtH: new Float32Array(0),
    params: Float32Array.from(commodities.flatMap((c) => parameterRow(c))),
    state: new Float32Array(lots * STATE_COUNT),
    lots,
    steps: 0,
  });
  return commodities.map((_, i) => ({ quality: result.quality[i]!, remainingDays: result.remainingDays[i]! }));
}

/** What the API shows for a lot: its stored freshness, or (`fresh`) a fresh lot's before any reading. */
function freshnessView(c: Commodity, stored: LotFreshness | undefined, fresh: { quality: number; remainingDays: number } | undefined): FreshnessView {
  const state = stored ? [stored.usedFraction, stored.waterLossPct, stored.chillDegreeHours] : [0, 0, 0];
  const { quality, remainingDays } = stored ?? fresh!;
  const flags: Array<(typeof FLAGS)[number]> = [];
  if (!stored) flags.push('no_readings');
  if (remainingDays <= 0) flags.push('expired');
  if (state[2]! > 0) flags.push('chilling_exposure');
  // Half the weight loss that ends shelf life: worth a look before it shows.
  if (state[1]! >= c.waterMaxPct / 2) flags.push('water_loss');
  return {
    remainingDays,
    atC: c.tRefC,
    quality,
    usedFraction: state[0]!,
    waterLossPct: state[1]!,
    chillDegreeHours: state[2]!,
    ...(stored ? { through: iso(stored.throughTs) } : {}),
    flags,
  };
}

function knownCommodity(id: string): Commodity {
  const found = findCommodity(id);
  if (!found) throw new FreshTrailError('FT_ERR_SCHEMA', unknownCommodityMessage(id));
  return found;
}

const timeOf = (at: string | undefined, now: number): number => (at === undefined ? now : Date.parse(at));
const custodyView = (c: CustodyInterval) => ({ location: c.location, from: iso(c.fromTs), ...(c.toTs === undefined ? {} : { to: iso(c.toTs) }) });

async function lotView(store: Store, id: string) {
  const lot = await store.getLot(id);
  if (!lot) throw new FreshTrailError('FT_ERR_NOT_FOUND', `no lot "${id}": create it with POST /api/v1/lots`);
  return { id: lot.id, commodity: lot.commodity, ...(lot.label ? { label: lot.label } : {}), createdAt: iso(lot.createdAt), custody: (await store.lotCustody(id)).map(custodyView) };
}

export async function lotRoutes(app: FastifyInstance, { services }: RouteOptions): Promise<void> {
  const { store } = services;
  const now = services.now ?? Date.now;
  const model = new LazyModel(() => ShelfLifeModel.load(services.shelfLifeModelPath));
  const loadModel = (): Promise<ShelfLifeModel> => model.get();
  app.addHook('onClose', () => model.close());
  /** The shipments of one lot with their arrival predicted as of `at` (shelf-life/arrival.ts), in one model call. */
  const shipmentViews = async (c: Commodity, stored: LotFreshness | undefined, shipments: readonly Shipment[], at: number) => {
    if (shipments.length === 0) return [];
    const predictions = await predictArrivals(await loadModel(), shipments.map((shipment) => ({ commodity: c, shipment, from: at, ...(stored ? { freshness: stored } : {}) })));
    return shipments.map((s, i) => ({
      id: s.id,
      destination: s.destination,
      eta: iso(s.eta),
      transitTempC: s.transitTempC,
      ...(s.minDaysOnArrival === undefined ? {} : { minDaysOnArrival: s.minDaysOnArrival }),
      arrival: predictions[i]!,
    }));
  };

  app.post<{ Body: Static<typeof ShipmentBody> }>('/shipments', {
    schema: {
      tags: ['lots'],
      summary: 'Records a shipment of a lot and predicts its shelf life on arrival (idempotent on the id); raises arrival_below_minimum when that is below the receiver\'s minimum',
      body: ShipmentBody,
      response: { 200: ShipmentView, 201: ShipmentView, ...errorResponses(400, 404, 409) },
    },
  }, async (request, reply) => {
    const { id, lot: lotId, destination, eta, transitTempC, minDaysOnArrival } = request.body;
    const lot = await store.getLot(lotId);
    if (!lot) throw new FreshTrailError('FT_ERR_NOT_FOUND', `no lot "${lotId}": create it with POST /api/v1/lots`);
    const at = now();
    const shipment: Shipment = { id, lot: lotId, destination, eta: Date.parse(eta), transitTempC, ...(minDaysOnArrival === undefined ? {} : { minDaysOnArrival }), createdAt: at };
    const result = await store.createShipment(shipment);
    if (result.status === 'conflict') throw new FreshTrailError('FT_ERR_CONFLICT', `shipment "${id}" exists with other details (lot ${result.shipment.lot} to ${result.shipment.destination})`);
    const [stored] = await store.lotFreshness([lotId]);
    const c = knownCommodity(lot.commodity);
    const [view] = await shipmentViews(c, stored, [result.shipment], at);
    // The shipment is stored before the alert: a failed raise fails the request, and a retry
    // (idempotent: 200) raises again. A repeated POST that predicts the minimum met resolves it.
    await reportArrival(store, { shipment: result.shipment, commodity: c, prediction: view!.arrival, at });
    return reply.status(result.status === 'created' ? 201 : 200).send(view);
  });

  app.get('/commodities', {
    schema: { tags: ['lots'], summary: 'Commodities the shelf-life model knows, with their best storage conditions', response: { 200: Type.Object({ commodities: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), bestTempC: Type.Number(), bestRh: Type.Number(), shelfLifeDays: Type.Number() })) }) } },
  }, async () => ({ commodities: COMMODITIES.map((c) => ({ id: c.id, name: c.name, bestTempC: c.tRefC, bestRh: c.rhBest, shelfLifeDays: c.slRefDays })) }));

  app.post<{ Body: Static<typeof CreateLotBody> }>('/lots', {
    schema: { tags: ['lots'], summary: 'Creates a lot at a location (idempotent on the id)', body: CreateLotBody, response: { 200: LotView, 201: LotView, ...errorResponses(400, 409) } },
  }, async (request, reply) => {
    const { id, location, at, label } = request.body;
    const c = knownCommodity(request.body.commodity);
    const result = await store.createLot({ id, commodity: c.id, location, createdAt: timeOf(at, now()), ...(label ? { label } : {}) });
    if (result.status === 'conflict') throw new FreshTrailError('FT_ERR_CONFLICT', `lot "${id}" exists with commodity ${result.lot.commodity}`);
    return reply.status(result.status === 'created' ? 201 : 200).send(await lotView(store, id));
  });

  app.post<{ Params: { id: string }; Body: Static<typeof MoveBody> }>('/lots/:id/moves', {
    schema: { tags: ['lots'], summary: 'Records that the lot arrived at another location', params: Type.Object({ id: Type.String() }), body: MoveBody, response: { 200: LotView, ...errorResponses(400, 404, 409) } },
  }, async (request) => {
    const { id } = request.params;
    const result = await store.moveLot(id, request.body.location, timeOf(request.body.at, now()));
    if (!result) throw new FreshTrailError('FT_ERR_NOT_FOUND', `no lot "${id}": create it with POST /api/v1/lots`);
    if (result.status === 'out_of_order') {
      throw new FreshTrailError('FT_ERR_CONFLICT', `lot "${id}" has been at ${result.custody.location} since ${iso(result.custody.fromTs)}: a move must be later than that`);
    }
    return lotView(store, id);
  });

  app.get<{ Params: { id: string }; Querystring: { history?: number } }>('/lots/:id/shelf-life', {
    schema: {
      tags: ['lots'],
      summary: 'A lot\'s freshness: remaining shelf life, quality, water loss, chilling dose, flags, and its history (newest first)',
      params: Type.Object({ id: Type.String() }),
      querystring: Type.Object({ history: Type.Integer({ minimum: 0, maximum: 10_000, default: 500, description: 'Most history points' }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ lot: LotView, freshness: Freshness, shipments: Type.Array(ShipmentView), history: Type.Array(HistoryPoint) }), ...errorResponses(400, 404) },
    },
  }, async (request) => {
    const lot = await lotView(store, request.params.id);
    const [[stored], history, lotShipments] = await Promise.all([store.lotFreshness([lot.id]), store.freshnessHistory(lot.id, request.query.history ?? 500), store.lotShipments(lot.id)]);
    const c = knownCommodity(lot.commodity);
    const shipments = await shipmentViews(c, stored, lotShipments, now());
    return {
      lot,
      freshness: freshnessView(c, stored, stored ? undefined : (await freshOutputs(await loadModel(), [c]))[0]),
      shipments,
      history: history.map(({ ts, ...p }) => ({ time: iso(ts), ...p })),
    };
  });

  app.get<{ Params: { id: string } }>('/locations/:id/fefo', {
    schema: {
      tags: ['lots'],
      summary: 'First expired, first out: the lots at a location now, shortest remaining shelf life first',
      params: Type.Object({ id: Type.String() }),
      response: { 200: Type.Object({ location: Type.String(), lots: Type.Array(Type.Object({ id: Type.String(), commodity: Type.String(), since: IsoTime('Arrival at this location'), freshness: Freshness })) }) },
    },
  }, async (request) => {
    const location = request.params.id;
    // Lots of a commodity the shelf-life model does not know (e.g. a transformation's output
    // named by its product description) have no freshness to order by: they are left out.
    const here = (await store.lotsAt(location)).filter((c) => findCommodity(c.commodity) !== undefined);
    const stored = new Map((await store.lotFreshness(here.map((c) => c.lot))).map((f) => [f.lot, f]));
    const unread = here.filter((c) => !stored.has(c.lot));
    const fresh = unread.length === 0 ? [] : await freshOutputs(await loadModel(), unread.map((c) => knownCommodity(c.commodity)));
    const freshByLot = new Map(unread.map((c, i) => [c.lot, fresh[i]!]));
    const lots = here
      .map((c) => ({ id: c.lot, commodity: c.commodity, since: iso(c.fromTs), freshness: freshnessView(knownCommodity(c.commodity), stored.get(c.lot), freshByLot.get(c.lot)) }))
      .sort((a, b) => a.freshness.remainingDays - b.freshness.remainingDays || a.id.localeCompare(b.id));
    return { location, lots };
  });
}
