/**
 * The lots part of the Store contract (lot-types.ts), run against every implementation next to
 * describeStoreContract; `open` returns a fresh, empty store.
 */
import { describe, expect, it } from 'vitest';
import { T0 } from '../test-helpers.js';
import { storePerTest, type OpenedStore } from './store-contract.js';
import type { Store } from './types.js';

const HOUR = 3_600_000;

export function describeLotContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`Store contract, lots: ${name}`, () => {
    let store: Store;
    storePerTest(open, (s) => (store = s));

    it('creates a lot once, with its first custody interval; another commodity under the id is a conflict', async () => {
      const created = await store.createLot({ id: 'LOT-1', commodity: 'strawberry', label: 'field 7', createdAt: T0, location: 'farm-cooler' });
      expect(created).toEqual({ status: 'created', lot: { id: 'LOT-1', commodity: 'strawberry', label: 'field 7', createdAt: T0 } });
      expect((await store.createLot({ id: 'LOT-1', commodity: 'strawberry', createdAt: T0 + 5, location: 'elsewhere' })).status).toBe('exists');
      expect(await store.createLot({ id: 'LOT-1', commodity: 'apple', createdAt: T0 + 5, location: 'elsewhere' })).toMatchObject({ status: 'conflict', lot: { commodity: 'strawberry' } });
      expect(await store.getLot('LOT-1')).toEqual({ id: 'LOT-1', commodity: 'strawberry', label: 'field 7', createdAt: T0 });
      expect(await store.getLot('nope')).toBeUndefined();
      expect(await store.lotCustody('LOT-1')).toEqual([{ lot: 'LOT-1', location: 'farm-cooler', fromTs: T0 }]);
    });

    it('moves a lot: closes its interval and opens the next; a move into the past is refused', async () => {
      await store.createLot({ id: 'LOT-2', commodity: 'broccoli', createdAt: T0, location: 'packhouse' });
      expect(await store.moveLot('LOT-2', 'truck-7', T0 + HOUR)).toEqual({ status: 'moved', custody: { lot: 'LOT-2', location: 'truck-7', fromTs: T0 + HOUR } });
      expect((await store.moveLot('LOT-2', 'truck-7', T0 + 2 * HOUR))?.status).toBe('unchanged');
      expect(await store.moveLot('LOT-2', 'dc-east', T0 + HOUR)).toMatchObject({ status: 'out_of_order', custody: { location: 'truck-7' } });
      await store.moveLot('LOT-2', 'dc-east', T0 + 5 * HOUR);
      expect(await store.lotCustody('LOT-2')).toEqual([
        { lot: 'LOT-2', location: 'packhouse', fromTs: T0, toTs: T0 + HOUR },
        { lot: 'LOT-2', location: 'truck-7', fromTs: T0 + HOUR, toTs: T0 + 5 * HOUR },
        { lot: 'LOT-2', location: 'dc-east', fromTs: T0 + 5 * HOUR },
      ]);
      expect(await store.moveLot('nope', 'x', T0)).toBeUndefined();
    });

    it('finds the lots at a location during a time range, and those there now', async () => {
      await store.createLot({ id: 'A', commodity: 'apple', createdAt: T0, location: 'room-1' });
      await store.createLot({ id: 'B', commodity: 'banana-green', createdAt: T0 + HOUR, location: 'room-1' });
      await store.createLot({ id: 'C', commodity: 'apple', createdAt: T0, location: 'room-2' });
      await store.moveLot('A', 'room-2', T0 + 2 * HOUR);
      const ids = async (from: number, to: number) => (await store.custodyAt('room-1', from, to)).map((c) => c.lot);
      expect(await ids(T0, T0 + HOUR / 2)).toEqual(['A']);
      expect(await ids(T0 + HOUR, T0 + 3 * HOUR)).toEqual(['A', 'B']); // A left at 2 h: it overlaps
      expect(await ids(T0 + 3 * HOUR, T0 + 4 * HOUR)).toEqual(['B']);
      expect((await store.custodyAt('room-1', T0, T0))[0]).toEqual({ lot: 'A', location: 'room-1', fromTs: T0, toTs: T0 + 2 * HOUR, commodity: 'apple' });
      expect((await store.lotsAt('room-2')).map((c) => [c.lot, c.commodity])).toEqual([
        ['A', 'apple'],
        ['C', 'apple'],
      ]);
      expect(await store.lotsAt('nowhere')).toEqual([]);
    });

    it('finds the custody of many locations over one time range in one call, by location, lot and start', async () => {
      await store.createLot({ id: 'A', commodity: 'apple', createdAt: T0, location: 'room-1' });
      await store.createLot({ id: 'B', commodity: 'banana-green', createdAt: T0 + HOUR, location: 'room-1' });
      await store.createLot({ id: 'C', commodity: 'apple', createdAt: T0, location: 'room-2' });
      await store.createLot({ id: 'D', commodity: 'apple', createdAt: T0 + 5 * HOUR, location: 'room-2' });
      await store.createLot({ id: 'E', commodity: 'apple', createdAt: T0, location: 'room-3' });
      await store.moveLot('A', 'room-2', T0 + 2 * HOUR);
      const found = async (locations: string[], from: number, to: number) => (await store.custodyAtMany(locations, from, to)).map((c) => [c.location, c.lot, c.fromTs]);
      expect(await found(['room-2', 'room-1', 'nowhere'], T0 + HOUR, T0 + 3 * HOUR)).toEqual([
        ['room-1', 'A', T0],
        ['room-1', 'B', T0 + HOUR],
        ['room-2', 'A', T0 + 2 * HOUR],
        ['room-2', 'C', T0],
      ]);
      // The same intervals custodyAt finds for each location.
      for (const location of ['room-1', 'room-2', 'room-3']) {
        for (const [from, to] of [[T0, T0], [T0 + 3 * HOUR, T0 + 6 * HOUR]] as const) {
          expect(await store.custodyAtMany([location], from, to)).toEqual(await store.custodyAt(location, from, to));
        }
      }
      expect((await store.custodyAtMany(['room-1'], T0, T0))[0]).toEqual({ lot: 'A', location: 'room-1', fromTs: T0, toTs: T0 + 2 * HOUR, commodity: 'apple' });
      expect(await store.custodyAtMany([], T0, T0 + HOUR)).toEqual([]);
    });

    it('saves series positions, freshness and history in one call and reads them back', async () => {
      await store.createLot({ id: 'A', commodity: 'apple', createdAt: T0, location: 'room-1' });
      await store.createLot({ id: 'B', commodity: 'apple', createdAt: T0, location: 'room-1' });
      const fresh = { usedFraction: 0.25, waterLossPct: 0.5, chillDegreeHours: 0, quality: 8.6, remainingDays: 120.5 };
      await store.saveShelfLife({
        series: [{ location: 'room-1', ts: T0 + HOUR, tempC: 1.5, rh: 92, rhTs: T0 + HOUR }, { location: 'room-2', rh: 80, rhTs: T0 }],
        freshness: [{ lot: 'A', ...fresh, throughTs: T0 + HOUR }],
        history: [
          { lot: 'A', ts: T0, ...fresh, quality: 9 },
          { lot: 'A', ts: T0 + HOUR, ...fresh },
        ],
      });
      expect(await store.locationSeries(['room-1', 'room-2', 'room-3'])).toEqual(
        expect.arrayContaining([
          { location: 'room-1', ts: T0 + HOUR, tempC: 1.5, rh: 92, rhTs: T0 + HOUR },
          { location: 'room-2', rh: 80, rhTs: T0 },
        ]),
      );
      expect(await store.locationSeries([])).toEqual([]);
      expect(await store.lotFreshness(['A', 'B'])).toEqual([{ lot: 'A', ...fresh, throughTs: T0 + HOUR }]);
      // Saved again (a redelivered batch): upserts, no duplicates.
      await store.saveShelfLife({ series: [], freshness: [{ lot: 'A', ...fresh, quality: 8, throughTs: T0 + 2 * HOUR }], history: [{ lot: 'A', ts: T0 + HOUR, ...fresh, quality: 8 }] });
      expect((await store.lotFreshness(['A']))[0]).toMatchObject({ quality: 8, throughTs: T0 + 2 * HOUR });
      expect((await store.freshnessHistory('A', 10)).map((p) => [p.ts, p.quality])).toEqual([
        [T0 + HOUR, 8],
        [T0, 9],
      ]);
      expect(await store.freshnessHistory('A', 1)).toHaveLength(1);
      // One call naming a key twice: the last row wins, as with one upsert after the other.
      await store.saveShelfLife({
        series: [{ location: 'room-3', ts: T0, tempC: 1 }, { location: 'room-3', ts: T0 + HOUR, tempC: 2 }],
        freshness: [{ lot: 'B', ...fresh, throughTs: T0 }, { lot: 'B', ...fresh, quality: 7, throughTs: T0 + HOUR }],
        history: [{ lot: 'B', ts: T0, ...fresh }, { lot: 'B', ts: T0, ...fresh, quality: 7 }],
      });
      expect(await store.locationSeries(['room-3'])).toEqual([{ location: 'room-3', ts: T0 + HOUR, tempC: 2 }]);
      expect(await store.lotFreshness(['B'])).toEqual([{ lot: 'B', ...fresh, quality: 7, throughTs: T0 + HOUR }]);
      expect((await store.freshnessHistory('B', 10)).map((p) => [p.ts, p.quality])).toEqual([[T0, 7]]);
    });

    it('records a shipment once; the same id with other content is a conflict', async () => {
      await store.createLot({ id: 'A', commodity: 'apple', createdAt: T0, location: 'room-1' });
      const shipment = { id: 'SH-1', lot: 'A', destination: 'store-12', eta: T0 + 30 * HOUR, transitTempC: 2, minDaysOnArrival: 20, createdAt: T0 };
      expect(await store.createShipment(shipment)).toEqual({ status: 'created', shipment });
      expect((await store.createShipment({ ...shipment, createdAt: T0 + 1 })).status).toBe('exists');
      expect(await store.createShipment({ ...shipment, destination: 'store-13' })).toMatchObject({ status: 'conflict', shipment: { destination: 'store-12' } });
      const { minDaysOnArrival: _min, ...withoutMinimum } = { ...shipment, id: 'SH-0', eta: T0 + HOUR };
      await store.createShipment(withoutMinimum);
      expect((await store.lotShipments('A')).map((s) => s.id)).toEqual(['SH-0', 'SH-1']);
      expect((await store.lotShipments('A'))[0]).toEqual(withoutMinimum);
      expect(await store.lotShipments('B')).toEqual([]);
    });

    it('lists the shipments of several lots still under way (ETA after a time), by lot and ETA', async () => {
      for (const id of ['A', 'B', 'C']) await store.createLot({ id, commodity: 'apple', createdAt: T0, location: 'room-1' });
      const shipment = (id: string, lot: string, eta: number) => ({ id, lot, destination: 'store-12', eta, transitTempC: 2, createdAt: T0 });
      const b2 = { ...shipment('SH-B2', 'B', T0 + 2 * HOUR), minDaysOnArrival: 20 };
      for (const s of [shipment('SH-A5', 'A', T0 + 5 * HOUR), shipment('SH-A1', 'A', T0 + HOUR), b2, shipment('SH-B0', 'B', T0), shipment('SH-C9', 'C', T0 + 9 * HOUR)]) {
        await store.createShipment(s);
      }
      expect((await store.shipmentsOfLots(['B', 'A'], T0)).map((s) => s.id)).toEqual(['SH-A1', 'SH-A5', 'SH-B2']); // SH-B0 arrived at T0: not after it
      expect((await store.shipmentsOfLots(['A', 'B', 'C'], T0 + 2 * HOUR)).map((s) => s.id)).toEqual(['SH-A5', 'SH-C9']);
      expect(await store.shipmentsOfLots(['B'], T0 + HOUR)).toEqual([b2]);
      expect(await store.shipmentsOfLots(['nope'], 0)).toEqual([]);
      expect(await store.shipmentsOfLots([], 0)).toEqual([]);
    });
  });
}
