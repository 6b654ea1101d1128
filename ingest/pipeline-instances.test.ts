/**
 * Two ingest pipelines on one PostgreSQL database, as two instances are: consecutive batches of
 * one gateway verified at the same time on both must still have the link between them checked
 * (BatchToCommit.checkedNeighbours). The interleaving is forced: instance B's chain read of its
 * batch is held until instance A has committed the batch before it, then B commits.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../common/log.js';
import { skipWithoutService } from '../test/support/tools.js';
import { IngestMetrics } from './metrics.js';
import { IngestPipeline, type PipelineLimits } from './pipeline.js';
import { openPostgresStore, type PostgresStore } from './store/postgres/store.js';
import { createTestDatabase, PG_HOST, PG_PORT, truncateStore, type TestDatabase } from './store/postgres/test-database.js';
import type { Store } from './store/types.js';
import { TestGateway, envelopeBytes } from './test-helpers.js';

const LIMITS: PipelineLimits = { maxEnvelopeBytes: 64 * 1024, maxClockSkewMs: 300_000, maxQuarantinePerGateway: 3 };
const skip = await skipWithoutService('PostgreSQL', PG_HOST, PG_PORT);

/** A store whose chain read for `seq` waits, after reading, until release() (it reads before the other instance commits). */
function holdChainRead(store: Store, seq: number): { store: Store; reached: Promise<void>; release(): void } {
  let release!: () => void;
  let reached!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const reachedPromise = new Promise<void>((r) => (reached = r));
  let held = false;
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop !== 'getChainNeighbours') {
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      }
      return async (gateway: string, at: number) => {
        const neighbours = await target.getChainNeighbours(gateway, at);
        if (at === seq && !held) {
          held = true;
          reached();
          await gate;
        }
        return neighbours;
      };
    },
  });
  return { store: proxy, reached: reachedPromise, release };
}

describe.skipIf(skip)('two pipelines on one PostgreSQL database', () => {
  let db: TestDatabase;
  let storeA: PostgresStore;
  let storeB: PostgresStore;
  let a: IngestPipeline;
  let b: IngestPipeline;
  let metricsB: IngestMetrics;
  let gw: TestGateway;

  beforeAll(async () => {
    db = await createTestDatabase();
    storeA = await openPostgresStore({ url: db.url, poolSize: 4 });
    storeB = await openPostgresStore({ url: db.url, poolSize: 4 });
  });
  afterAll(async () => {
    await storeA?.close();
    await storeB?.close();
    await db?.drop();
  });

  const start = async (heldSeq: number) => {
    gw = new TestGateway('gw-shared');
    a = new IngestPipeline({ store: storeA, metrics: new IngestMetrics(), logger: silentLogger(), limits: LIMITS });
    const held = holdChainRead(storeB, heldSeq);
    metricsB = new IngestMetrics();
    b = new IngestPipeline({ store: held.store, metrics: metricsB, logger: silentLogger(), limits: LIMITS });
    await a.enroll({ id: gw.id, publicKey: gw.publicKey });
    return held;
  };

  beforeEach(async () => {
    await truncateStore(db.url);
  });
  afterEach(async () => {
    await a?.close();
    await b?.close();
  });

  it('checks the link to a batch the other instance committed while this one was verifying', async () => {
    const held = await start(3);
    const [b1, b2, b3] = [gw.next(), gw.next(), gw.next()];
    expect((await a.submit(envelopeBytes(b1), { transport: 'mqtt' })).status).toBe('accepted');
    const onB = b.submit(envelopeBytes(b3), { transport: 'mqtt' });
    await held.reached; // B has read the chain around seq 3: no seq 2 yet
    expect((await a.submit(envelopeBytes(b2), { transport: 'mqtt' })).status).toBe('accepted');
    held.release();
    expect(await onB).toMatchObject({ status: 'accepted', seq: 3 });
    // Verified again with seq 2 present: linked, so no gap flag is stored.
    expect((await storeA.getBatchHeader(gw.id, 3))?.flags.gap).toBe(false);
    expect(await metricsB.staleRetries.get()).toMatchObject({ values: [{ value: 1 }] });
  });

  it('refuses a batch that does not link to the one the other instance committed meanwhile', async () => {
    const held = await start(3);
    const [b1, b2] = [gw.next(), gw.next()];
    const unlinked = gw.seal({ seq: 3, prev: 'ab'.repeat(32) }); // signed with the gateway's key, but not after b2
    expect((await a.submit(envelopeBytes(b1), { transport: 'mqtt' })).status).toBe('accepted');
    const onB = b.submit(envelopeBytes(unlinked), { transport: 'mqtt' });
    await held.reached;
    expect((await a.submit(envelopeBytes(b2), { transport: 'mqtt' })).status).toBe('accepted');
    held.release();
    expect(await onB).toMatchObject({ status: 'rejected', code: 'FT_ERR_CHAIN_BROKEN', seq: 3 });
    expect(await storeA.getBatchHeader(gw.id, 3)).toBeUndefined();
  });
});
