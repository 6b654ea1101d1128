/**
 * Bulk loading of lot events for benches: the rows `store.recordEvents` would write, derived by
 * the store's own per-event plan ({@link planEvent}: TLC rule, lineage, custody) run against an
 * in-memory view of lots and custody instead of database reads, then inserted in large
 * multi-row statements. Recording 5,300,000 events one by one through recordEvents takes more
 * than 11 minutes on SQLite and hours on PostgreSQL (about ten round trips per event); this
 * writes the same tables and columns (bulk-load.test.ts proves equal contents and traces).
 *
 * Only new events: a repeated event id fails on the lot_events primary key (recordEvents would
 * answer 'duplicate' or FT_ERR_CONFLICT). Custody rows change until the end (shipping closes
 * intervals), so they are written once, by {@link BulkSink.finish}.
 */
import type Database from 'better-sqlite3';
import type pg from 'pg';
import type { LotEvent } from '../ingest/events/types.js';
import {
  CLOSE_INTERVAL_SQL,
  eventTlcs,
  INSERT_EDGE_SQL,
  INSERT_EVENT_LOT_SQL,
  INSERT_EVENT_SQL,
  INSERT_LINE_SQL,
  planEvent,
} from '../ingest/store/lot-event-sql.js';
import { INSERT_CUSTODY_SQL } from '../ingest/store/lot-sql.js';
import type { CustodyInterval } from '../ingest/store/lot-types.js';

/** Rows per table, each row in the column order of the table's spec below. */
export interface BulkRows {
  events: unknown[][];
  lots: unknown[][];
  lines: unknown[][];
  edges: unknown[][];
}

/** A table and its columns with their PostgreSQL types (for unnest). */
interface TableSpec {
  table: string;
  columns: ReadonlyArray<readonly [name: string, pgType: string]>;
}

const EVENTS: TableSpec = {
  table: 'lot_events',
  columns: [['event_id', 'text'], ['cte', 'text'], ['event_time', 'bigint'], ['location', 'text'], ['from_location', 'text'], ['to_location', 'text'], ['source', 'text'],
    ['harvest_farm', 'text'], ['harvest_commodity', 'text'], ['harvest_day', 'text'], ['body', 'text'], ['contacts', 'text'], ['recorded_at', 'bigint']],
};
/** INSERT_EVENT_LOT_SQL writes label NULL: the lot API's column, never set by an event. */
const LOTS: TableSpec = { table: 'lots', columns: [['id', 'text'], ['commodity', 'text'], ['created_at', 'bigint'], ['product_description', 'text'], ['assigned_by', 'text']] };
const LINES: TableSpec = {
  table: 'lot_event_lots',
  columns: [['event_id', 'text'], ['idx', 'integer'], ['tlc', 'text'], ['role', 'text'], ['quantity', 'double precision'], ['uom', 'text'], ['event_time', 'bigint']],
};
const EDGES: TableSpec = { table: 'lot_lineage', columns: [['parent_tlc', 'text'], ['child_tlc', 'text'], ['event_id', 'text']] };
const CUSTODY: TableSpec = { table: 'lot_custody', columns: [['lot', 'text'], ['location', 'text'], ['from_ts', 'bigint'], ['to_ts', 'bigint']] };

interface Interval {
  location: string;
  fromTs: number;
  toTs?: number;
}

/**
 * Plans events as recordEvents does, one after the other, keeping the lots and custody the
 * plans create in memory so that each event is planned against what the events before it wrote.
 */
export class BulkPlanner {
  /** TLC → the event that assigned it. */
  private readonly lots = new Map<string, string>();
  private readonly custody = new Map<string, Interval[]>();

  plan(events: readonly LotEvent[], recordedAt: number): BulkRows {
    const rows: BulkRows = { events: [], lots: [], lines: [], edges: [] };
    events.forEach((event, index) => {
      const tlcs = eventTlcs(event);
      const lots = new Map(tlcs.flatMap((t) => (this.lots.has(t) ? [[t, { assignedBy: this.lots.get(t)! }] as const] : [])));
      const open: CustodyInterval[] = tlcs.flatMap((lot) => (this.custody.get(lot) ?? []).filter((c) => c.toTs === undefined).map((c) => ({ lot, location: c.location, fromTs: c.fromTs })));
      const plan = planEvent(event, index, { lots, open }, recordedAt);
      if (plan.status !== 'created') throw new Error('bulk load: planEvent saw no stored event yet answered duplicate');
      for (const [sql, p] of plan.writes) this.apply(sql, p, rows);
    });
    return rows;
  }

  /** Every custody interval, open ones with to_ts NULL. */
  custodyRows(): unknown[][] {
    const rows: unknown[][] = [];
    for (const [lot, intervals] of this.custody) for (const c of intervals) rows.push([lot, c.location, c.fromTs, c.toTs ?? null]);
    return rows;
  }

