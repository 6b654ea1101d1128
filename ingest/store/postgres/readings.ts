/**
 * Reading queries of the PostgreSQL store: the two plans of ../sqlite-readings.ts on the same
 * schema and the same rid arithmetic (../reading-ids.ts), in PostgreSQL SQL.
 * - by location or sensor: the (location, ts) or (sensor, ts) index, each row's batch by rid;
 * - otherwise: the batches that can hold matching readings, each batch's rid range, then a sort,
 *   bounded by a time T by which `limit` matching readings surely exist (see {@link TS_BOUND}).
 * Order is (ts, rid): ties in ts keep arrival order, as in SQLite. (rid comes from an identity
 * column, drawn at INSERT: of two batches committed concurrently by different connections, the
 * one inserted first counts as arrived first, even if it commits second.)
 */
import type pg from 'pg';
import { batchRidOf, indexOf, readingRidRange } from '../reading-ids.js';
import type { Row } from '../sqlite-rows.js';
import type { ReadingQuery } from '../types.js';

/** Columns named as toReading (../sqlite-rows.ts) reads them. */
const COLUMNS = `b.id AS batch_id, ${indexOf('r')} AS idx, b.gateway, b.seq, r.sensor, r.location, r.ts, r.ts_source, r.temp_c, r.rh, r.battery, r.link, r.src`;

type Param = string | number;

/** WHERE clauses with numbered parameters ($1, $2, …), in order. */
class Conditions {
  readonly clauses: string[] = [];
  readonly params: Param[] = [];

  add(clause: (placeholder: string) => string, value: Param | undefined): this {
    if (value !== undefined) {
      this.params.push(value);
      this.clauses.push(clause(`$${this.params.length}`));
    }
    return this;
  }

  /** The placeholder of one more parameter (LIMIT). */
  next(value: Param): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  get sql(): string {
    return this.clauses.length > 0 ? `WHERE ${this.clauses.join(' AND ')}` : '';
  }
}

/** Rows for {@link ReadingQuery}, in (ts, rid) order. */
export async function queryReadingRows(db: pg.Pool | pg.ClientBase, q: ReadingQuery): Promise<Row[]> {
  if (q.location !== undefined || q.sensor !== undefined) {
    const where = new Conditions().add((p) => `r.location = ${p}`, q.location).add((p) => `r.sensor = ${p}`, q.sensor).add((p) => `b.gateway = ${p}`, q.gateway);
    where.add((p) => `r.ts >= ${p}`, q.from).add((p) => `r.ts < ${p}`, q.to);
    const sql = `SELECT ${COLUMNS} FROM readings r JOIN batches b ON b.rid = ${batchRidOf('r')} ${where.sql} ORDER BY r.ts, r.rid LIMIT ${where.next(q.limit)}`;
    return (await db.query<Row>(sql, where.params)).rows;
  }
  const bound = await tsBound(db, q);
  // A batch can hold readings of [from, to) only if its own range overlaps it.
  const where = batchConditions(q).add((p) => `b.min_ts <= ${p}`, bound);
  where.add((p) => `r.ts >= ${p}`, q.from).add((p) => `r.ts < ${p}`, q.to).add((p) => `r.ts <= ${p}`, bound);
  const sql = `SELECT ${COLUMNS} FROM batches b JOIN readings r ON ${readingRidRange('r', 'b')} ${where.sql} ORDER BY r.ts, r.rid LIMIT ${where.next(q.limit)}`;
  return (await db.query<Row>(sql, where.params)).rows;
}

function batchConditions(q: ReadingQuery): Conditions {
  return new Conditions().add((p) => `b.gateway = ${p}`, q.gateway).add((p) => `b.max_ts >= ${p}`, q.from).add((p) => `b.min_ts < ${p}`, q.to);
}

/**
 * A time T such that at least `limit` readings matching `q` have ts ≤ T, or undefined: the
 * rule of tsBound in ../sqlite-readings.ts (batches in min_ts order; T is the largest max_ts
 * seen once the batches lying wholly inside [from, to) hold `limit` readings), computed by
 * running window aggregates in one statement instead of a client-side cursor. The window is
 * evaluated row by row, so LIMIT 1 stops the scan at the first batch that reaches `limit`.
 */
async function tsBound(db: pg.Pool | pg.ClientBase, q: ReadingQuery): Promise<number | undefined> {
  const where = batchConditions(q);
  // The same bounds again for the "wholly inside" test; numbered after the WHERE parameters.
  const fromP = q.from === undefined ? undefined : where.next(q.from);
  const toP = q.to === undefined ? undefined : where.next(q.to);
  const wholly = [fromP ? `b.min_ts >= ${fromP}` : 'TRUE', toP ? `b.max_ts < ${toP}` : 'TRUE'].join(' AND ');
  const limitP = where.next(q.limit);
  const sql = `SELECT bound FROM (
      SELECT MAX(b.max_ts) OVER w AS bound, SUM(CASE WHEN ${wholly} THEN b.reading_count ELSE 0 END) OVER w AS counted
      FROM batches b ${where.sql}
      WINDOW w AS (ORDER BY b.min_ts, b.rid ROWS UNBOUNDED PRECEDING)
    ) running WHERE counted >= ${limitP} LIMIT 1`;
  const row = (await db.query<{ bound: string }>(sql, where.params)).rows[0];
  return row ? Number(row.bound) : undefined;
}
