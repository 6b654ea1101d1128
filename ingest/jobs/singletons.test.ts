/**
 * The singleton jobs as the service wires them, on SQLite (this process leads them all): the
 * leader gauge per job, and the quarantine job admitting batches of a gateway that was enrolled
 * elsewhere (as through another instance) without this pipeline's enrollment path.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.js';
import { defaultIngestConfig } from '../config.js';
import type { SingletonJobs } from '../leader/singleton-jobs.js';
import { IngestMetrics } from '../metrics.js';
import { IngestPipeline } from '../pipeline.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite.js';
import { TestGateway, envelopeBytes, tempDir } from '../test-helpers.js';
import { createSingletonJobs } from './singletons.js';

describe('singleton jobs of the service', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: SqliteStore;
  let metrics: IngestMetrics;
  let pipeline: IngestPipeline;
  let jobs: SingletonJobs | undefined;

  beforeEach(() => {
    tmp = tempDir();
    store = openSqliteStore({ path: join(tmp.dir, 'ingest.sqlite') });
    metrics = new IngestMetrics();
    pipeline = new IngestPipeline({ store, metrics, logger: silentLogger(), limits: defaultIngestConfig().limits });
  });
  afterEach(async () => {
    await jobs?.stop();
    await pipeline.close();
    await store.close();
    tmp.cleanup();
  });

  it('leads integrity, quarantine and retention; the quarantine job admits batches of a gateway enrolled elsewhere', async () => {
    const gw = new TestGateway('gw-late');
    const sealed = gw.next();
    expect((await pipeline.submit(envelopeBytes(sealed), { transport: 'mqtt', topicGateway: gw.id })).status).toBe('quarantined');
    // Enrolled by another instance: straight into the shared store, so this pipeline admitted nothing.
    await store.enrollGateway({ id: gw.id, publicKey: gw.publicKey, enrolledAt: Date.now() });
    expect(await store.quarantineCount(gw.id)).toBe(1);

    const config = defaultIngestConfig({ dataDir: tmp.dir, integrity: { intervalSeconds: 1 } });
    jobs = createSingletonJobs(config, { store, metrics, pipeline }, silentLogger());
    jobs.start();
    await expect.poll(() => store.quarantineCount(gw.id), { timeout: 5_000 }).toBe(0);
    expect((await store.getBatch(gw.id, 1))?.id).toBe(sealed.id);

    const leader = await metrics.registry.getSingleMetricAsString('freshtrail_ingest_job_leader');
    for (const job of ['integrity', 'quarantine', 'retention']) expect(leader).toContain(`freshtrail_ingest_job_leader{job="${job}"} 1`);
  });
});
