/**
 * What differs between the stores' SQL beyond placeholders (`?` for both; PostgreSQL numbers
 * them): how a list is bound as one parameter, how a member of a JSON text column is read, and
 * the row lock recordEvents takes.
 */
/** A column in a list bound as one parameter: json_each in SQLite, text[] in PostgreSQL. */
export interface Dialect {
  inSet(column: string): string;
  setParam(values: readonly string[]): unknown;
  /**
   * Appended to the read of an event's lots in recordEvents. PostgreSQL locks their rows (FOR
   * UPDATE, sorted so that two transactions lock shared lots in the same order); SQLite needs
   * nothing: its IMMEDIATE transaction holds the write lock already.
   */
  lockLots: string;
  /** The text at `path` in the JSON text of `column` (SQL NULL when absent). */
  jsonText(column: string, path: readonly string[]): string;
}
export const SQLITE_DIALECT: Dialect = {
  inSet: (c) => `${c} IN (SELECT value FROM json_each(?))`,
  setParam: (v) => JSON.stringify(v),
  lockLots: '',
  jsonText: (c, path) => `json_extract(${c}, '$.${path.join('.')}')`,
};
export const PG_DIALECT: Dialect = {
  inSet: (c) => `${c} = ANY(?::text[])`,
  setParam: (v) => [...v],
  lockLots: ' ORDER BY id FOR UPDATE',
  jsonText: (c, path) => `(${c}::jsonb #>> '{${path.join(',')}}')`,
};
