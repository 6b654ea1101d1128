/** SQL shared by the stores: a WHERE clause built from the filters a query sets. */

type SqlValue = string | number;
/** A condition with `?` placeholders and their values; false or undefined when the filter is not set. */
export type Condition = readonly [clause: string, ...values: SqlValue[]] | false | undefined;

/** `WHERE c1 AND c2 …` ('' when no condition applies) with the values in placeholder order. */
export function whereOf(conditions: readonly Condition[]): { where: string; params: SqlValue[] } {
  const set = conditions.filter((c): c is readonly [string, ...SqlValue[]] => Array.isArray(c));
  return {
    where: set.length === 0 ? '' : `WHERE ${set.map(([clause]) => clause).join(' AND ')}`,
    params: set.flatMap(([, ...values]) => values),
  };
}
