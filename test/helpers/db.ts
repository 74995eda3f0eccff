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
