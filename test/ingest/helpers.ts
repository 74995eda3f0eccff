import type { Database } from '../../src/db/client.ts';

/**
 * A fingerprint of every table's contents: md5 of its rows in a fixed order. Equal
 * fingerprints before and after a step mean the step changed no stored byte (including
 * updatedAt and ids).
 */
export async function tableChecksums(db: Database): Promise<Record<string, string>> {
  const tables = await db.driver.query<{ name: string }>(
    `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
  );
  const sums: Record<string, string> = {};
  for (const { name } of tables) {
    // Table names come from the catalog, not from input.
    const [row] = await db.driver.query<{ sum: string | null }>(
      `SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS sum FROM "${name}" t`,
    );
    sums[name] = row?.sum ?? '';
  }
  return sums;
}

/** Counts the rows of a table (name from a fixed list in the tests). */
export async function countRows(db: Database, table: string): Promise<number> {
  const [row] = await db.driver.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}"`);
  return Number(row?.n ?? 0);
}
