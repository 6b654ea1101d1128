/**
 * Contract tests of recalls (recall-types.ts), run by the SQLite and the PostgreSQL store alike.
 * Call `describeRecallContract(name, open)` from a *.test.ts file.
 */
import { describe, expect, it } from 'vitest';
import { T0 } from '../test-helpers.js';
import type { NewRecall } from './recall-types.js';
import { storePerTest, type OpenedStore } from './store-contract.js';
import type { Store } from './types.js';

const recall = (over: Partial<NewRecall> = {}): NewRecall => ({
  reason: 'Listeria in field 7',
  classification: 'I',
  initiatedBy: 'qa@farm-a',
  createdAt: T0,
  lots: ['LOT-A'],
  affectedLots: ['LOT-A', 'SALAD-1'],
  truncated: false,
  notices: [
    { location: 'dc-1', lots: ['SALAD-1'], heldLots: [] },
    { location: 'store-1', lots: ['SALAD-1'], heldLots: ['SALAD-1'] },
  ],
  ...over,
});

export function describeRecallContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`Store recall contract: ${name}`, () => {
    let store: Store;
    storePerTest(open, (s) => (store = s));

    it('stores a recall with its notices and reads it back', async () => {
      const created = await store.createRecall(recall());
      expect(created).toEqual({
        id: expect.any(Number),
        reason: 'Listeria in field 7',
        classification: 'I',
        initiatedBy: 'qa@farm-a',
        createdAt: T0,
        lots: ['LOT-A'],
        affectedLots: ['LOT-A', 'SALAD-1'],
        truncated: false,
        notices: [
          { location: 'dc-1', lots: ['SALAD-1'], heldLots: [], notifiedAt: T0 },
          { location: 'store-1', lots: ['SALAD-1'], heldLots: ['SALAD-1'], notifiedAt: T0 },
        ],
      });
      expect(await store.getRecall(created.id)).toEqual(created);
      expect(await store.getRecall(created.id + 100)).toBeUndefined();
      const second = await store.createRecall(recall({ classification: undefined, truncated: true, notices: [] }));
      expect(second).toMatchObject({ truncated: true, notices: [] });
      expect(second.classification).toBeUndefined();
    });

    it('links notices to alerts, keeps the first acknowledgement, and counts progress', async () => {
      const { id } = await store.createRecall(recall());
      await store.setRecallNoticeAlert(id, 'store-1', 42);
      const first = await store.acknowledgeRecallNotice(id, 'store-1', { by: 'manager', at: T0 + 10, note: 'pulled' });
      expect(first).toEqual({ changed: true, notice: { location: 'store-1', lots: ['SALAD-1'], heldLots: ['SALAD-1'], notifiedAt: T0, alertId: 42, acknowledgedAt: T0 + 10, acknowledgedBy: 'manager', note: 'pulled' } });
      expect(await store.acknowledgeRecallNotice(id, 'store-1', { by: 'other', at: T0 + 20 })).toMatchObject({ changed: false, notice: { acknowledgedBy: 'manager', acknowledgedAt: T0 + 10 } });
      expect(await store.acknowledgeRecallNotice(id, 'nowhere', { by: 'x', at: T0 })).toBeUndefined();
      const older = await store.createRecall(recall({ reason: 'second' }));
      expect((await store.listRecalls(10)).map((r) => [r.id, r.notices, r.acknowledged])).toEqual([
        [older.id, 2, 0],
        [id, 2, 1],
      ]);
    });
  });
}