  /** One write of a plan, interpreted; a statement this loader does not know is an error, so a changed plan cannot be loaded wrong silently. */
  private apply(sql: string, p: unknown[], rows: BulkRows): void {
    switch (sql) {
      case INSERT_EVENT_SQL:
        rows.events.push(p);
        return;
      case INSERT_EVENT_LOT_SQL:
        // (id, commodity, created_at, product_description, assigned_by)
        this.lots.set(String(p[0]), String(p[4]));
        rows.lots.push(p);
        return;
      case INSERT_LINE_SQL:
        rows.lines.push(p);
        return;
      case INSERT_EDGE_SQL:
        rows.edges.push(p);
        return;
      case INSERT_CUSTODY_SQL: {
        const [lot, location, fromTs] = p as [string, string, number];
        const intervals = this.custody.get(lot) ?? [];
        if (intervals.some((c) => c.location === location && c.fromTs === fromTs)) throw new Error(`bulk load: custody (${lot}, ${location}, ${fromTs}) exists (primary key)`);
        intervals.push({ location, fromTs });
        this.custody.set(lot, intervals);
        return;
      }
      case CLOSE_INTERVAL_SQL: {
        // UPDATE lot_custody SET to_ts = ? WHERE lot = ? AND location = ? AND to_ts IS NULL AND from_ts <= ?
        const [toTs, lot, location, by] = p as [number, string, string, number];
        for (const c of this.custody.get(lot) ?? []) if (c.location === location && c.toTs === undefined && c.fromTs <= by) c.toTs = toTs;
        return;
      }
      default:
        throw new Error(`bulk load: unknown write ${sql.slice(0, 60)}`);
    }
  }
}

/** Where planned rows go. write: one chunk (calls do not overlap); finish: the custody rows, once, last. */
export interface BulkSink {
  write(rows: BulkRows): Promise<void>;
  finish(custody: unknown[][]): Promise<void>;
}

/** Inserts into a SQLite store's database, one transaction per call. */
export function sqliteBulkSink(db: Database.Database): BulkSink {
  const insert = (spec: TableSpec): Database.Statement =>
    db.prepare(`INSERT INTO ${spec.table} (${spec.columns.map(([c]) => c).join(', ')}) VALUES (${spec.columns.map(() => '?').join(', ')})`);
  const statements = { events: insert(EVENTS), lots: insert(LOTS), lines: insert(LINES), edges: insert(EDGES), custody: insert(CUSTODY) };
  const write = db.transaction((rows: BulkRows) => {
    // Parents before children (foreign keys): events and lots, then lines and lineage.
    for (const r of rows.events) statements.events.run(r);
    for (const r of rows.lots) statements.lots.run(r);
    for (const r of rows.lines) statements.lines.run(r);
    for (const r of rows.edges) statements.edges.run(r);
  });
  const finish = db.transaction((rows: unknown[][]) => {
    for (const r of rows) statements.custody.run(r);
  });
  return {
    write: async (rows) => write.immediate(rows),
    finish: async (custody) => finish.immediate(custody),
  };
}

const ROWS_PER_STATEMENT = 5_000;

/**
 * One INSERT … SELECT FROM json_to_recordset per ROWS_PER_STATEMENT rows: the rows travel as one
 * JSON text (JSON.stringify is native; pg's text[] serializer escapes every element in JS and
 * cost more than the inserts), and PostgreSQL parses it on its own core.
 */
async function insertPg(client: pg.PoolClient, spec: TableSpec, rows: readonly unknown[][]): Promise<void> {
  const names = spec.columns.map(([c]) => c).join(', ');
  const sql = `INSERT INTO ${spec.table} (${names}) SELECT ${names} FROM json_to_recordset($1::json) AS r(${spec.columns.map(([c, t]) => `${c} ${t}`).join(', ')})`;
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const part = rows.slice(start, start + ROWS_PER_STATEMENT).map((r) => Object.fromEntries(spec.columns.map(([c], i) => [c, r[i]])));
    await client.query(sql, [JSON.stringify(part)]);
  }
}

/** Inserts into a PostgreSQL store's database, one transaction per call. */
export function pgBulkSink(pool: pg.Pool): BulkSink {
  const inTx = async (fn: (client: pg.PoolClient) => Promise<void>): Promise<void> => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await fn(client);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  };
  return {
    write: (rows) =>
      inTx(async (c) => {
        await insertPg(c, EVENTS, rows.events);
        await insertPg(c, LOTS, rows.lots);
        await insertPg(c, LINES, rows.lines);
        await insertPg(c, EDGES, rows.edges);
      }),
    finish: (custody) => inTx((c) => insertPg(c, CUSTODY, custody)),
  };
}
