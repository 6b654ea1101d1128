/**
 * Contract tests of API keys, parties and the audit log (auth-types.ts), run by the SQLite and
 * the PostgreSQL store alike. `exec` runs raw SQL on the store's database: the append-only
 * check tries to change the log behind the store's back.
 */
import { describe, expect, it } from 'vitest';
import { T0 } from '../test-helpers.js';
import { AUDIT_GENESIS, verifyAuditChain } from '../auth/audit-chain.js';
import type { NewApiKey, NewAuditEntry } from './auth-types.js';
import { storePerTest, type OpenedStore } from './store-contract.js';
import type { Store } from './types.js';

const key = (id: string, over: Partial<NewApiKey> = {}): NewApiKey => ({
  id, label: `key ${id}`, role: 'grower', party: 'farm-a', scopes: [], createdAt: T0, createdBy: 'cli', secretHash: 'ab'.repeat(32), ...over,
});
const entry = (n: number, over: Partial<NewAuditEntry> = {}): NewAuditEntry => ({
  at: T0 + n, actor: 'key:k1', role: 'regulator', action: 'lot.read', resource: `LOT-${n}`, outcome: '200', ...over,
});

export function describeAuthContract(name: string, open: () => Promise<OpenedStore>, exec: (store: Store, sql: string) => Promise<void>): void {
  describe(`Store auth contract: ${name}`, () => {
    let store: Store;
    storePerTest(open, (s) => (store = s));

    it('creates API keys once, lists them without their hash, revokes once and records use', async () => {
      expect(await store.createApiKey(key('k1', { scopes: ['lots:read'], expiresAt: T0 + 1000 }))).toBe(true);
      expect(await store.createApiKey(key('k1', { label: 'again' }))).toBe(false);
      await store.createApiKey(key('k2', { role: 'admin', party: undefined }));
      const k1 = await store.apiKeyWithHash('k1');
      expect(k1).toEqual({ id: 'k1', label: 'key k1', role: 'grower', party: 'farm-a', scopes: ['lots:read'], createdAt: T0, createdBy: 'cli', expiresAt: T0 + 1000, secretHash: 'ab'.repeat(32) });
      expect(await store.apiKeyWithHash('nope')).toBeUndefined();
      const listed = await store.listApiKeys();
      expect(listed.map((k) => k.id)).toEqual(['k1', 'k2']);
      expect(listed.some((k) => 'secretHash' in k)).toBe(false);
      expect(listed[1]!.party).toBeUndefined();
      await store.touchApiKey('k1', T0 + 5);
      expect((await store.apiKeyWithHash('k1'))!.lastUsedAt).toBe(T0 + 5);
      expect(await store.revokeApiKey('k1', 'key:k2', T0 + 10)).toBe(true);
      expect(await store.revokeApiKey('k1', 'key:k2', T0 + 11)).toBe(false);
      expect(await store.revokeApiKey('nope', 'key:k2', T0 + 11)).toBe(false);
      expect(await store.apiKeyWithHash('k1')).toMatchObject({ revokedAt: T0 + 10, revokedBy: 'key:k2' });
    });

    it('keeps parties with their locations, updating in place', async () => {
      expect(await store.getParty('farm-a')).toBeUndefined();
      const created = await store.upsertParty({ id: 'farm-a', name: 'Farm A', locations: ['farm-a/', 'urn:epc:id:sgln:0614141.00001.0'] }, T0);
      expect(created).toEqual({ id: 'farm-a', name: 'Farm A', locations: ['farm-a/', 'urn:epc:id:sgln:0614141.00001.0'], createdAt: T0, updatedAt: T0 });
      await store.upsertParty({ id: 'dc-east', name: 'DC East', locations: ['dc-east/'] }, T0);
      const updated = await store.upsertParty({ id: 'farm-a', name: 'Farm A LLC', locations: ['farm-a/'] }, T0 + 5);
      expect(updated).toEqual({ id: 'farm-a', name: 'Farm A LLC', locations: ['farm-a/'], createdAt: T0, updatedAt: T0 + 5 });
      expect((await store.listParties()).map((p) => p.id)).toEqual(['dc-east', 'farm-a']);
    });

    it('appends audit entries chained by hash, in order, and lists them by filter', async () => {
      const first = await store.appendAudit([entry(1), entry(2, { action: 'export.fsma204', resource: 'from=2025-01-01', detail: { rows: 12, tlc: ['A', 'B'] } })]);
      expect(first.map((e) => e.id)).toEqual([1, 2]);
      expect(first[0]!.prevHash).toBe(AUDIT_GENESIS);
      expect(first[1]!.prevHash).toBe(first[0]!.hash);
      const more = await store.appendAudit([entry(3, { actor: 'key:k2', ip: '10.0.0.7' })]);
      expect(more[0]).toMatchObject({ id: 3, prevHash: first[1]!.hash });
      expect(await store.appendAudit([])).toEqual([]);

      const all = await store.listAudit({ limit: 10 });
      expect(all).toEqual([...first, ...more]);
      expect(verifyAuditChain(all)).toEqual([]);
      expect((await store.listAudit({ limit: 10, afterId: 1 })).map((e) => e.id)).toEqual([2, 3]);
      expect((await store.listAudit({ limit: 10, action: 'export.fsma204' })).map((e) => e.id)).toEqual([2]);
      expect((await store.listAudit({ limit: 10, actor: 'key:k2' })).map((e) => e.ip)).toEqual(['10.0.0.7']);
      expect((await store.listAudit({ limit: 10, resource: 'LOT-1' })).map((e) => e.id)).toEqual([1]);
      expect((await store.listAudit({ limit: 1 })).map((e) => e.id)).toEqual([1]);

      // An edited copy breaks the chain at the edit.
      const edited = all.map((e) => (e.id === 2 ? { ...e, resource: 'from=2024-01-01' } : e));
      expect(verifyAuditChain(edited)).toEqual(['entry 2 was changed after it was written']);
      expect(verifyAuditChain([all[0]!, all[2]!])).toEqual(['entry 3 follows entry 1: entries are missing', 'entry 3 does not link to the entry before it']);
    });

    it('refuses to update or delete audit entries, even through raw SQL', async () => {
      await store.appendAudit([entry(1)]);
      await expect(exec(store, "UPDATE audit_log SET resource = 'LOT-X' WHERE id = 1")).rejects.toThrow(/append-only/);
      await expect(exec(store, 'DELETE FROM audit_log WHERE id = 1')).rejects.toThrow(/append-only/);
      expect((await store.listAudit({ limit: 10 }))[0]!.resource).toBe('LOT-1');
    });

    it('chains concurrent appends without forks', async () => {
      await Promise.all(Array.from({ length: 8 }, (_, i) => store.appendAudit([entry(i * 2), entry(i * 2 + 1)])));
      const all = await store.listAudit({ limit: 100 });
      expect(all.map((e) => e.id)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
      expect(verifyAuditChain(all)).toEqual([]);
    });
  });
}
