/**
 * Reading queries of the SQLite store (schema of migration 2). Two plans:
 * - by location or sensor: walk the (location, ts) or (sensor, ts) index, which yields rows in
 *   (ts, rid) order already, so the LIMIT stops the walk; each row's batch is a row id lookup;
 * - otherwise (a gateway, a time range, or nothing): walk the batches that can hold matching
 *   readings and each batch's row id range, then sort. A first pass over those batches in
 *   min_ts order finds a time by which `limit` matching readings surely exist, so that only
 *   batches starting by then are read and sorted (see {@link tsBound}).
 * CROSS JOIN fixes the loop order (https://www.sqlite.org/optoverview.html#manual_control_of_join_order).
 */
import type Database from 'better-sqlite3';
import { batchRidOf, indexOf, readingRidRange } from './reading-ids.js';
import type { Row } from './sqlite-rows.js';
import type { ReadingQuery } from './types.js';

/** Columns named as toReading (sqlite-rows.ts) reads them. */
const COLUMNS = `b.id AS batch_id, ${indexOf('r')} AS idx, b.gateway, b.seq, r.sensor, r.location, r.ts, r.ts_source, r.temp_c, r.rh, r.battery, r.link, r.src`;

type Param = string | number;
type Prepare = (sql: string) => Database.Statement;

/** WHERE clauses and their parameters, in order. */
class Conditions {
  readonly clauses: string[] = [];
  readonly params: Param[] = [];

  add(clause: string, value: Param | undefined): this {
    if (value !== undefined) {
      this.clauses.push(clause);
      this.params.push(value);
    }
    return this;
  }

  get sql(): string {
    return this.clauses.length > 0 ? `WHERE ${this.clauses.join(' AND ')}` : '';
  }
}

/** Rows for {@link ReadingQuery}, in (ts, rid) order: ties in ts keep arrival order. */
export function queryReadingRows(prepare: Prepare, q: ReadingQuery): Row[] {
  if (q.location !== undefined || q.sensor !== undefined) {
    const where = new Conditions().add('r.location = ?', q.location).add('r.sensor = ?', q.sensor).add('b.gateway = ?', q.gateway);
    where.add('r.ts >= ?', q.from).add('r.ts < ?', q.to);
    const sql = `SELECT ${COLUMNS} FROM readings r CROSS JOIN batches b ON b.rid = ${batchRidOf('r')} ${where.sql} ORDER BY r.ts, r.rid LIMIT ?`;
    return prepare(sql).all(...where.params, q.limit) as Row[];
  }
  const bound = tsBound(prepare, q);
  // A batch can hold readings of [from, to) only if its own range overlaps it.
  const where = batchConditions(q).add('b.min_ts <= ?', bound);
  where.add('r.ts >= ?', q.from).add('r.ts < ?', q.to).add('r.ts <= ?', bound);
  const sql = `SELECT ${COLUMNS} FROM batches b CROSS JOIN readings r ON ${readingRidRange('r', 'b')} ${where.sql} ORDER BY r.ts, r.rid LIMIT ?`;
  return prepare(sql).all(...where.params, q.limit) as Row[];
}

function batchConditions(q: ReadingQuery): Conditions {
  return new Conditions().add('b.gateway = ?', q.gateway).add('b.max_ts >= ?', q.from).add('b.min_ts < ?', q.to);
}

/**
 * A time T such that at least `limit` readings matching `q` have ts ≤ T, or undefined. Batches
 * are taken in min_ts order; T is the largest max_ts seen once the batches lying wholly inside
 * [from, to) hold `limit` readings. Every reading of the answer then has ts ≤ T, and so lies
 * in a batch with min_ts ≤ T. Batches that straddle a bound are not counted, which can only
 * make T later (still correct). When the gateway's batches arrive roughly in time order, as
 * they do, T is reached after about `limit` readings' worth of batches.
 */
function tsBound(prepare: Prepare, q: ReadingQuery): number | undefined {
  const where = batchConditions(q);
  const sql = `SELECT b.min_ts, b.max_ts, b.reading_count FROM batches b ${where.sql} ORDER BY b.min_ts`;
  let counted = 0;
  let bound = -Infinity;
  for (const row of prepare(sql).iterate(...where.params) as IterableIterator<Row>) {
    const minTs = Number(row.min_ts);
    const maxTs = Number(row.max_ts);
    bound = Math.max(bound, maxTs);
    if ((q.from === undefined || minTs >= q.from) && (q.to === undefined || maxTs < q.to)) counted += Number(row.reading_count);
    if (counted >= q.limit) return bound;
  }
  return undefined;
}
