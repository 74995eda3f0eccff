import type { SqlDriver } from '../src/db/client.ts';

/** A driver or a transaction on it: anything that runs one statement. */
export type SqlRunner = Pick<SqlDriver, 'query'>;

/** The SQL type of a column, for the array parameter that carries its values. */
export type ColumnType =
  | 'int' | 'text' | 'bool' | 'ms' | 'tags' | 'jsonb'
  | '"Channel"' | '"Priority"' | '"TicketStatus"' | '"CustomerTier"' | '"FeedbackKind"' | '"TicketEventType"'
  | '"Priority"[]';

/** One column to load: its name in the table, its type, and one value per row. */
export interface Column {
  name: string;
  type: ColumnType;
  values: readonly unknown[];
}

function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (m) => `\\${m}`)}"`;
}

function element(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (Array.isArray(value)) return quote(pgArrayLiteral(value));
  return quote(String(value));
}

/**
 * A PostgreSQL array literal (`{1,NULL,"a\"b"}`). Passing arrays as text works the
 * same through node-postgres and PGlite, which knows no enum array types.
 */
export function pgArrayLiteral(values: readonly unknown[]): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i += 1) parts[i] = element(values[i]);
  return `{${parts.join(',')}}`;
}

// Instants travel as epoch milliseconds: exact, compact and free of time-zone parsing.
function selectExpr(column: Column, alias: string): string {
  switch (column.type) {
    case 'ms':
      return `'epoch'::timestamptz + ${alias} * interval '1 millisecond'`;
    case 'tags':
      return `string_to_array(${alias}, '|')`;
    case 'jsonb':
      return `${alias}::jsonb`;
    case '"Priority"[]':
      return `${alias}::"Priority"[]`;
    default:
      return alias;
  }
}

function arrayType(column: Column): string {
  switch (column.type) {
    case 'ms':
      return 'float8[]';
    case 'tags':
    case 'jsonb':
    case '"Priority"[]':
      return 'text[]';
    default:
      return `${column.type}[]`;
  }
}

/**
 * Inserts rows given column by column with one `INSERT … SELECT FROM unnest(…)`:
 * one statement and one parameter per column, whatever the number of rows.
 * `constants` are columns with the same value in every row (`updatedAt`).
 */
export async function insertColumns(
  db: SqlRunner,
  table: string,
  columns: Column[],
  constants: Record<string, { sql: string; value: unknown }> = {},
): Promise<void> {
  const rows = columns[0]?.values.length ?? 0;
  if (rows === 0) return;
  const aliases = columns.map((_, i) => `c${i}`);
  const params: unknown[] = columns.map((c) => pgArrayLiteral(c.values));
  const names = columns.map((c) => `"${c.name}"`);
  const exprs = columns.map((c, i) => selectExpr(c, `u.${aliases[i]}`));
  for (const [name, constant] of Object.entries(constants)) {
    params.push(constant.value);
    names.push(`"${name}"`);
    exprs.push(`$${params.length}::${constant.sql}`);
  }
  const unnest = columns.map((c, i) => `$${i + 1}::${arrayType(c)}`).join(', ');
  await db.query(
    `INSERT INTO "${table}" (${names.join(', ')})
     SELECT ${exprs.join(', ')} FROM unnest(${unnest}) AS u(${aliases.join(', ')})`,
    params,
  );
}
