/**
 * Loading the trace bench's network (trace.ts): records are generated, parsed as the events
 * route parses them (parseCteRecord), planned by the store's own per-event plan in memory and
 * bulk-inserted into every target in one pass (bulk-load.ts), SQLite on this thread while
 * PostgreSQL works on the previous chunk (the loop yields often, so that its next statement
 * goes out as soon as the previous one is done).
 *
 * The pass runs in a worker thread with a large young generation: it makes ~15 GB of
 * short-lived objects while holding ~1 GB of lot and custody state, and with Node's default
 * 16 MB semi-spaces half of its time went to the garbage collector.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { parseCteRecord } from '../ingest/events/cte.js';
import type { LotEvent } from '../ingest/events/types.js';
import { BulkPlanner, pgBulkSink, sqliteBulkSink, type BulkSink } from './bulk-load.js';
import { supplyNetwork, type SupplyNetworkOptions } from './supply-network.js';

const EVENTS_PER_CHUNK = 10_000;
export const RECORDED_AT = Date.parse('2026-01-01T00:00:00Z');

/** Databases to load; each already has the store's schema (opened through its store). */
export interface LoadTargets {
  sqlitePath?: string;
  postgresUrl?: string;
}

export interface LoadResult {
  /** Every TLC, in generation order. */
  lots: string[];
  events: number;
  lineageEdges: number;
  /** Wall time of the pass: generating, parsing, planning and every target's inserts. */
  seconds: number;
  /** Seconds each target's inserts took (PostgreSQL's overlap the next chunk's generation), VACUUM ANALYZE included. */
  insertSeconds: { sqlite?: number; postgres?: number };
}

interface Target {
  name: 'sqlite' | 'postgres';
  sink: BulkSink;
  seconds: number;
  /** After the last insert: what the database would do by itself after such a load. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

function openTargets(targets: LoadTargets): Target[] {
  const open: Target[] = [];
  if (targets.sqlitePath) {
    const db = new Database(targets.sqlitePath);
    db.pragma('foreign_keys = ON');
    open.push({ name: 'sqlite', sink: sqliteBulkSink(db), seconds: 0, settle: async () => undefined, close: async () => void db.close() });
  }
  if (targets.postgresUrl) {
    const pool = new pg.Pool({ connectionString: targets.postgresUrl, max: 1 });
    open.push({
      name: 'postgres', sink: pgBulkSink(pool), seconds: 0,
      // As autovacuum would: the visibility map (index-only scans) and planner statistics.
      settle: async () => void (await pool.query('VACUUM ANALYZE lots, lot_custody, lot_events, lot_event_lots, lot_lineage')),
      close: () => pool.end(),
    });
  }
  return open;
}

async function timed(target: Target, fn: () => Promise<void>): Promise<void> {
  const start = performance.now();
  await fn();
  target.seconds += (performance.now() - start) / 1000;
}

/** The pass, in this thread. */
export async function loadNetwork(options: SupplyNetworkOptions, where: LoadTargets): Promise<LoadResult> {
  const start = performance.now();
  const targets = openTargets(where);
  try {
    const planner = new BulkPlanner();
    const lots: string[] = [];
    let events = 0;
    let lineageEdges = 0;
    let inFlight: Promise<unknown> = Promise.resolve();
    let chunk: LotEvent[] = [];
    const flush = async (): Promise<void> => {
      const rows = planner.plan(chunk, RECORDED_AT);
      events += chunk.length;
      lineageEdges += rows.edges.length;
      chunk = [];
      await inFlight; // one chunk in flight bounds memory
      inFlight = Promise.all(targets.map((t) => timed(t, () => t.sink.write(rows))));
    };
    let units = 0;
    for (const unit of supplyNetwork(options)) {
      // Let PostgreSQL's replies in: each insert of a chunk waits for this thread to send the next.
      if (++units % 16 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      for (const record of unit.records) chunk.push(parseCteRecord(record));
      lots.push(...unit.lots);
      if (chunk.length >= EVENTS_PER_CHUNK) await flush();
    }
    if (chunk.length > 0) await flush();
    await inFlight;
    const custody = planner.custodyRows();
    await Promise.all(targets.map((t) => timed(t, () => t.sink.finish(custody))));
    await Promise.all(targets.map((t) => timed(t, () => t.settle())));
    const insertSeconds = Object.fromEntries(targets.map((t) => [t.name, t.seconds]));
    return { lots, events, lineageEdges, seconds: (performance.now() - start) / 1000, insertSeconds };
  } finally {
    for (const t of targets) await t.close();
  }
}

interface LoadJob {
  kind: 'freshtrail-trace-load';
  options: SupplyNetworkOptions;
  targets: LoadTargets;
}

/** The pass in a worker thread (see the module comment); only the result crosses over. */
export function loadNetworkInWorker(options: SupplyNetworkOptions, targets: LoadTargets): Promise<LoadResult> {
  const job: LoadJob = { kind: 'freshtrail-trace-load', options, targets };
  const worker = new Worker(new URL(import.meta.url), { workerData: job, resourceLimits: { maxYoungGenerationSizeMb: 512, maxOldGenerationSizeMb: 8192 } });
  return new Promise((resolve, reject) => {
    worker.once('message', (m: { result?: LoadResult; error?: string }) => (m.result ? resolve(m.result) : reject(new Error(m.error))));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`bench trace: the loader thread exited (${code}) without a result`)));
  });
}

const job = workerData as LoadJob | undefined;
if (!isMainThread && job?.kind === 'freshtrail-trace-load') {
  loadNetwork(job.options, job.targets).then(
    (result) => parentPort!.postMessage({ result }),
    (err: unknown) => parentPort!.postMessage({ error: err instanceof Error ? err.stack ?? err.message : String(err) }),
  );
}
