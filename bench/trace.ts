/**
 * `freshtrail bench trace` (issue 6): a generated supply network of 1,000,000 lots and about
 * 5,320,000 events (supply-network.ts: farms → packers → processors commingling lots of several
 * farms → distribution centres splitting lots between stores) loaded into a SQLite file store
 * (synchronous=FULL, as in production) and into PostgreSQL (a throwaway database, dropped
 * afterwards; skipped with a notice on stderr when 127.0.0.1:5432 does not answer), then:
 *  - trace_p50_ms / trace_p99_ms per store and direction: GET /api/v1/lots/{id}/trace through
 *    app.inject on the real app (store.trace, the route's response view and its schema
 *    serialization: the full graph as the API returns it), for 2,000 random lots after 500
 *    others; the store call alone is in the `store_p99_ms` context field;
 *  - fsma_export_100k_rows_s per store: the FSMA 204 spreadsheet of an event-time window of
 *    about 100,000 rows through GET /api/v1/exports/fsma204.csv.
 *
 * Loading (trace-load.ts, in a worker thread): records are generated, parsed as the events
 * route parses them (parseCteRecord) and planned by the store's own per-event plan in memory,
 * then bulk-inserted into both stores in one pass (bulk-load.ts; bulk-load.test.ts proves the
 * same table contents and traces as recordEvents). Recording them through recordEvents instead
 * was measured at 2,000,000 events in 252 s on SQLite, slowing down as the indexes outgrow the
 * cache (≥ 11 minutes for the whole network), and at about 1.5 ms per event on PostgreSQL (ten
 * round trips per event: about two hours). The context fields say which path and how long.
 */
import type { FastifyInstance } from 'fastify';
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serviceAnswers } from '../common/net.js';
import { silentLogger } from '../common/log.js';
import { buildApp } from '../ingest/http/app.js';
import { MAX_TRACE_EDGES } from '../ingest/http/routes/lot-history.js';
import { IngestMetrics } from '../ingest/metrics.js';
import { IngestPipeline } from '../ingest/pipeline.js';
import type { TraceDirection } from '../ingest/store/lot-event-types.js';
import { openPostgresStore } from '../ingest/store/postgres/store.js';
import { createTestDatabase, PG_HOST, PG_PORT } from '../ingest/store/postgres/test-database.js';
import { openSqliteStore } from '../ingest/store/sqlite.js';
import type { Store } from '../ingest/store/types.js';
import { percentile, type Report, round } from './report.js';
import { BENCH_NETWORK, prng, type SupplyNetworkOptions } from './supply-network.js';
import { loadNetwork, loadNetworkInWorker, type LoadTargets } from './trace-load.js';

/** Lots traced before measuring, and measured, per store and direction. */
export interface TraceSampling {
  warmup: number;
  traced: number;
}
const SAMPLING: TraceSampling = { warmup: 500, traced: 2_000 };
const MAX_DEPTH = 20; // the route's default

/** A store with the network loaded. */
export interface LoadedStore {
  name: 'sqlite' | 'postgres';
  store: Store;
  /** Seconds this store's inserts took (trace-load.ts). */
  insertSeconds: number;
}

export interface LoadedNetwork {
  stores: LoadedStore[];
  lots: number;
  /** The lots traced, drawn at load: the bench keeps these, not the million TLCs, whose array would make every major collection during the timed traces mark it. */
  samples: { warmup: string[]; back: string[]; forward: string[] };
  events: number;
  lineageEdges: number;
  /** Wall time of the one loading pass. */
  loadSeconds: number;
}

/** A measurement on the loaded network; each prints its own lines. */
export type NetworkMeasurement = (network: LoadedNetwork, report: Report) => Promise<void>;

/** Runs in order after loading. */
export const MEASUREMENTS: NetworkMeasurement[] = [traceLatency, fsmaExportRate];

/** The real app on `store`, as the ingest builds it, for app.inject. */
async function appOn(store: Store): Promise<{ app: FastifyInstance; close(): Promise<void> }> {
  const metrics = new IngestMetrics();
  const limits = { maxEnvelopeBytes: 64 * 1024, maxClockSkewMs: 300_000, maxQuarantinePerGateway: 100 };
  const pipeline = new IngestPipeline({ store, metrics, logger: silentLogger(), limits });
  await pipeline.init();
  const app = await buildApp({ pipeline, store, metrics, version: 'bench', startedAt: Date.now(), bodyLimitBytes: 1024 * 1024, transportsReady: () => true }, silentLogger());
  return { app, close: async () => { await app.close(); await pipeline.close(); } };
}

