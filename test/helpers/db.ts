import { openDatabase, type Database } from '../../src/db/client.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createScratchDatabase } from '../../src/db/scratch.ts';

/** A migrated, empty database for one test file, and how to throw it away. */
export interface TestDatabase extends Database {
  /** Closes the database and drops it (PostgreSQL) or frees it (PGlite memory). */
  destroy(): Promise<void>;
}

/**
 * Opens an isolated database: a fresh in-memory PGlite, or, when TEST_DATABASE_URL is
 * set, a new database created on that PostgreSQL server for this file alone.
 */
export async function openTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  let db: Database;
  let drop: () => Promise<void> = async () => undefined;
  if (serverUrl) {
    const scratch = await createScratchDatabase(serverUrl);
    db = await openDatabase({ kind: 'postgres', url: scratch.url }, { poolSize: 5 });
    drop = scratch.drop;
  } else {
    db = await openDatabase({ kind: 'pglite', dir: null });
  }
  if (options.migrated !== false) await migrate(db.driver);
  return {
    ...db,
    async destroy() {
      await db.close();
      await drop();
    },
  };
}

/**
 * Holds an exclusive lock on `table` from another session of `db`'s PostgreSQL database,
 * so any statement reading it waits; the returned function releases it.
 */
export async function lockTableElsewhere(db: Database, table: string): Promise<() => Promise<void>> {
  const { default: pg } = await import('pg');
  const url = new URL(process.env.TEST_DATABASE_URL as string);
  url.pathname = `/${(await db.driver.query<{ name: string }>('SELECT current_database() AS name'))[0].name}`;
  const locker = new pg.Client({ connectionString: url.toString() });
  locker.on('error', () => undefined);
  await locker.connect();
  await locker.query('BEGIN');
  await locker.query(`LOCK TABLE "${table}" IN ACCESS EXCLUSIVE MODE`);
  return async () => {
    await locker.query('ROLLBACK').catch(() => undefined);
    await locker.end().catch(() => undefined);
  };
}

/** Statements of `db`'s PostgreSQL database (other than this session's) running or waiting right now. */
export async function activeStatements(db: Database): Promise<string[]> {
  const rows = await db.driver.query<{ query: string }>(
    `SELECT query FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'`,
  );
  return rows.map((row) => row.query);
}
