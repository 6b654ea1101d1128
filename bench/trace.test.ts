/**
 * `freshtrail bench trace` on a small network (the same code path as the real run, loaded in
 * this thread): it prints trace_p50_ms / trace_p99_ms per store and direction and
 * fsma_export_100k_rows_s per store, and the export's row count is the number of spreadsheet
 * rows (docs/events.md §10: one per CTE; a transformation one per input × output pair) of the
 * generated events in the measured window, counted here independently of the stores.
 * PostgreSQL is skipped with a notice when 127.0.0.1:5432 does not answer (a failure under CI=true).
 */
import { describe, expect, it } from 'vitest';
import { parseCteRecord } from '../ingest/events/cte.js';
import { rowsOf } from '../ingest/exports/fsma204.js';
import { PG_HOST, PG_PORT } from '../ingest/store/postgres/test-database.js';
import { skipWithoutService } from '../test/support/tools.js';
import type { BenchResult } from './report.js';
import { supplyNetwork, type SupplyNetworkOptions } from './supply-network.js';
import { benchTrace } from './trace.js';

const NETWORK: SupplyNetworkOptions = { seed: 11, processingRuns: 6, wholeLots: 240, days: 60 };
const DAY_MS = 86_400_000;

describe('bench trace', () => {
  it('measures trace latency and the FSMA export on every store, counting the rows it exported', { timeout: 120_000 }, async () => {
    const stores = ['sqlite', ...((await skipWithoutService('PostgreSQL', PG_HOST, PG_PORT)) ? [] : ['postgres'])];
    const lines: BenchResult[] = [];
    await benchTrace((r) => lines.push(r), { network: NETWORK, sampling: { warmup: 5, traced: 40 }, loadInThread: true });

    const events = [...supplyNetwork(NETWORK)].flatMap((chunk) => chunk.records.map(parseCteRecord));
    const lots = [...supplyNetwork(NETWORK)].reduce((n, chunk) => n + chunk.lots.length, 0);
    for (const store of stores) {
      for (const direction of ['back', 'forward']) {
        const trace = lines.filter((l) => l.store === store && l.direction === direction);
        expect(trace.map((l) => l.metric).sort()).toEqual(['trace_p50_ms', 'trace_p99_ms']);
        for (const l of trace) {
          expect(l).toMatchObject({ bench: 'trace', unit: 'ms', lots, events: events.length, traced: 40 });
          expect(l.value).toBeGreaterThan(0);
          expect(l.mean_nodes).toBeGreaterThan(1);
        }
      }
      const exported = lines.filter((l) => l.store === store && l.metric === 'fsma_export_100k_rows_s');
      expect(exported).toHaveLength(1);
      const line = exported[0]!;
      expect(line.unit).toBe('rows/s');
      expect(line.value).toBeGreaterThan(0);
      // The measured window: from day 30 of the network for window_days days.
      const from = Date.parse('2025-01-01T00:00:00-07:00') + 30 * DAY_MS;
      const to = from + Number(line.window_days) * DAY_MS;
      const expected = events.filter((e) => e.eventTime >= from && e.eventTime < to).reduce((n, e) => n + rowsOf(e).length, 0);
      expect(expected).toBeGreaterThan(0);
      expect(line.rows).toBe(expected);
    }
  });
});
