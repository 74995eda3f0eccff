import type { IngestTx } from './hooks.ts';

// Set-based SQL for ingestion: a whole batch travels as one JSON parameter, unpacked
// with jsonb_to_recordset, so a batch of 1000 rows costs a handful of statements
// whatever its size. JSON (rather than one array parameter per column) carries nested
// lists such as tags, and serializes identically on PGlite and node-postgres.

/** A column written by an upsert: its name and SQL type (as in the migration). */
export interface ColumnSpec {
  name: string;
  type: string;
}

/** How an upsert statement treated one row. */
export interface UpsertedRow {
  id: number;
  externalId: string;
  outcome: 'created' | 'updated' | 'unchanged';
  /** The row's DerivedColumns.flag was true. */
  flagged?: boolean;
}

const q = (name: string): string => `"${name}"`;

/** `jsonb_to_recordset($n::jsonb) AS alias(cols)` for the given columns. */
export function recordset(param: number, alias: string, columns: readonly ColumnSpec[]): string {
  return `jsonb_to_recordset($${param}::jsonb) AS ${alias}(${columns.map((c) => `${q(c.name)} ${c.type}`).join(', ')})`;
}

/**
 * Columns a table computes from the rows being written (a ticket's SLA values and
 * event-derived facts), stored by the same statement that writes the row, so a new row
 * is written once. They are computed only for the rows that are new or differ from the
 * stored ones and never make an otherwise equal row count as changed.
 */
export interface DerivedColumns {
  /** Fields of each record that are read by `ctes` but not stored. */
  inputs: readonly ColumnSpec[];
  /**
   * CTEs (each `name AS (…)`, comma-separated) that read `changed` (the batch's rows that
   * are new or differ, as `x` gives them, with `cur_id`: the stored row's id, null when
   * new) and end with `d`: every column of `changed` plus the derived ones, one row
   * per changed row. (`d` carries the rows on, so the writes need no join to it.)
   */
  ctes: string;
  /** Columns of `d` stored with the row, named as in the table. */
  stored: readonly string[];
  /** A boolean column of `d`: the written rows where it is true are reported (UpsertedRow.flagged). */
  flag?: string;
}

/**
 * One statement that inserts the rows that are new, updates the existing rows whose
 * values differ (and only those: `updatedAt` of an unchanged row never moves, so a
 * repeated batch leaves the table byte for byte as it was), and reports per row
 * what happened. New rows are inserted only when absent from the statement's snapshot,
 * so repeated batches do not consume sequence values; ON CONFLICT covers a concurrent
 * insert of the same externalId. With `derived`, the derived columns are written in
 * the same statement (`$1` is the records; `derived.ctes` may use `$2` on).
 */
export function upsertStatement(table: string, columns: readonly ColumnSpec[], derived?: DerivedColumns): string {
  const all: ColumnSpec[] = [{ name: 'externalId', type: 'text' }, ...columns];
  const t = q(table);
  const names = columns.map((c) => q(c.name));
  const derivedNames = (derived?.stored ?? []).map(q);
  const current = (alias: string) => `(${names.map((n) => `${alias}.${n}`).join(', ')})`;
  const assign = (from: string) =>
    [...names, ...derivedNames].map((n) => `${n} = ${from}.${n}`).concat(`"updatedAt" = CURRENT_TIMESTAMP`).join(', ');
  // Rows found stored (cur_id) that the update left alone.
  const unchanged = (from: string) =>
    `SELECT ${from}.cur_id, ${from}."externalId", 'unchanged' FROM ${from} WHERE ${from}.cur_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM upd WHERE upd.id = ${from}.cur_id)`;
  if (!derived) {
    // One probe of the externalId index per row finds the stored row (cur_id) and tells
    // new, changed and unchanged rows apart; the update re-checks on the current row.
    return `WITH x AS (
  SELECT r.*, cur.id AS cur_id FROM ${recordset(1, 'r', all)} LEFT JOIN ${t} AS cur ON cur."externalId" = r."externalId"
),
upd AS (
  UPDATE ${t} AS t SET ${assign('x')}
  FROM x
  WHERE t.id = x.cur_id AND ${current('t')} IS DISTINCT FROM ${current('x')}
  RETURNING t.id, t."externalId"
),
ins AS (
  INSERT INTO ${t} (${all.map((c) => q(c.name)).join(', ')})
  SELECT ${all.map((c) => `x.${q(c.name)}`).join(', ')} FROM x
  WHERE x.cur_id IS NULL
  ON CONFLICT ("externalId") DO UPDATE SET ${assign('EXCLUDED')}
  WHERE ${current(t)} IS DISTINCT FROM ${current('EXCLUDED')}
  RETURNING id, "externalId", (xmax = 0) AS inserted
)
SELECT id, "externalId", CASE WHEN inserted THEN 'created' ELSE 'updated' END AS outcome FROM ins
UNION ALL SELECT id, "externalId", 'updated' FROM upd
UNION ALL ${unchanged('x')}`;
  }
  const inputs = [...all, ...derived.inputs];
  // The batch's order numbers the rows (ord), so new rows get ids in input order.
  return `WITH x AS (
  SELECT * FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (${inputs.map((c) => `${q(c.name)} ${c.type}`).join(', ')}))
    WITH ORDINALITY AS r(${inputs.map((c) => q(c.name)).join(', ')}, ord)
),
xc AS (
  SELECT x.*, cur.id AS cur_id, (cur.id IS NULL OR ${current('cur')} IS DISTINCT FROM ${current('x')}) AS differs
  FROM x LEFT JOIN ${t} AS cur ON cur."externalId" = x."externalId"
),
changed AS (
  SELECT ${inputs.map((c) => q(c.name)).join(', ')}, ord, cur_id FROM xc WHERE differs
),
${derived.ctes},
upd AS (
  UPDATE ${t} AS t SET ${assign('x')}
  FROM d AS x
  WHERE t.id = x.cur_id AND ${current('t')} IS DISTINCT FROM ${current('x')}
  RETURNING t.id, t."externalId"
),
ins AS (
  INSERT INTO ${t} (${[...all.map((c) => q(c.name)), ...derivedNames].join(', ')})
  SELECT ${[...all.map((c) => q(c.name)), ...derivedNames].map((n) => `x.${n}`).join(', ')} FROM d AS x
  WHERE x.cur_id IS NULL
  ORDER BY x.ord
  ON CONFLICT ("externalId") DO UPDATE SET ${assign('EXCLUDED')}
  WHERE ${current(t)} IS DISTINCT FROM ${current('EXCLUDED')}
  RETURNING id, "externalId", (xmax = 0) AS inserted
)
SELECT id, "externalId", CASE WHEN inserted THEN 'created' ELSE 'updated' END AS outcome FROM ins
UNION ALL SELECT id, "externalId", 'updated' FROM upd
UNION ALL ${unchanged('xc')}${derived.flag ? `
UNION ALL SELECT NULL::int, d."externalId", 'flagged' FROM d WHERE d.${q(derived.flag)}` : ''}`;
}

