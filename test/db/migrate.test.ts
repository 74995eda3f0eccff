import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, MigrationChecksumError, readMigrations } from '../../src/db/migrate.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';

// The datamodel as Prisma parsed schema.prisma (written by scripts/dmmf-generator.cjs).
interface DmmfField { name: string; kind: string; type: string; isRequired: boolean; isList: boolean; nativeType?: [string, string[]] | null }
interface DmmfModel { name: string; dbName: string | null; fields: DmmfField[] }
interface DmmfIndex { model: string; type: 'id' | 'unique' | 'normal' | 'fulltext'; fields: { name: string }[]; algorithm?: string; dbName?: string }
interface Datamodel { models: DmmfModel[]; enums: { name: string; values: { name: string }[] }[]; indexes: DmmfIndex[] }
const datamodel: Datamodel = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../src/generated/datamodel.json', import.meta.url)), 'utf8'),
);

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase({ migrated: false });
});
afterAll(async () => db?.destroy());

/** The PostgreSQL type Prisma's migrations use for a scalar field. */
function expectedType(field: DmmfField): string {
  const enumNames = new Set(datamodel.enums.map((e) => e.name));
  let base: string;
  if (enumNames.has(field.type)) base = field.type;
  else if (field.nativeType?.[0] === 'Char') base = `character(${field.nativeType[1][0]})`;
  else if (field.type === 'DateTime') base = `timestamp(${field.nativeType?.[1][0] ?? '3'}) with time zone`;
  else base = { Int: 'integer', String: 'text', Boolean: 'boolean', Json: 'jsonb', Float: 'double precision', BigInt: 'bigint' }[field.type] ?? `?${field.type}`;
  return field.isList ? `${base}[]` : base;
}

describe('migrator', () => {
  it('applies every migration once and records it like prisma migrate deploy', async () => {
    const names = readMigrations().map((m) => m.name);
    expect(await migrate(db.driver)).toEqual(names);
    expect(await migrate(db.driver)).toEqual([]);
    const rows = await db.driver.query<{ migration_name: string; checksum: string; finished: boolean; applied_steps_count: number }>(
      `SELECT migration_name, checksum, finished_at IS NOT NULL AS finished, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    expect(rows.map((r) => r.migration_name)).toEqual(names);
    expect(rows.every((r) => r.finished && r.applied_steps_count === 1 && /^[0-9a-f]{64}$/.test(r.checksum))).toBe(true);
  });

  it('refuses a migration edited after it was applied, and changes nothing', async () => {
    const edited = readMigrations().map((m, i) => (i === 0 ? { ...m, sql: `${m.sql}\n-- edit`, checksum: 'x'.repeat(64) } : m));
    await expect(migrate(db.driver, edited)).rejects.toBeInstanceOf(MigrationChecksumError);
  });

  it('rolls back a failing migration completely', async () => {
    const bad = [{ name: '9999_bad', sql: 'CREATE TABLE "Partial" (id int); SELECT 1/0;', checksum: 'b'.repeat(64) }];
    await expect(migrate(db.driver, bad)).rejects.toThrow(/division by zero/);
    const tables = await db.driver.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'Partial'`);
    const recorded = await db.driver.query(`SELECT 1 FROM "_prisma_migrations" WHERE migration_name = '9999_bad'`);
    expect(tables).toHaveLength(0);
    expect(recorded).toHaveLength(0);
  });
});

describe('partial indexes (migration 0017)', () => {
  it('keeps the NULLs of sparse ticket columns out of their indexes', async () => {
    await migrate(db.driver);
    const rows = await db.driver.query<{ name: string; predicate: string | null }>(
      `SELECT i.relname AS name, pg_get_expr(ix.indpred, ix.indrelid) AS predicate
         FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid
        WHERE ix.indrelid = '"Ticket"'::regclass AND ix.indpred IS NOT NULL ORDER BY 1`,
    );
    expect(rows).toEqual(
      ['categoryId', 'firstResponseDueAt', 'reopenReplyAt', 'resolutionDueAt', 'slaPolicyId'].map((column) => ({
        name: `Ticket_${column}_idx`,
        predicate: `("${column}" IS NOT NULL)`,
      })),
    );
  });
});