/** `n` lots drawn at random (seeded: every run traces the same lots). */
function sample(lots: readonly string[], n: number, seed: number): string[] {
  const random = prng(seed);
  return Array.from({ length: n }, () => lots[Math.floor(random() * lots.length)]!);
}


/** trace_p50_ms / trace_p99_ms per store and direction through the API, the store call alone as context. */
async function traceLatency(network: LoadedNetwork, report: Report): Promise<void> {
  const traced = network.samples.back.length;
  for (const { name, store, insertSeconds } of network.stores) {
    const { app, close } = await appOn(store);
    try {
      for (const direction of ['back', 'forward'] as const satisfies readonly TraceDirection[]) {
        const url = (tlc: string) => `/api/v1/lots/${encodeURIComponent(tlc)}/trace?direction=${direction}&maxDepth=${MAX_DEPTH}`;
        for (const tlc of network.samples.warmup) await app.inject(url(tlc));
        const lots = network.samples[direction];
        const api: number[] = [];
        const storeOnly: number[] = [];
        let nodes = 0;
        let edges = 0;
        let maxNodes = 0;
        for (const tlc of lots) {
          let start = performance.now();
          const response = await app.inject(url(tlc));
          api.push(performance.now() - start);
          if (response.statusCode !== 200) throw new Error(`bench trace: ${name} ${direction} ${tlc}: HTTP ${response.statusCode} ${response.body.slice(0, 200)}`);
          const body = response.json() as { nodes: unknown[]; edges: unknown[] };
          nodes += body.nodes.length;
          maxNodes = Math.max(maxNodes, body.nodes.length);
          edges += body.edges.length;
          start = performance.now();
          await store.trace(tlc, direction, { maxDepth: MAX_DEPTH, maxEdges: MAX_TRACE_EDGES });
          storeOnly.push(performance.now() - start);
        }
        api.sort((a, b) => a - b);
        storeOnly.sort((a, b) => a - b);
        const context = {
          store: name, direction, lots: network.lots, events: network.events, lineage_edges: network.lineageEdges, traced,
          mean_nodes: round(nodes / traced, 1), mean_edges: round(edges / traced, 1), max_nodes: maxNodes, max_depth: MAX_DEPTH,
          store_p50_ms: round(percentile(storeOnly, 50), 3), store_p99_ms: round(percentile(storeOnly, 99), 3),
          measured: 'GET /api/v1/lots/{id}/trace via app.inject: store.trace + response view + serialization',
          load: 'bulk: recordEvents plan in memory, multi-row inserts (bench/bulk-load.ts)', load_s: round(network.loadSeconds), insert_s: round(insertSeconds),
        };
        report({ bench: 'trace', metric: 'trace_p50_ms', value: round(percentile(api, 50), 3), unit: 'ms', ...context });
        report({ bench: 'trace', metric: 'trace_p99_ms', value: round(percentile(api, 99), 3), unit: 'ms', ...context });
      }
    } finally {
      await close();
    }
  }
}

/** Rows the export measurement aims at (the issue's `fsma_export_100k_rows_s`). */
const EXPORT_ROWS = 100_000;
const EXPORT_REPEATS = 3;
/** The network's first day (supply-network.ts DAY0) plus a margin past the first harvests. */
const EXPORT_START = Date.parse('2025-01-01T00:00:00-07:00') + 30 * 86_400_000;
const DAY_MS = 86_400_000;

/** GET /api/v1/exports/fsma204.csv?from&to through app.inject: status and data rows (CRLF lines after the header; the generated KDEs hold no line breaks). */
async function exportWindow(app: FastifyInstance, fromTs: number, toTs: number): Promise<{ rows: number; ms: number }> {
  const url = `/api/v1/exports/fsma204.csv?from=${new Date(fromTs).toISOString()}&to=${new Date(toTs).toISOString()}`;
  const start = performance.now();
  const response = await app.inject(url);
  const ms = performance.now() - start;
  if (response.statusCode !== 200) throw new Error(`bench trace: export ${url}: HTTP ${response.statusCode} ${response.body.slice(0, 200)}`);
  let rows = -1; // the header
  for (let i = response.body.indexOf('\r\n'); i !== -1; i = response.body.indexOf('\r\n', i + 2)) rows++;
  return { rows, ms };
}