/** Runs an upsert statement for the given records (objects keyed by column name). */
export async function upsertRows(
  tx: IngestTx,
  table: string,
  columns: readonly ColumnSpec[],
  records: readonly Record<string, unknown>[],
  derived?: { columns: DerivedColumns; params: unknown[] },
): Promise<UpsertedRow[]> {
  if (records.length === 0) return [];
  const rows = await tx.query<{ id: number; externalId: string; outcome: UpsertedRow['outcome'] | 'flagged' }>(
    upsertStatement(table, columns, derived?.columns),
    [JSON.stringify(records), ...(derived?.params ?? [])],
  );
  const flagged = new Set(rows.filter((row) => row.outcome === 'flagged').map((row) => row.externalId));
  const result: UpsertedRow[] = [];
  for (const row of rows) {
    if (row.outcome === 'flagged') continue;
    result.push({ id: Number(row.id), externalId: row.externalId, outcome: row.outcome, ...(flagged.has(row.externalId) ? { flagged: true } : {}) });
  }
  if (result.length < records.length) result.push(...(await concurrentlyInserted(tx, table, records, result)));
  if (derived) {
    // The derived path's joins do not keep the batch's order; callers get it back.
    const position = new Map(records.map((record, index) => [String(record.externalId), index]));
    result.sort((a, b) => (position.get(a.externalId) ?? 0) - (position.get(b.externalId) ?? 0));
  }
  return result;
}

/**
 * The rows a concurrent writer inserted, with the same values, between this statement's
 * snapshot and its insert: ON CONFLICT found them equal, so the statement reports
 * nothing for them. They are unchanged by this call, so the counts add up to the rows
 * sent; a later statement of the transaction sees them and gives their ids.
 */
async function concurrentlyInserted(
  tx: IngestTx,
  table: string,
  records: readonly Record<string, unknown>[],
  reported: readonly UpsertedRow[],
): Promise<UpsertedRow[]> {
  const seen = new Set(reported.map((row) => row.externalId));
  const missing = records.map((record) => String(record.externalId)).filter((externalId) => !seen.has(externalId));
  if (missing.length === 0) return [];
  const rows = await tx.query<{ id: number; externalId: string }>(
    `SELECT id, "externalId" FROM ${q(table)} WHERE "externalId" IN (SELECT jsonb_array_elements_text($1::jsonb))`,
    [JSON.stringify(missing)],
  );
  return rows.map((row) => ({ id: Number(row.id), externalId: row.externalId, outcome: 'unchanged' as const }));
}

/** The kinds of entity a row can reference by externalId. */
export type RefKind = 'Team' | 'Agent' | 'Customer' | 'Category' | 'Ticket';

/** Looks up ids by externalId for several kinds at once, in one statement. */
export async function resolveExternalIds(
  tx: IngestTx,
  wanted: ReadonlyMap<RefKind, ReadonlySet<string>>,
): Promise<Map<RefKind, Map<string, number>>> {
  const result = new Map<RefKind, Map<string, number>>();
  const parts: string[] = [];
  const params: string[] = [];
  for (const [kind, ids] of wanted) {
    result.set(kind, new Map());
    if (ids.size === 0) continue;
    params.push(JSON.stringify([...ids]));
    // `kind` comes from the RefKind union, never from input.
    parts.push(
      `SELECT '${kind}' AS kind, "externalId", id FROM "${kind}" WHERE "externalId" IN (SELECT jsonb_array_elements_text($${params.length}::jsonb))`,
    );
  }
  if (parts.length === 0) return result;
  const rows = await tx.query<{ kind: RefKind; externalId: string; id: number }>(parts.join('\nUNION ALL\n'), params);
  for (const row of rows) result.get(row.kind)?.set(row.externalId, Number(row.id));
  return result;
}
