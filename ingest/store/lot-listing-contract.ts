/**
 * Store.listLots (the dashboard's overview) as a contract suite run against every store;
 * `open` returns a fresh, empty store.
 */
import { describe, expect, it } from 'vitest';
import { T0 } from '../test-helpers.js';
import { storePerTest, type OpenedStore } from './store-contract.js';
import type { Store } from './types.js';

const HOUR = 3_600_000;
const fresh = { usedFraction: 0.25, waterLossPct: 0.5, chillDegreeHours: 0, quality: 8.6, throughTs: T0 + HOUR };

export function describeLotListingContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`Store contract, lot listing: ${name}`, () => {
    let store: Store;
    storePerTest(open, (s) => (store = s));

    it('lists lots at risk first, lots without freshness last, each with its open custody', async () => {
      await store.createLot({ id: 'C-none', commodity: 'apple', createdAt: T0, location: 'room-3' });
      await store.createLot({ id: 'B-ok', commodity: 'apple', createdAt: T0, location: 'room-1' });
      await store.createLot({ id: 'A-risk', commodity: 'strawberry', label: 'field 3', createdAt: T0, location: 'room-1' });
      await store.moveLot('A-risk', 'truck-7', T0 + HOUR);
      await store.saveShelfLife({
        series: [],
        freshness: [{ lot: 'B-ok', ...fresh, remainingDays: 90 }, { lot: 'A-risk', ...fresh, remainingDays: 1.5 }],
        history: [],
      });
      const listed = await store.listLots(10);
      expect(listed.map((l) => l.lot.id)).toEqual(['A-risk', 'B-ok', 'C-none']);
      expect(listed[0]).toEqual({
        lot: { id: 'A-risk', commodity: 'strawberry', label: 'field 3', createdAt: T0 },
        freshness: { lot: 'A-risk', ...fresh, remainingDays: 1.5 },
        holders: [{ lot: 'A-risk', location: 'truck-7', fromTs: T0 + HOUR }],
      });
      expect(listed[2]).toEqual({ lot: { id: 'C-none', commodity: 'apple', createdAt: T0 }, holders: [{ lot: 'C-none', location: 'room-3', fromTs: T0 }] });
      expect((await store.listLots(2)).map((l) => l.lot.id)).toEqual(['A-risk', 'B-ok']);
    });

    it('limits lots, not rows: a lot held at two places counts once; rated lots fill the page before unrated ones', async () => {
      for (const id of ['U1', 'U2', 'R1', 'R2', 'R3']) await store.createLot({ id, commodity: 'apple', createdAt: T0, location: 'room-1' });
      await store.saveShelfLife({
        series: [],
        freshness: ['R1', 'R2', 'R3'].map((lot, i) => ({ lot, ...fresh, remainingDays: 10 - i })),
        history: [],
      });
      expect((await store.listLots(2)).map((l) => l.lot.id)).toEqual(['R3', 'R2']);
      expect((await store.listLots(4)).map((l) => l.lot.id)).toEqual(['R3', 'R2', 'R1', 'U1']);
      expect((await store.listLots(100)).map((l) => l.lot.id)).toEqual(['R3', 'R2', 'R1', 'U1', 'U2']);
    });

    it('lists only the lots of a scope: held (now or before) at an exact location or under a prefix', async () => {
      await store.createLot({ id: 'farm-a-1', commodity: 'strawberry', createdAt: T0, location: 'urn:farm-a:room-1' });
      await store.createLot({ id: 'farm-a-2', commodity: 'strawberry', createdAt: T0, location: 'urn:farm-a:room-2' });
      await store.createLot({ id: 'farm-b-1', commodity: 'apple', createdAt: T0, location: 'urn:farm-b:room-1' });
      await store.createLot({ id: 'moved', commodity: 'apple', createdAt: T0, location: 'urn:farm-b:room-2' });
      await store.moveLot('moved', 'truck-1', T0 + HOUR); // held at farm B before: still farm B's
      const ids = async (locations: string[]) => (await store.listLots(10, { locations })).map((l) => l.lot.id);
      expect(await ids(['urn:farm-a:'])).toEqual(['farm-a-1', 'farm-a-2']);
      expect(await ids(['urn:farm-a:room-2'])).toEqual(['farm-a-2']);
      expect(await ids(['urn:farm-a:room'])).toEqual([]); // no separator at the end: an exact location
      expect(await ids(['urn:farm-b:', 'truck-1'])).toEqual(['farm-b-1', 'moved']);
      expect((await store.listLots(10, { locations: ['urn:farm-b:room-2'] }))[0]!.holders).toEqual([{ lot: 'moved', location: 'truck-1', fromTs: T0 + HOUR }]);
      expect(await ids([])).toEqual([]);
    });

    it('lists nothing in an empty store', async () => {
      expect(await store.listLots(10)).toEqual([]);
    });
  });
}
