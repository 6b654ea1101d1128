/**
 * Group commit gives each batch the outcome it would have had alone (docs/protocol.md §6.3),
 * with one store transaction for the group.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SealedBatch } from '../protocol/batch.js';
import { CommitGroup, type EntryOutcome, type GroupEntry } from './commit-group.js';
import { startSignatureCheck } from './signature-check.js';
import { openSqliteStore, type SqliteStore } from './store/sqlite.js';
import type { BatchToCommit, Gateway } from './store/types.js';
import { T0, TestGateway, tamperedEnvelope, tempDir, testReadings } from './test-helpers.js';
import { decodeRule } from './verify.js';

const MAX_SKEW = 300_000;
const entry = (sealed: SealedBatch, over: Partial<GroupEntry> = {}): GroupEntry => ({ sealed, receipt: { transport: 'http', receivedAt: T0 }, ...over });
const summary = (outcomes: EntryOutcome[]) =>
  outcomes.map((o) => (o.status === 'rejected' ? `${o.error.code}${o.conflictsWith ? ` vs ${o.conflictsWith.slice(0, 6)}` : ''}` : o.status === 'accepted' ? `accepted${o.flags.gap ? ' gap' : ''}` : o.status));

describe('CommitGroup', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: SqliteStore;
  let gw: TestGateway;
  let gateway: Gateway;
  let commits: number[];

  beforeEach(async () => {
    tmp = tempDir();
    store = openSqliteStore({ path: join(tmp.dir, 'ingest.sqlite') });
    gw = new TestGateway('gw-1');
    gateway = { id: gw.id, publicKey: gw.publicKey, enrolledAt: T0 };
    await store.enrollGateway(gateway);
    // Count the store transactions and their sizes.
    commits = [];
    const commitBatches = store.commitBatches.bind(store);
    store.commitBatches = (batches: readonly BatchToCommit[]) => {
      commits.push(batches.length);
      return commitBatches(batches);
    };
  });
  afterEach(async () => {
    await store.close();
    tmp.cleanup();
  });

  async function run(entries: GroupEntry[]): Promise<EntryOutcome[]> {
    const group = new CommitGroup(store, gateway, MAX_SKEW);
    for (const e of entries) await group.verify(e);
    return group.commit();
  }

  it('commits consecutive batches in one transaction, each linked to the previous', async () => {
    const batches = [gw.next(), gw.next(), gw.next()];
    expect(summary(await run(batches.map((b) => entry(b))))).toEqual(['accepted', 'accepted', 'accepted']);
    expect(commits).toEqual([3]);
    for (const b of batches) expect((await store.getBatchHeader(gw.id, b.batch.seq))?.flags.gap).toBe(false);
  });

  it('answers redelivery inside the group as duplicate, and a fork against the group as a fork', async () => {
    const b1 = gw.next();
    const fork = gw.seal({ seq: 1, prev: b1.batch.prev, readings: testReadings(1, { tempC: 9 }) });
    expect(summary(await run([entry(b1), entry(b1), entry(fork)]))).toEqual(['accepted', 'duplicate', `FT_ERR_FORK vs ${b1.id.slice(0, 6)}`]);
    expect(commits).toEqual([1]);
    expect((await store.counts()).batches).toBe(1);
  });

  it('checks the chain against batches earlier in the group, in both directions', async () => {
    const [b1, b2, b3, b4, b5] = [gw.next(), gw.next(), gw.next(), gw.next(), gw.next()];
    const wrongPrev = gw.seal({ seq: 2, prev: 'f'.repeat(64) });
    // A seq 2 that does not name b1 (accepted just before it in the group) is refused; b2 is not.
    expect(summary(await run([entry(b1), entry(wrongPrev), entry(b2)]))).toEqual(['accepted', 'FT_ERR_CHAIN_BROKEN', 'accepted']);
    // b5 arrives first (gap). A seq 4 that b5 does not name is refused; b3 and b4 then fill the gap.
    const stray4 = gw.seal({ seq: 4, prev: 'e'.repeat(64) });
    expect(summary(await run([entry(b5), entry(stray4), entry(b3), entry(b4)]))).toEqual(['accepted gap', 'FT_ERR_CHAIN_BROKEN', 'accepted', 'accepted']);
    expect(commits).toEqual([2, 3]);
  });

  it('gives a batch after a refused one the gap flag, as if it had arrived alone', async () => {
    const b1 = gw.next();
    const b2 = gw.next();
    const tampered = decodeRule(tamperedEnvelope(b1), 1 << 20);
    expect(summary(await run([entry(tampered), entry(b2)]))).toEqual(['FT_ERR_BAD_SIGNATURE', 'accepted gap']);
  });

  it('uses an early signature verdict only when it was computed with the enrolled key', async () => {
    const b1 = gw.next();
    const b2 = gw.next();
    const tampered = decodeRule(tamperedEnvelope(b2), 1 << 20);
    const otherKey = new TestGateway('x').publicKey;
    expect(
      summary(
        await run([
          // A "valid" verdict computed with another key is ignored: the tampered batch is refused.
          entry(tampered, { signature: { publicKey: otherKey, valid: Promise.resolve(true) } }),
          entry(b1, { signature: startSignatureCheck(b1, gw.publicKey) }),
          // The verdict of the enrolled key is used as is.
          entry(b2, { signature: { publicKey: gw.publicKey, valid: Promise.resolve(false) } }),
        ]),
      ),
    ).toEqual(['FT_ERR_BAD_SIGNATURE', 'accepted', 'FT_ERR_BAD_SIGNATURE']);
    expect(await startSignatureCheck(tampered, gw.publicKey).valid).toBe(false);
    expect(await startSignatureCheck(b2, gw.publicKey).valid).toBe(true);
  });

  it('reports a fork found at commit time (another ingest stored seq first), for the batch and its copy', async () => {
    const b1 = gw.next();
    const group = new CommitGroup(store, gateway, MAX_SKEW);
    await group.verify(entry(b1));
    await group.verify(entry(b1));
    const other = gw.seal({ seq: 1, prev: b1.batch.prev, readings: testReadings(1, { tempC: 7 }) });
    await store.commitBatch(other, { receivedAt: T0, transport: 'mqtt', flags: { gap: false } });
    expect(summary(await group.commit())).toEqual([`FT_ERR_FORK vs ${other.id.slice(0, 6)}`, `FT_ERR_FORK vs ${other.id.slice(0, 6)}`]);
  });

  it('writes nothing when the transaction fails, and throws', async () => {
    store.db.exec('DROP TABLE readings');
    await expect(run([entry(gw.next()), entry(gw.next())])).rejects.toMatchObject({ code: 'FT_ERR_STORE' });
    expect((await store.counts()).batches).toBe(0);
  });

  it('does not touch the store for a group without an accepted batch', async () => {
    const b1 = gw.next();
    await run([entry(b1)]);
    expect(summary(await run([entry(b1), entry(b1)]))).toEqual(['duplicate', 'duplicate']);
    expect(commits).toEqual([1]);
  });
});
