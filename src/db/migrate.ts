import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SqlDriver } from './client.ts';

/** The folder of SQL migrations shipped with the project. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../prisma/migrations', import.meta.url));

/** A migration folder: its name (`0001_init`) and SQL. */
export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

/** A migration was changed after it had been applied: the database and code disagree. */
export class MigrationChecksumError extends Error {
  override name = 'MigrationChecksumError';
}

// Same table and advisory lock key as `prisma migrate deploy`, so either tool can
// take over a database the other migrated.
const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;
const PRISMA_ADVISORY_LOCK = 72707369;

/** Reads the migrations in order of their folder names. */
export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/**
 * Applies every migration not yet recorded in `_prisma_migrations`, each in its own
 * transaction together with its record, and returns the names applied.
 */
export async function migrate(driver: SqlDriver, migrations: Migration[] = readMigrations()): Promise<string[]> {
  await driver.query(MIGRATIONS_TABLE);
  const applied: string[] = [];
  for (const migration of migrations) {
    const done = await driver.transaction(async (tx) => {
      // Serialises concurrent starts against one PostgreSQL server.
      await tx.query('SELECT pg_advisory_xact_lock($1)', [PRISMA_ADVISORY_LOCK]);
      const rows = await tx.query<{ checksum: string }>(
        `SELECT checksum FROM "_prisma_migrations"
          WHERE migration_name = $1 AND finished_at IS NOT NULL AND rolled_back_at IS NULL`,
        [migration.name],
      );
      if (rows.length > 0) {
        if (rows[0].checksum !== migration.checksum) {
          throw new MigrationChecksumError(
            `Migration ${migration.name} was modified after it was applied to this database. ` +
              'Restore the original migration.sql and add a new migration for the change.',
          );
        }
        return false;
      }
      await tx.execScript(migration.sql);
      await tx.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count, started_at)
         VALUES ($1, $2, now(), $3, 1, now())`,
        [randomUUID(), migration.checksum, migration.name],
      );
      return true;
    });
    if (done) applied.push(migration.name);
  }
  return applied;
}