/**
 * fsma_export_100k_rows_s per store: the sortable spreadsheet of an event-time window holding
 * about 100,000 rows (one per CTE and one per transformation input), streamed by the route page
 * by page and collected by app.inject; the median of EXPORT_REPEATS runs. The window's length
 * comes from the rows of one day.
 */
async function fsmaExportRate(network: LoadedNetwork, report: Report): Promise<void> {
  for (const { name, store } of network.stores) {
    const { app, close } = await appOn(store);
    try {
      const day = await exportWindow(app, EXPORT_START, EXPORT_START + DAY_MS);
      if (day.rows === 0) throw new Error(`bench trace: export: no events on ${new Date(EXPORT_START).toISOString()} (network too small?)`);
      const days = Math.max(1, Math.round(EXPORT_ROWS / day.rows));
      const runs: Array<{ rows: number; ms: number }> = [];
      for (let i = 0; i < EXPORT_REPEATS; i++) runs.push(await exportWindow(app, EXPORT_START, EXPORT_START + days * DAY_MS));
      runs.sort((a, b) => a.ms - b.ms);
      const median = runs[Math.floor(runs.length / 2)]!;
      report({
        bench: 'trace', metric: 'fsma_export_100k_rows_s', value: round(median.rows / (median.ms / 1000)), unit: 'rows/s',
        store: name, rows: median.rows, window_days: days, export_ms: round(median.ms), repeats: EXPORT_REPEATS,
        lots: network.lots, events: network.events,
        measured: 'GET /api/v1/exports/fsma204.csv?from&to via app.inject (pages of the event-time index, CSV streamed, body collected)',
      });
    } finally {
      await close();
    }
  }
}

/** Loads the network and draws the traced lots; the list of every TLC stays in here and becomes garbage. */
async function loadAndSample(
  options: SupplyNetworkOptions, sampling: TraceSampling, inThread: boolean,
  stores: ReadonlyArray<{ name: 'sqlite' | 'postgres'; store: Store }>, targets: LoadTargets,
): Promise<LoadedNetwork> {
  const loaded = await (inThread ? loadNetwork : loadNetworkInWorker)(options, targets);
  return {
    lots: loaded.lots.length,
    samples: { warmup: sample(loaded.lots, sampling.warmup, 1), back: sample(loaded.lots, sampling.traced, 17), forward: sample(loaded.lots, sampling.traced, 29) },
    events: loaded.events, lineageEdges: loaded.lineageEdges, loadSeconds: loaded.seconds,
    stores: stores.map((s) => ({ ...s, insertSeconds: loaded.insertSeconds[s.name] ?? 0 })),
  };
}

export interface BenchTraceOptions {
  network?: SupplyNetworkOptions;
  sampling?: TraceSampling;
  /** Load in this thread instead of a worker (tests: a worker cannot load TypeScript sources). */
  loadInThread?: boolean;
}

export async function benchTrace(report: Report, { network: options = BENCH_NETWORK, sampling = SAMPLING, loadInThread = false }: BenchTraceOptions = {}): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'freshtrail-bench-trace-'));
  const cleanup: Array<() => Promise<void>> = [];
  try {
    const sqlitePath = join(dir, 'trace.sqlite');
    const sqlite = openSqliteStore({ path: sqlitePath }); // synchronous=FULL, as in production
    cleanup.push(() => sqlite.close());
    const stores: Array<{ name: 'sqlite' | 'postgres'; store: Store }> = [{ name: 'sqlite', store: sqlite }];
    let postgresUrl: string | undefined;
    if (await serviceAnswers(PG_HOST, PG_PORT)) {
      const database = await createTestDatabase();
      cleanup.push(() => database.drop());
      const postgres = await openPostgresStore({ url: database.url });
      cleanup.push(() => postgres.close());
      stores.push({ name: 'postgres', store: postgres });
      postgresUrl = database.url;
    } else {
      process.stderr.write(`bench trace: PostgreSQL on ${PG_HOST}:${PG_PORT} does not answer; skipping store=postgres\n`);
    }
    const network = await loadAndSample(options, sampling, loadInThread, stores, { sqlitePath, ...(postgresUrl ? { postgresUrl } : {}) });
    for (const measure of MEASUREMENTS) await measure(network, report);
  } finally {
    for (const close of cleanup.reverse()) await close();
    rmSync(dir, { recursive: true, force: true });
  }
}
