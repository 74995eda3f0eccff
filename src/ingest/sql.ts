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
}

const q = (name: string): string => `"${name}"`;

/** `jsonb_to_recordset($n::jsonb) AS alias(cols)` for the given columns. */
export function recordset(param: number, alias: string, columns: readonly ColumnSpec[]): string {
  return `jsonb_to_recordset($${param}::jsonb) AS ${alias}(${columns.map((c) => `${q(c.name)} ${c.type}`).join(', ')})`;
}

/**
 * One statement that inserts the rows that are new, updates the existing rows whose
 * values differ (and only those: `updatedAt` of an unchanged row never moves, so a
 * repeated batch leaves the table byte for byte as it was), and reports per row
 * what happened. New rows are inserted only when absent from the statement's snapshot,
 * so repeated batches do not consume sequence values; ON CONFLICT covers a concurrent
 * insert of the same externalId.
 */
export function upsertStatement(table: string, columns: readonly ColumnSpec[]): string {
  const all: ColumnSpec[] = [{ name: 'externalId', type: 'text' }, ...columns];
  const t = q(table);
  const names = columns.map((c) => q(c.name));
  const current = (alias: string) => `(${names.map((n) => `${alias}.${n}`).join(', ')})`;
  const assign = (from: string) => [...names.map((n) => `${n} = ${from}.${n}`), `"updatedAt" = CURRENT_TIMESTAMP`].join(', ');
  return `WITH x AS (SELECT * FROM ${recordset(1, 'r', all)}),
upd AS (
  UPDATE ${t} AS t SET ${assign('x')}
  FROM x
  WHERE t."externalId" = x."externalId" AND ${current('t')} IS DISTINCT FROM ${current('x')}
  RETURNING t.id, t."externalId"
),
ins AS (
  INSERT INTO ${t} (${all.map((c) => q(c.name)).join(', ')})
  SELECT ${all.map((c) => `x.${q(c.name)}`).join(', ')} FROM x
  WHERE NOT EXISTS (SELECT 1 FROM ${t} AS t WHERE t."externalId" = x."externalId")
  ON CONFLICT ("externalId") DO UPDATE SET ${assign('EXCLUDED')}
  WHERE ${current(t)} IS DISTINCT FROM ${current('EXCLUDED')}
  RETURNING id, "externalId", (xmax = 0) AS inserted
)
SELECT id, "externalId", CASE WHEN inserted THEN 'created' ELSE 'updated' END AS outcome FROM ins
UNION ALL SELECT id, "externalId", 'updated' FROM upd
UNION ALL SELECT t.id, t."externalId", 'unchanged' FROM ${t} AS t JOIN x ON t."externalId" = x."externalId"
  WHERE NOT EXISTS (SELECT 1 FROM upd WHERE upd.id = t.id)`;
}

/** Runs an upsert statement for the given records (objects keyed by column name). */
export async function upsertRows(
  tx: IngestTx,
  table: string,
  columns: readonly ColumnSpec[],
  records: readonly Record<string, unknown>[],
): Promise<UpsertedRow[]> {
  if (records.length === 0) return [];
  const rows = await tx.query<{ id: number; externalId: string; outcome: UpsertedRow['outcome'] }>(
    upsertStatement(table, columns),
    [JSON.stringify(records)],
  );
  const result = rows.map((row) => ({ id: Number(row.id), externalId: row.externalId, outcome: row.outcome }));
  if (result.length < records.length) result.push(...(await concurrentlyInserted(tx, table, records, result)));
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
