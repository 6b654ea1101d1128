/**
 * Test support: the HTTP API on a fresh SQLite store and a real pipeline, as the HTTP tests and
 * the CLI tests use it (in-process with app.inject, or listening on a free port).
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { silentLogger } from '../../common/log.js';
import { IngestMetrics } from '../metrics.js';
import { IngestPipeline, type PipelineLimits } from '../pipeline.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite.js';
import { tempDir } from '../test-helpers.js';
import { buildApp } from './app.js';
import type { ApiServices } from './services.js';

export interface TestApi {
  store: SqliteStore;
  metrics: IngestMetrics;
  pipeline: IngestPipeline;
  app: FastifyInstance;
  /** Closes the app, the pipeline and the store, and removes the files. */
  close(): Promise<void>;
}

export const TEST_LIMITS: PipelineLimits = { maxEnvelopeBytes: 64 * 1024, maxClockSkewMs: 300_000, maxQuarantinePerGateway: 100 };

export interface TestApiOptions {
  limits?: Partial<PipelineLimits>;
  /** Clock of the pipeline and the API (join tokens, revocations). */
  now?: () => number;
  /** Overrides of the API services (version, startedAt, consumers, transportsReady, …). */
  services?: Partial<Omit<ApiServices, 'pipeline' | 'store' | 'metrics'>>;
}

export async function openTestApi(options: TestApiOptions = {}): Promise<TestApi> {
  const tmp = tempDir('freshtrail-api-');
  const store = openSqliteStore({ path: join(tmp.dir, 'ingest.sqlite') });
  const metrics = new IngestMetrics();
  const pipeline = new IngestPipeline({ store, metrics, logger: silentLogger(), limits: { ...TEST_LIMITS, ...options.limits }, now: options.now });
  await pipeline.init();
  const app = await buildApp(
    { pipeline, store, metrics, version: 'test', startedAt: Date.now(), bodyLimitBytes: 128 * 1024, transportsReady: () => true, now: options.now, ...options.services },
    silentLogger(),
  );
  return {
    store,
    metrics,
    pipeline,
    app,
    async close() {
      await app.close();
      await pipeline.close();
      await store.close();
      tmp.cleanup();
    },
  };
}
