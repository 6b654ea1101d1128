/**
 * Group commit of audit entries on a real SQLite store: entries appended in one event-loop turn
 * are one appendAudit call (one transaction), in arrival order, each caller released after its
 * commit; a later turn is a later group; a failing write rejects every caller of its group and
 * the next group still commits.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteStore } from '../store/sqlite.js';
import type { NewAuditEntry } from '../store/auth-types.js';
import { tempDir } from '../test-helpers.js';
import { verifyAuditChain } from './audit-chain.js';
import { AuditWriter } from './audit-writer.js';

const entry = (n: number): NewAuditEntry => ({ at: 1_750_000_000_000 + n, actor: 'key:k', action: 'lot.read', resource: `LOT-${n}`, outcome: '200' });

describe('AuditWriter', () => {
  let store: SqliteStore;
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir('freshtrail-audit-');
    store = openSqliteStore({ path: join(tmp.dir, 'ingest.sqlite') });
  });
  afterEach(async () => {
    await store.close();
    tmp.cleanup();
  });

  it('writes the entries of one turn in one transaction, in order, and later turns after', async () => {
    const calls: number[] = [];
    const counting = { appendAudit: (entries: readonly NewAuditEntry[]) => (calls.push(entries.length), store.appendAudit(entries)) };
    const writer = new AuditWriter(counting);
    await Promise.all(Array.from({ length: 10 }, (_, i) => writer.append(entry(i))));
    await writer.append(entry(10));
    expect(calls).toEqual([10, 1]);
    const all = await store.listAudit({ limit: 100 });
    expect(all.map((e) => e.resource)).toEqual(Array.from({ length: 11 }, (_, i) => `LOT-${i}`));
    expect(verifyAuditChain(all)).toEqual([]);
  });

  it('rejects every caller of a failed group, and commits the next group', async () => {
    let fail = true;
    const flaky = { appendAudit: (entries: readonly NewAuditEntry[]) => (fail ? Promise.reject(new Error('disk full')) : store.appendAudit(entries)) };
    const writer = new AuditWriter(flaky);
    const first = await Promise.allSettled([writer.append(entry(1)), writer.append(entry(2))]);
    expect(first.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await writer.append(entry(3));
    expect((await store.listAudit({ limit: 10 })).map((e) => e.resource)).toEqual(['LOT-3']);
  });
});