describe('covering histogram keys (migration 0018)', () => {
  it('carries the count in the primary keys of the histogram tables, for index-only reads', async () => {
    await migrate(db.driver);
    const rows = await db.driver.query<{ name: string; definition: string }>(
      `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS definition FROM pg_class i
        WHERE i.relname IN ('RollupHistogram_pkey', 'RollupSpanHistogram_pkey') ORDER BY 1`,
    );
    expect(rows.map((r) => [r.name, / INCLUDE \(n\)$/.test(r.definition)])).toEqual([
      ['RollupHistogram_pkey', true],
      ['RollupSpanHistogram_pkey', true],
    ]);
  });
});

describe('migrated database matches schema.prisma', () => {
  it('has exactly the enums and values', async () => {
    const rows = await db.driver.query<{ name: string; values: string[] }>(
      `SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS values
         FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
         JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = current_schema()
        GROUP BY t.typname ORDER BY t.typname`,
    );
    const expected = datamodel.enums
      .map((e) => ({ name: e.name, values: e.values.map((v) => v.name) }))
      .sort((a, b) => a.name.localeCompare(b.name));
    expect(rows.map((r) => ({ name: r.name, values: [...r.values] }))).toEqual(expected);
  });

  it('has every model as a table with exactly its columns, types and nullability', async () => {
    const tables = await db.driver.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name <> '_prisma_migrations'`,
    );
    expect(tables.map((t) => t.table_name).sort()).toEqual(datamodel.models.map((m) => m.dbName ?? m.name).sort());
    for (const model of datamodel.models) {
      const columns = await db.driver.query<{ name: string; type: string; nullable: boolean }>(
        `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable
           FROM pg_attribute a WHERE a.attrelid = format('%I', $1::text)::regclass AND a.attnum > 0 AND NOT a.attisdropped
          ORDER BY a.attname`,
        [model.dbName ?? model.name],
      );
      const expected = model.fields
        .filter((f) => f.kind === 'scalar' || f.kind === 'enum')
        .map((f) => ({
          name: f.name,
          type: expectedType(f).replace(/^([A-Z]\w*)(\[\])?$/, '"$1"$2'),
          // Prisma leaves scalar lists nullable in SQL; other required fields are NOT NULL.
          nullable: f.isList ? true : !f.isRequired,
        }))
        .sort((a, b) => (a.name < b.name ? -1 : 1));
      expect(columns, model.name).toEqual(expected);
    }
  });

  it('has exactly the indexes the schema declares, with their columns, uniqueness and method', async () => {
    const rows = await db.driver.query<{ table: string; name: string; columns: string[]; unique: boolean; primary: boolean; method: string }>(
      `SELECT t.relname AS table, i.relname AS name, ix.indisunique AS unique, ix.indisprimary AS primary, am.amname AS method,
              array(SELECT a.attname::text FROM unnest((ix.indkey::int2[])[0:ix.indnkeyatts - 1]) WITH ORDINALITY k(attnum, ord)
                     JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord) AS columns
         FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid
         JOIN pg_am am ON am.oid = i.relam JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = current_schema() AND t.relname <> '_prisma_migrations'`,
    );
    const actual = rows
      .map((r) => ({ table: r.table, name: r.name, columns: [...r.columns], unique: r.unique, primary: r.primary, method: r.method }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    const expected = datamodel.indexes
      .map((index) => {
        const columns = index.fields.map((f) => f.name);
        const suffix = index.type === 'id' ? 'pkey' : index.type === 'unique' ? 'key' : 'idx';
        const name = index.dbName ?? (index.type === 'id' ? `${index.model}_pkey` : `${index.model}_${columns.join('_')}_${suffix}`);
        return {
          table: index.model,
          name,
          columns,
          unique: index.type !== 'normal',
          primary: index.type === 'id',
          method: (index.algorithm ?? 'BTree').toLowerCase(),
        };
      })
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    expect(actual).toEqual(expected);
  });
});
