/**
 * Contract tests of the anchoring job's queue and state (anchor-types.ts), run by the SQLite and
 * the PostgreSQL store alike. Call `describeAnchorContract(name, open)` from a *.test.ts file.
 */
import { describe, expect, it } from 'vitest';
import { T0 } from '../test-helpers.js';
import type { AnchorBroadcast, AnchorTargetSpec } from './anchor-types.js';
import { storePerTest, type OpenedStore } from './store-contract.js';
import type { Store } from './types.js';

const hash = (n: number): string => `0x${n.toString(16).padStart(64, '0')}`;
const target = (name: string, over: Partial<AnchorTargetSpec> = {}): AnchorTargetSpec => ({
  name,
  chainId: 31337n,
  contract: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  anchorer: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
  ...over,
});
const broadcast = (n: number, at = T0): AnchorBroadcast => ({ txHash: hash(1000 + n), rawTx: `0x02${n}`, maxFeePerGas: '2000000000', maxPriorityFeePerGas: '1000000000', at });

export function describeAnchorContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`Store anchor contract: ${name}`, () => {
    let store: Store;
    storePerTest(open, (s) => (store = s));

    it('registers targets once; a changed chain, contract or anchorer is a conflict', async () => {
      const first = await store.ensureAnchorTarget(target('sepolia'), T0);
      expect(first).toMatchObject({ status: 'registered', target: { name: 'sepolia', chainId: 31337n, contract: '0x5fbdb2315678afecb367f032d93f642f64180aa3', createdAt: T0 } });
      expect(first.target.nextNonce).toBeUndefined();
      expect((await store.ensureAnchorTarget(target('sepolia'), T0 + 1)).status).toBe('unchanged');
      expect((await store.ensureAnchorTarget(target('sepolia', { chainId: 1n }), T0 + 1)).status).toBe('conflict');
      expect((await store.ensureAnchorTarget(target('sepolia', { contract: '0x' + '11'.repeat(20) }), T0 + 1)).status).toBe('conflict');
      expect(await store.anchorTarget('nope')).toBeUndefined();
      await store.setAnchorNonce('sepolia', 7, 'someone else', T0 + 2);
      expect(await store.anchorTarget('sepolia')).toMatchObject({ nextNonce: 7, lastError: 'someone else', updatedAt: T0 + 2 });
      await store.setAnchorNonce('sepolia', undefined, undefined, T0 + 3);
      const cleared = await store.anchorTarget('sepolia');
      expect(cleared?.nextNonce).toBeUndefined();
      expect(cleared?.lastError).toBeUndefined();
    });

    it('queues a head for every target, idempotently; a new target gets every queued head', async () => {
      await store.ensureAnchorTarget(target('a'), T0);
      await store.ensureAnchorTarget(target('b'), T0);
      expect(await store.enqueueAnchorHead({ epoch: 1, headHash: hash(1).toUpperCase().replace('0X', '0x'), leafCount: 10 }, T0)).toEqual({ status: 'queued', targets: 2 });
      expect(await store.enqueueAnchorHead({ epoch: 1, headHash: hash(1), leafCount: 10 }, T0 + 1)).toEqual({ status: 'unchanged', targets: 0 });
      expect(await store.enqueueAnchorHead({ epoch: 1, headHash: hash(99), leafCount: 10 }, T0 + 1)).toEqual({ status: 'conflict', headHash: hash(1) });
      await store.enqueueAnchorHead({ epoch: 2, headHash: hash(2), leafCount: 20 }, T0 + 2);
      await store.ensureAnchorTarget(target('late'), T0 + 3);
      const late = await store.openAnchors('late', 10);
      expect(late.map((a) => [a.epoch, a.headHash, a.leafCount, a.status, a.broadcasts])).toEqual([
        [1, hash(1), 10, 'pending', []],
        [2, hash(2), 20, 'pending', []],
      ]);
      expect(await store.anchorCounts('a')).toEqual({ pending: 2, sent: 0, included: 0, final: 0, failed: 0 });
      expect((await store.listAnchors({ limit: 10 })).map((a) => `${a.target}:${a.epoch}`)).toEqual(['a:2', 'b:2', 'late:2', 'a:1', 'b:1', 'late:1']);
      expect((await store.listAnchors({ target: 'b', status: 'pending', limit: 1 })).map((a) => a.epoch)).toEqual([2]);
    });

    it('records a first broadcast only at the target\'s next nonce and moves the nonce on; a rebroadcast keeps it', async () => {
      await store.ensureAnchorTarget(target('a'), T0);
      await store.enqueueAnchorHead({ epoch: 1, headHash: hash(1), leafCount: 1 }, T0);
      await store.enqueueAnchorHead({ epoch: 2, headHash: hash(2), leafCount: 1 }, T0);
      expect(await store.recordAnchorBroadcast('a', 1, 0, broadcast(1))).toBe(false); // nonce unknown yet
      await store.setAnchorNonce('a', 5, undefined, T0);
      expect(await store.recordAnchorBroadcast('a', 1, 4, broadcast(1))).toBe(false);
      expect(await store.recordAnchorBroadcast('a', 1, 5, broadcast(1, T0 + 10))).toBe(true);
      expect((await store.anchorTarget('a'))?.nextNonce).toBe(6);
      expect(await store.recordAnchorBroadcast('a', 1, 6, broadcast(2))).toBe(false); // a rebroadcast must keep nonce 5
      expect(await store.recordAnchorBroadcast('a', 1, 5, { ...broadcast(2, T0 + 20), maxFeePerGas: '2250000000' })).toBe(true);
      expect((await store.anchorTarget('a'))?.nextNonce).toBe(6);
      const sent = await store.getAnchor('a', 1);
      expect(sent).toMatchObject({ status: 'sent', nonce: 5, sentAt: T0 + 10 });
      expect(sent?.broadcasts.map((b) => [b.txHash, b.rawTx, b.maxFeePerGas, b.at])).toEqual([
        [hash(1001), '0x021', '2000000000', T0 + 10],
        [hash(1002), '0x022', '2250000000', T0 + 20],
      ]);
      expect(await store.recordAnchorBroadcast('a', 2, 6, broadcast(3))).toBe(true);
      expect((await store.anchorTarget('a'))?.nextNonce).toBe(7);
      expect(await store.recordAnchorBroadcast('a', 9, 7, broadcast(4))).toBe(false); // no such anchor
    });

    it('moves sent → included → final, back to sent on a reorg, and to failed', async () => {
      await store.ensureAnchorTarget(target('a'), T0);
      await store.setAnchorNonce('a', 0, undefined, T0);
      for (const epoch of [1, 2, 3]) await store.enqueueAnchorHead({ epoch, headHash: hash(epoch), leafCount: 1 }, T0);
      await store.recordAnchorBroadcast('a', 1, 0, broadcast(1));
      expect(await store.recordAnchorFinal('a', 1, 3, T0)).toBe(false); // not included yet
      const inclusion = { txHash: hash(1001), blockNumber: 7, blockHash: hash(7007), confirmations: 1, at: T0 + 5 };
      expect(await store.recordAnchorInclusion('a', 1, inclusion)).toBe(true);
      expect(await store.getAnchor('a', 1)).toMatchObject({ status: 'included', txHash: hash(1001), blockNumber: 7, blockHash: hash(7007), confirmations: 1, updatedAt: T0 + 5 });
      expect(await store.noteAnchor('a', 1, { confirmations: 2 }, T0 + 6)).toBe(true);
      expect(await store.recordAnchorFinal('a', 1, 3, T0 + 7)).toBe(true);
      expect(await store.getAnchor('a', 1)).toMatchObject({ status: 'final', confirmations: 3 });
      expect((await store.openAnchors('a', 10)).map((a) => a.epoch)).toEqual([2, 3]);

      expect(await store.recordAnchorReorg('a', 1, 'block 7 left the chain', T0 + 8)).toBe(true);
      const reorged = await store.getAnchor('a', 1);
      expect(reorged).toMatchObject({ status: 'sent', nonce: 0, lastError: 'block 7 left the chain' });
      expect(reorged?.blockHash).toBeUndefined();
      expect(reorged?.broadcasts).toHaveLength(1);
      // Anchored by another sender (no nonce of ours): a reorg puts it back to pending.
      await store.recordAnchorInclusion('a', 2, { ...inclusion, txHash: hash(5555), blockNumber: 8 });
      await store.recordAnchorReorg('a', 2, 'gone', T0 + 9);
      expect(await store.getAnchor('a', 2)).toMatchObject({ status: 'pending' });

      expect(await store.noteAnchor('a', 3, { lastError: 'fee above the cap' }, T0 + 10)).toBe(true);
      expect(await store.getAnchor('a', 3)).toMatchObject({ status: 'pending', lastError: 'fee above the cap' });
      expect(await store.recordAnchorFailure('a', 3, 'the chain holds another head for epoch 3', T0 + 11)).toBe(true);
      expect(await store.getAnchor('a', 3)).toMatchObject({ status: 'failed', lastError: 'the chain holds another head for epoch 3' });
      expect(await store.anchorCounts('a')).toEqual({ pending: 1, sent: 1, included: 0, final: 0, failed: 1 });
    });

    it('finds the first anchored epoch at or after an epoch, across targets', async () => {
      expect(await store.firstAnchors(1)).toEqual([]);
      for (const name of ['a', 'b']) {
        await store.ensureAnchorTarget(target(name), T0);
        await store.setAnchorNonce(name, 0, undefined, T0);
      }
      for (const epoch of [1, 2, 3, 4, 5]) await store.enqueueAnchorHead({ epoch, headHash: hash(epoch), leafCount: 1 }, T0);
      const include = async (name: string, epoch: number, nonce: number): Promise<void> => {
        await store.recordAnchorBroadcast(name, epoch, nonce, broadcast(epoch));
        await store.recordAnchorInclusion(name, epoch, { txHash: hash(2000 + epoch), blockNumber: epoch, blockHash: hash(3000 + epoch), confirmations: 1, at: T0 });
      };
      await include('a', 1, 0); // a: 1 included, 2 sent, 4 included then final
      await store.recordAnchorBroadcast('a', 2, 1, broadcast(2));
      await include('b', 3, 0); // b: 3 included (its anchor of 1 and 2 still pending)
      await store.recordAnchorBroadcast('a', 3, 2, broadcast(3));
      await include('a', 4, 3);
      await store.recordAnchorFinal('a', 4, 12, T0);
      await include('b', 4, 1);
      const first = async (epoch: number): Promise<string[]> => (await store.firstAnchors(epoch)).map((x) => `${x.target}:${x.epoch}:${x.status}`);
      expect(await first(1)).toEqual(['a:1:included']);
      expect(await first(2)).toEqual(['b:3:included']); // a's anchor of 3 is only sent
      expect(await first(3)).toEqual(['b:3:included']);
      expect(await first(4)).toEqual(['a:4:final', 'b:4:included']);
      expect(await first(5)).toEqual([]);
      await store.recordAnchorReorg('b', 3, 'gone', T0);
      expect(await first(2)).toEqual(['a:4:final', 'b:4:included']);
    });
  });
}
