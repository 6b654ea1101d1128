/**
 * Contract tests of epochs (epoch-types.ts), run by the SQLite and the PostgreSQL store alike.
 * Call `describeEpochContract(name, open)` from a *.test.ts file.
 */
import { describe, expect, it } from 'vitest';
import { BERRIES, commingledChain, DC, ms, PROCESSOR, SALAD, SPINACH } from '../events/chain-fixtures.js';
import { parseCteRecord } from '../events/cte.js';
import { GENESIS_HEAD_HASH, headHash, signHead, type EpochHead } from '../../protocol/epoch-head.js';
import { keyPairFromSeed } from '../../protocol/keys.js';
import { buildLotHeader, lotHeaderBytes, type LotEvidenceHeader } from '../../protocol/lot-digest.js';
import { merkleRoot } from '../../protocol/merkle.js';
import { T0, TestGateway, testReading } from '../test-helpers.js';
import type { NewEpoch } from './epoch-types.js';
import { storePerTest, type OpenedStore } from './store-contract.js';
import type { Store } from './types.js';

const key = keyPairFromSeed('07'.repeat(32));

function epoch(n: number, prev: string, leaves: LotEvidenceHeader[], closedAt = T0 + n): NewEpoch {
  const head: EpochHead = { v: 1, log: 'test', epoch: n, treeSize: leaves.length, root: merkleRoot(leaves.map(lotHeaderBytes)).toString('hex'), prev, closedAt };
  const signed = signHead(head, key.privateKey);
  return { ...signed, headHash: headHash(head), leaves, holds: [] };
}

export function describeEpochContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`Store epoch contract: ${name}`, () => {
    let store: Store;
    storePerTest(open, (s) => (store = s));

    it('stores epochs in sequence with their leaves and holds, and reads them back by epoch and by lot', async () => {
      expect(await store.latestEpochHead()).toBeUndefined();
      const a = buildLotHeader({ lot: 'LOT-A', events: [], batches: [{ gateway: 'gw', seq: 2, id: 'ab'.repeat(32) }] });
      const b = buildLotHeader({ lot: 'LOT-B', events: [], batches: [] });
      const first = { ...epoch(1, GENESIS_HEAD_HASH, [a, b]), holds: [{ gateway: 'gw', fromSeq: 1, toSeq: 2, reason: 'epoch 1', createdAt: T0 }] };
      expect(await store.saveEpoch(first, T0)).toEqual({ status: 'saved' });
      // Not the next epoch: refused, nothing written.
      expect(await store.saveEpoch(first, T0)).toEqual({ status: 'conflict', latestEpoch: 1 });
      expect(await store.saveEpoch(epoch(3, first.headHash, [a]), T0)).toEqual({ status: 'conflict', latestEpoch: 1 });
      const a2 = buildLotHeader({ lot: 'LOT-A', events: [], batches: [{ gateway: 'gw', seq: 3, id: 'cd'.repeat(32) }] });
      const second = epoch(2, first.headHash, [a2]);
      expect(await store.saveEpoch(second, T0)).toEqual({ status: 'saved' });

      expect(await store.epochHead(1)).toEqual({ head: first.head, sig: first.sig, headHash: first.headHash });
      expect(await store.latestEpochHead()).toEqual({ head: second.head, sig: second.sig, headHash: second.headHash });
      expect(await store.epochHead(9)).toBeUndefined();
      expect(await store.epochLeaves(1)).toEqual([
        { epoch: 1, index: 0, lot: 'LOT-A', header: a },
        { epoch: 1, index: 1, lot: 'LOT-B', header: b },
      ]);
      expect((await store.lotLeaves('LOT-A', 10)).map((l) => [l.epoch, l.header.salt])).toEqual([[2, a2.salt], [1, a.salt]]);
      expect(await store.lotLeaves('LOT-A', 1)).toHaveLength(1);
      expect(await store.listEvidenceHolds('gw')).toEqual([{ id: expect.any(Number), gateway: 'gw', fromSeq: 1, toSeq: 2, reason: 'epoch 1', createdAt: T0 }]);
    });

    it('finds candidate lots by recorded events and by received readings, and each gateway\'s batches of a lot', async () => {
      await store.recordEvents(commingledChain().map(parseCteRecord), T0);
      expect(await store.epochCandidateLots(T0)).toEqual([BERRIES, SALAD, SPINACH].sort());
      expect(await store.epochCandidateLots(T0 + 1)).toEqual([]);

      // The salad is at the DC from 2025-06-04 03:00Z to 12:00Z; the berries at the processor from 2025-06-02.
      const gw = new TestGateway('gw-dc');
      const other = new TestGateway('gw-proc');
      for (const g of [gw, other]) await store.enrollGateway({ id: g.id, publicKey: g.publicKey, enrolledAt: T0 });
      const dcTs = Date.parse('2025-06-04T06:00:00Z');
      const commit = (g: TestGateway, readings: ReturnType<typeof testReading>[], receivedAt: number) => store.commitBatch(g.next(readings), { receivedAt, transport: 'http', flags: { gap: false } });
      await commit(other, [testReading({ location: PROCESSOR, ts: ms(3, '09:00') })], T0 + 5);
      await commit(gw, [testReading({ location: DC, ts: dcTs })], T0 + 10);
      await commit(gw, [testReading({ location: 'elsewhere', ts: dcTs })], T0 + 20);
      await commit(gw, [testReading({ location: DC, ts: dcTs + 60_000 })], T0 + 30);
      await commit(gw, [testReading({ location: DC, ts: Date.parse('2025-06-04T13:00:00Z') })], T0 + 40); // after the salad left the DC

      // The processor reading (before the salad was made) concerns the berries and the spinach held there.
      expect(await store.epochCandidateLots(T0 + 5)).toEqual([BERRIES, SALAD, SPINACH].sort());
      expect(await store.epochCandidateLots(T0 + 10)).toEqual([SALAD]);
      // Only the reading after the salad left the DC: no lot was there then.
      expect(await store.epochCandidateLots(T0 + 35)).toEqual([]);

      const batch3 = await store.getBatchHeader('gw-dc', 3);
      expect(await store.lotGatewayBatches(SALAD)).toEqual([{ gateway: 'gw-dc', firstSeq: 1, seq: 3, id: batch3!.id }]);
      const proc = await store.getBatchHeader('gw-proc', 1);
      expect(await store.lotGatewayBatches(BERRIES)).toEqual([{ gateway: 'gw-proc', firstSeq: 1, seq: 1, id: proc!.id }]);
      expect(await store.lotGatewayBatches('NO-SUCH-LOT')).toEqual([]);
    });
  });
}
