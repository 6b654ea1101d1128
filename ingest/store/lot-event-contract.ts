/**
 * The lot-events part of the Store contract (lot-event-types.ts), run against every
 * implementation next to describeStoreContract; `open` returns a fresh, empty store.
 */
import { describe, expect, it } from 'vitest';
import { FreshTrailError } from '../../common/errors.js';
import { at, BERRIES, commingledChain, DC, FARM_A, FARM_B, ms, PACK_A, PACK_B, packRecord, PROCESSOR, receiveRecord, SALAD, shipRecord, SPINACH, STORE_1, STORE_2 } from '../events/chain-fixtures.js';
import { parseCteRecord } from '../events/cte.js';
import { cooling, harvesting } from '../events/fixtures.js';
import type { LotEvent } from '../events/types.js';
import { T0, TestGateway, testReading } from '../test-helpers.js';
import { storePerTest, type OpenedStore } from './store-contract.js';
import type { Store } from './types.js';

const RECORDED = T0;
const LIMITS = { maxDepth: 20, maxEdges: 1000 };
const parse = (records: Array<Record<string, unknown>>): LotEvent[] => records.map(parseCteRecord);

async function refusal(p: Promise<unknown>): Promise<FreshTrailError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(FreshTrailError);
  return err as FreshTrailError;
}

