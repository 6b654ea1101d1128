/**
 * The gateway-identity part of the Store contract (STYLE.md §5): revocation, join tokens and
 * join requests, run against every implementation. Call `describeIdentityContract(name, open)`
 * next to describeStoreContract; `open` returns a fresh, empty store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { T0, TestGateway } from '../test-helpers.js';
import type { OpenedStore } from './store-contract.js';
import type { NewJoinRequest, Store } from './types.js';

const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);
const JOINING_KEY = new TestGateway('gw-new', '11'.repeat(32)).publicKey;

export function describeIdentityContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`Store contract, gateway identity: ${name}`, () => {
    let opened: OpenedStore;
    let store: Store;
    let gw: TestGateway;

    beforeEach(async () => {
      opened = await open();
      store = opened.store;
      gw = new TestGateway('gw-a');
      await store.enrollGateway({ id: gw.id, publicKey: gw.publicKey, enrolledAt: T0 });
    });
    afterEach(async () => {
      await opened.dispose();
    });

    const request = (over: Partial<NewJoinRequest> = {}): NewJoinRequest => ({ gateway: 'gw-new', publicKey: JOINING_KEY, label: 'pack line', requestedAt: T0 + 10, ...over });

    it('revokes a gateway once; re-revoking is idempotent and can only move the effective time earlier', async () => {
      const first = { effectiveAt: T0 + 5_000, reason: 'stolen', recordedAt: T0 + 9_000 };
      expect(await store.revokeGateway(gw.id, first)).toMatchObject({ status: 'revoked', gateway: { id: gw.id, revocation: first } });
      expect((await store.getGateway(gw.id))?.revocation).toEqual(first);
      expect((await store.getGatewaySummary(gw.id))?.revocation).toEqual(first);
      expect((await store.listGateways())[0]?.revocation).toEqual(first);
      const later = { effectiveAt: T0 + 7_000, reason: 'again', recordedAt: T0 + 9_500 };
      expect(await store.revokeGateway(gw.id, later)).toMatchObject({ status: 'unchanged', gateway: { revocation: first } });
      expect(await store.revokeGateway(gw.id, first)).toMatchObject({ status: 'unchanged' });
      const earlier = { effectiveAt: T0 + 1_000, reason: 'compromised earlier than thought', recordedAt: T0 + 9_900 };
      expect(await store.revokeGateway(gw.id, earlier)).toMatchObject({ status: 'moved-earlier', gateway: { revocation: earlier } });
      expect((await store.getGateway(gw.id))?.revocation).toEqual(earlier);
      expect(await store.revokeGateway('nope', first)).toBeUndefined();
      // Enrollment is unaffected: the same id with another key is still a conflict.
      expect((await store.enrollGateway({ id: gw.id, publicKey: new TestGateway('y').publicKey, enrolledAt: T0 })).status).toBe('conflict');
    });

    it('redeems a join token once, not after it expires, not when unknown', async () => {
      await store.createJoinToken({ hash: HASH_A, label: 'farm A', createdAt: T0, expiresAt: T0 + 60_000 });
      await store.createJoinToken({ hash: HASH_B, createdAt: T0, expiresAt: T0 + 60_000 });
      const redeemed = await store.redeemJoinToken(HASH_A, request(), T0 + 10);
      expect(redeemed).toEqual({ status: 'pending', request: { id: expect.any(Number), ...request(), tokenLabel: 'farm A', status: 'pending', decidedAt: undefined } });
      expect(await store.redeemJoinToken(HASH_A, request({ gateway: 'gw-other' }), T0 + 20)).toEqual({ status: 'used' });
      expect(await store.redeemJoinToken(HASH_B, request(), T0 + 60_000)).toEqual({ status: 'expired' });
      expect(await store.redeemJoinToken('c'.repeat(64), request(), T0)).toEqual({ status: 'unknown' });
      // The expired token was not consumed by the refused attempt, nor was a request stored.
      expect(await store.listJoinRequests()).toHaveLength(1);
    });

    it('lets exactly one of two concurrent redemptions of a token win', async () => {
      await store.createJoinToken({ hash: HASH_A, createdAt: T0, expiresAt: T0 + 60_000 });
      const results = await Promise.all([store.redeemJoinToken(HASH_A, request({ gateway: 'one' }), T0 + 1), store.redeemJoinToken(HASH_A, request({ gateway: 'two' }), T0 + 1)]);
      expect(results.map((r) => r.status).sort()).toEqual(['pending', 'used']);
      expect(await store.listJoinRequests('pending')).toHaveLength(1);
    });

    it('lists join requests by status and decides each once', async () => {
      await store.createJoinToken({ hash: HASH_A, createdAt: T0, expiresAt: T0 + 60_000 });
      await store.createJoinToken({ hash: HASH_B, createdAt: T0, expiresAt: T0 + 60_000 });
      const a = await store.redeemJoinToken(HASH_A, request({ gateway: 'gw-1' }), T0 + 1);
      const b = await store.redeemJoinToken(HASH_B, request({ gateway: 'gw-2', label: undefined }), T0 + 2);
      if (a.status !== 'pending' || b.status !== 'pending') throw new Error('redeem failed');
      expect(b.request.id).toBeGreaterThan(a.request.id);
      expect((await store.listJoinRequests('pending')).map((r) => r.gateway)).toEqual(['gw-1', 'gw-2']);
      expect(await store.decideJoinRequest(a.request.id, 'approved', T0 + 100)).toMatchObject({ status: 'approved', decidedAt: T0 + 100 });
      // Decided once: a later decision changes nothing.
      expect(await store.decideJoinRequest(a.request.id, 'rejected', T0 + 200)).toMatchObject({ status: 'approved', decidedAt: T0 + 100 });
      expect(await store.decideJoinRequest(b.request.id, 'rejected', T0 + 300)).toMatchObject({ status: 'rejected', label: undefined });
      expect(await store.listJoinRequests('pending')).toEqual([]);
      expect((await store.listJoinRequests()).map((r) => r.status)).toEqual(['approved', 'rejected']);
      expect(await store.getJoinRequest(a.request.id)).toMatchObject({ gateway: 'gw-1', status: 'approved' });
      expect(await store.getJoinRequest(9_999)).toBeUndefined();
      expect(await store.decideJoinRequest(9_999, 'approved', T0)).toBeUndefined();
    });
  });
}
