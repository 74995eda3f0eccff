import { allColumns, type TablePlan } from './plan.ts';

/** One row of an export: the raw GraphQL values, one per column, in column order. */
export type Row = unknown[];

/** Follows response keys through an object; undefined when a step is missing or null. */
export function valueAt(source: unknown, path: readonly string[]): unknown {
  let current = source;
  for (const key of path) {
    if (current === null || current === undefined || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/**
 * The rows one list item gives: its own columns, times the rows of its nested list
 * (a nested list that is empty or null still gives one row, with empty inner cells).
 */
export function rowsOfItem(item: unknown, plan: TablePlan): Row[] {
  const own = plan.columns.map((column) => valueAt(item, column.path) ?? null);
  if (!plan.nested) return [own];
  const inner = valueAt(item, plan.nested.listPath);
  if (!Array.isArray(inner) || inner.length === 0) {
    return [[...own, ...allColumns(plan.nested).map(() => null)]];
  }
  return inner.flatMap((child) => rowsOfItem(child, plan.nested!).map((row) => [...own, ...row]));
}

/**
 * The rows of a result: one per item of the planned list (with nested lists expanded),
 * or a single row read from the data root when the plan names no list.
 */
export function rowsOfResult(data: unknown, plan: TablePlan, isList: boolean): Row[] {
  if (!isList) return rowsOfItem(data, plan);
  const list = valueAt(data, plan.listPath);
  if (!Array.isArray(list)) return [];
  return list.flatMap((item) => rowsOfItem(item, plan));
}