export function describeLotEventContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`Store contract, lot events: ${name}`, () => {
    let store: Store;
    storePerTest(open, (s) => (store = s));
    const pack = () => parseCteRecord(packRecord(BERRIES, { farm: FARM_A, packhouse: PACK_A, commodity: 'strawberry', description: 'Strawberries' }));

    it('records an event once: the same content again is a duplicate, other content under its id a conflict', async () => {
      const packing = pack();
      expect(await store.recordEvents([packing], RECORDED)).toEqual([{ eventId: packing.eventId, status: 'created' }]);
      expect(await store.recordEvents([packing], RECORDED + 5)).toEqual([{ eventId: packing.eventId, status: 'duplicate' }]);
      const stored = await store.getEvent(packing.eventId);
      expect(stored).toEqual({ event: packing, recordedAt: RECORDED });
      const other = { ...packing, location: PACK_B } as LotEvent;
      const err = await refusal(store.recordEvents([other], RECORDED));
      expect(err.code).toBe('FT_ERR_CONFLICT');
      expect(err.message).toContain(`events[0] (initial_packing "${packing.eventId}")`);
      expect(await store.getEvent('nope')).toBeUndefined();
    });

    it('makes an assigned TLC a lot with custody at the event location; the same TLC assigned again is a conflict', async () => {
      await store.recordEvents([pack()], RECORDED);
      expect(await store.getLot(BERRIES)).toEqual({ id: BERRIES, commodity: 'strawberry', createdAt: ms(1, '14:00') });
      expect(await store.lotCustody(BERRIES)).toEqual([{ lot: BERRIES, location: PACK_A, fromTs: ms(1, '14:00') }]);
      const again = parseCteRecord({ ...packRecord(BERRIES, { farm: FARM_B, packhouse: PACK_B, commodity: 'strawberry', description: 'x' }) });
      const err = await refusal(store.recordEvents([again], RECORDED));
      expect(err.code).toBe('FT_ERR_CONFLICT');
      expect(err.message).toMatch(/TLC "urn:epc:class:lgtin:0614141\.107346\.LOT-A" exists already \(assigned by event .*\).*21 CFR 1\.1320\(a\)/);
      // A lot created through the lot API cannot be assigned by an event either.
      await store.createLot({ id: 'API-LOT', commodity: 'apple', createdAt: T0, location: 'room-1' });
      const api = await refusal(store.recordEvents([parseCteRecord(packRecord('API-LOT', { farm: FARM_A, packhouse: PACK_A, commodity: 'apple', description: 'Apples' }))], RECORDED));
      expect(api.message).toContain('created through POST /api/v1/lots');
    });

    it('refuses an event naming an unknown TLC, and writes nothing of a request with one bad event', async () => {
      const ship = parseCteRecord(shipRecord('ship-x', BERRIES, { from: PACK_A, to: DC, day: 2, time: '05:00' }));
      const err = await refusal(store.recordEvents([ship], RECORDED));
      expect(err.code).toBe('FT_ERR_SCHEMA');
      expect(err.message).toContain(`events[0] (shipping "ship-x"): TLC "${BERRIES}" is unknown`);
      expect(err.message).toContain('21 CFR 1.1320(b)');
      // Assigned earlier in the same request: fine. A bad third event rolls all three back.
      const bad = parseCteRecord(shipRecord('ship-y', 'NOPE', { from: PACK_A, to: DC, day: 2, time: '06:00' }));
      const all = await refusal(store.recordEvents([pack(), ship, bad], RECORDED));
      expect(all.message).toContain('events[2] (shipping "ship-y"): TLC "NOPE" is unknown');
      expect(await store.getLot(BERRIES)).toBeUndefined();
      expect(await store.getEvent('ship-x')).toBeUndefined();
      expect(await store.recordEvents([pack(), ship], RECORDED)).toEqual([
        { eventId: expect.any(String), status: 'created' },
        { eventId: 'ship-x', status: 'created' },
      ]);
    });

    it('derives custody: shipping closes it at the ship-from location, receiving opens it; a split lot has several holders', async () => {
      await store.recordEvents(parse(commingledChain()), RECORDED);
      expect(await store.lotCustody(BERRIES)).toEqual([
        { lot: BERRIES, location: PACK_A, fromTs: ms(1, '14:00'), toTs: ms(2, '05:00') },
        // A transformation input keeps its custody: the record says what was used, not what is left.
        { lot: BERRIES, location: PROCESSOR, fromTs: ms(2, '12:00') },
      ]);
      expect(await store.lotCustody(SALAD)).toEqual([
        { lot: SALAD, location: PROCESSOR, fromTs: ms(3, '10:00'), toTs: ms(3, '16:00') },
        { lot: SALAD, location: DC, fromTs: ms(3, '20:00'), toTs: ms(4, '05:00') },
        { lot: SALAD, location: STORE_1, fromTs: ms(4, '08:00') },
        { lot: SALAD, location: STORE_2, fromTs: ms(4, '09:00') },
      ]);
      expect((await store.lotsAt(STORE_2)).map((c) => c.lot)).toEqual([SALAD]);
      // The output's commodity is its product description: no shelf-life commodity, stored anyway.
      expect(await store.getLot(SALAD)).toMatchObject({ commodity: 'Spinach strawberry salad, 10 oz' });
      // A receiving that repeats where the lot is already held opens nothing new.
      await store.recordEvents([parseCteRecord({ ...receiveRecord(SALAD, { from: DC, at: STORE_1, day: 5, time: '08:00', quantity: 5 }) })], RECORDED);
      expect((await store.lotCustody(SALAD)).filter((c) => c.location === STORE_1)).toHaveLength(1);
    });

    it('lists a lot\'s events in time order and keeps contacts out of the event body', async () => {
      const chain = parse(commingledChain());
      await store.recordEvents(chain, RECORDED);
      const events = await store.lotEvents(SALAD);
      expect(events.map((e) => e.event.cte)).toEqual(['transformation', 'shipping', 'receiving', 'shipping', 'shipping', 'receiving', 'receiving']);
      expect((await store.lotEvents(BERRIES)).map((e) => e.event.cte)).toEqual(['initial_packing', 'shipping', 'receiving', 'transformation']);
      const packing = chain.find((e) => e.cte === 'initial_packing')!;
      expect((await store.getEvent(packing.eventId))?.event.contacts).toEqual({ contactName: 'Maria Lopez', harvesterPhone: '+1 831 555 0142' });
      expect(await store.eraseEventContacts(packing.eventId)).toBe(true);
      expect(await store.eraseEventContacts('nope')).toBe(false);
      const erased = await store.getEvent(packing.eventId);
      expect(erased?.event.contacts).toEqual({});
      expect(JSON.stringify(erased)).not.toContain('Maria');
      // Erasure does not change the content: the event sent again is still a duplicate.
      expect((await store.recordEvents([packing], RECORDED))[0]!.status).toBe('duplicate');
    });

    it('traces a lot back through a commingling transformation to both farms', async () => {
      await store.recordEvents(parse(commingledChain()), RECORDED);
      const back = await store.trace(SALAD, 'back', LIMITS);
      expect(back).toMatchObject({ lot: SALAD, direction: 'back', truncated: false, holders: [] });
      expect(back!.nodes.map((n) => [n.tlc, n.depth])).toEqual([[SALAD, 0], [SPINACH, 1], [BERRIES, 1]]);
      const transformations = back!.edges.filter((e) => e.kind === 'transformation');
      expect(transformations.map((e) => [e.from, e.to]).sort()).toEqual([[BERRIES, SALAD], [SPINACH, SALAD]].sort());
      const origins = new Map(back!.origins.map((o) => [o.lot, o]));
      expect(origins.get(BERRIES)).toMatchObject({ via: 'initial_packing', farmLocation: FARM_A, fieldName: 'North 7', harvestDate: '2025-06-01', commodity: 'strawberry', location: PACK_A });
      expect(origins.get(BERRIES)!.harvestEvents).toHaveLength(2); // harvesting and cooling of farm A
      expect(origins.get(SPINACH)).toMatchObject({ farmLocation: FARM_B, fieldName: 'South 2', commodity: 'spinach' });
      expect(origins.get(SPINACH)!.harvestEvents).toHaveLength(1);
      expect(back!.edges.filter((e) => e.kind === 'shipment').map((e) => e.eventId)).toContain('ship-A');
      expect(await store.trace('nope', 'back', LIMITS)).toBeUndefined();
    });

    it('links an origin to the harvesting on its harvest day and the cooling on its cooling day, not to neighbours', async () => {
      const day2 = { harvestDate: '2025-06-02', eventTime: at(2, '06:30') };
      await store.recordEvents(parse([
        { ...harvesting, eventId: 'hv-day1', farmLocation: FARM_A },
        { ...harvesting, eventId: 'hv-day2', farmLocation: FARM_A, ...day2 }, // harvested a day later: another lot
        { ...harvesting, eventId: 'hv-spinach', farmLocation: FARM_A, commodity: 'spinach', variety: 'Space' }, // same farm and day, other commodity
        { ...cooling, eventId: 'cl-day1', farmLocation: FARM_A }, // cooled on the harvest day: not this lot's cooling
        { ...cooling, eventId: 'cl-day2', farmLocation: FARM_A, coolingDate: '2025-06-02' },
        { ...packRecord(BERRIES, { farm: FARM_A, packhouse: PACK_A, commodity: 'strawberry', description: 'Strawberries' }), eventTime: at(2, '14:00'), packingDate: '2025-06-02', coolingDate: '2025-06-02' },
      ]), RECORDED);
      const [origin] = (await store.trace(BERRIES, 'back', LIMITS))!.origins;
      expect(origin).toMatchObject({ lot: BERRIES, via: 'initial_packing', farmLocation: FARM_A, harvestDate: '2025-06-01' });
      expect(origin!.harvestEvents).toEqual(['hv-day1', 'cl-day2']);
    });

    it('traces a lot forward to every location its descendants went and their current holders', async () => {
      await store.recordEvents(parse(commingledChain()), RECORDED);
      const forward = await store.trace(BERRIES, 'forward', LIMITS);
      expect(forward!.nodes.map((n) => n.tlc)).toEqual([BERRIES, SALAD]);
      const shipments = forward!.edges.filter((e) => e.kind === 'shipment').map((e) => (e.kind === 'shipment' ? [e.lot, e.from, e.to] : []));
      expect(shipments).toEqual([[BERRIES, PACK_A, PROCESSOR], [SALAD, PROCESSOR, DC], [SALAD, DC, STORE_1], [SALAD, DC, STORE_2]]);
      expect(forward!.locations.filter((v) => v.kind === 'received_at').map((v) => [v.lot, v.location])).toEqual([[BERRIES, PROCESSOR], [SALAD, DC], [SALAD, STORE_1], [SALAD, STORE_2]]);
      expect(forward!.holders).toEqual([
        { lot: SALAD, location: STORE_1, since: ms(4, '08:00') },
        { lot: SALAD, location: STORE_2, since: ms(4, '09:00') },
        { lot: BERRIES, location: PROCESSOR, since: ms(2, '12:00') },
      ]);
      expect(forward!.origins).toEqual([]);
    });

    it('stops a trace at the depth limit and says so', async () => {
      // A chain of transformations: L0 → L1 → … → L5.
      const packing = parseCteRecord(packRecord('L0', { farm: FARM_A, packhouse: PACK_A, commodity: 'strawberry', description: 'x' }));
      const steps = [1, 2, 3, 4, 5].map((i) =>
        parseCteRecord({
          cte: 'transformation', eventId: `t${i}`, eventTime: `2025-06-0${i + 1}T10:00:00-07:00`, transformationLocation: PROCESSOR, transformationDate: `2025-06-0${i + 1}`,
          inputs: [{ traceabilityLotCode: `L${i - 1}`, productDescription: 'x', quantity: 1, unitOfMeasure: 'kg' }],
          outputs: [{ traceabilityLotCode: `L${i}`, productDescription: 'x', quantity: 1, unitOfMeasure: 'kg' }],
          referenceDocuments: [{ type: 'log', number: `T${i}` }],
        }),
      );
      await store.recordEvents([packing, ...steps], RECORDED);
      const cut = await store.trace('L5', 'back', { maxDepth: 2, maxEdges: 100 });
      expect(cut!.truncated).toBe(true);
      expect(cut!.nodes.map((n) => n.tlc)).toEqual(['L5', 'L4', 'L3']);
      expect(cut!.origins).toEqual([]);
      const full = await store.trace('L5', 'back', { maxDepth: 5, maxEdges: 100 });
      expect(full!.truncated).toBe(false);
      expect(full!.origins.map((o) => o.lot)).toEqual(['L0']);
      const forward = await store.trace('L0', 'forward', { maxDepth: 3, maxEdges: 2 });
      expect(forward!.truncated).toBe(true);
      expect(forward!.nodes.map((n) => n.tlc)).toEqual(['L0', 'L1', 'L2']);
    });

    it('summarizes the readings of a location over spans in one call', async () => {
      const gw = new TestGateway('gw-a');
      await store.enrollGateway({ id: gw.id, publicKey: gw.publicKey, enrolledAt: T0 });
      const readings = [0, 1, 2, 3].map((i) => testReading({ location: 'room-1', ts: T0 + i * 60_000, tempC: 2 + i, rh: 90 + i }));
      await store.commitBatch(gw.next(readings), { receivedAt: T0, transport: 'mqtt', flags: { gap: false } });
      const [all, part, none] = await store.readingSummaries([
        { location: 'room-1', fromTs: T0, toTs: T0 + 3_600_000 },
        { location: 'room-1', fromTs: T0 + 60_000, toTs: T0 + 180_000 },
        { location: 'room-2', fromTs: T0, toTs: T0 + 3_600_000 },
      ]);
      expect(all).toEqual({ readings: 4, tempC: { min: 2, max: 5, mean: 3.5 }, rh: { min: 90, max: 93, mean: 91.5 } });
      expect(part).toEqual({ readings: 2, tempC: { min: 3, max: 4, mean: 3.5 }, rh: { min: 91, max: 92, mean: 91.5 } });
      expect(none).toEqual({ readings: 0 });
      expect(await store.readingSummaries([])).toEqual([]);
    });
  });
}
