import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/db/client.ts';
import { migrate } from '../../src/db/migrate.ts';

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
    const name = `sg_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    db = await openDatabase({ kind: 'postgres', url: url.toString() }, { poolSize: 5 });
    drop = async () => {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    };
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
