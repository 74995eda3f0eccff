import type { Database } from './client.ts';

/**
 * Tables whose writes do not change the data version (migration 0012_data_version):
 * nothing a cached KPI answer reads — tokens, saved reports and their runs, connections'
 * sync state, alert rules and events — and the version tables themselves. Every other
 * table carries the version triggers; test/db/data-version.test.ts checks both lists.
 */
export const DATA_VERSION_UNTRACKED_TABLES: ReadonlySet<string> = new Set([
  '_prisma_migrations',
  'DataVersion',
  'DataVersionMark',
  'DataChange',
  'ApiToken',
  'Report',
  'ReportRun',
  'Connection',
  'AlertRule',
  'AlertEvent',
  'AlertTicketNotice',
]);

/**
 * The database's data version, `<epoch>:<counter>`: the counter is bumped at the commit
 * of every transaction that changed a tracked row (statement-level triggers, whatever
 * wrote), so it changes exactly when committed data does, and writes in other databases
 * of the same server never change it; the epoch is random per database. One one-row
 * SELECT. Read it from the database the answers are read from (a replica replays the
 * counter with the rows).
 */
export async function dataVersion(db: Pick<Database, 'driver'>): Promise<string> {
  const [row] = await db.driver.query<{ v: string }>(`SELECT "epoch" || ':' || "version" AS v FROM "DataVersion" WHERE "id" = 1`);
  if (!row) throw new Error('the DataVersion row is missing: the database was not migrated by this version (run the migrations)');
  return row.v;
}
