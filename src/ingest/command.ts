import { parseDatabaseUrl } from '../config.ts';
import { openDatabase, type Database } from '../db/client.ts';
import { migrate } from '../db/migrate.ts';
import { IMPORT_CONNECTIONS } from './importers/pipeline.ts';

/**
 * Runs a command-line entry point on the database of `DATABASE_URL`: arguments are parsed
 * first, then the database is opened and migrated. A usage error prints its message and
 * `usage` (exit code 2), any other failure one line (exit code 1); the database is closed
 * either way, so an import or sync never leaves a PGlite lock behind.
 */
export async function runDatabaseCommand<A>(
  name: string,
  usage: string,
  isUsageError: (error: unknown) => boolean,
  parse: () => A,
  run: (args: A, db: Database) => Promise<void>,
): Promise<void> {
  let db: Database | undefined;
  try {
    const args = parse();
    // An import's writers and catch-up, and one more for anything else the command runs.
    db = await openDatabase(parseDatabaseUrl(process.env.DATABASE_URL), { poolSize: IMPORT_CONNECTIONS + 1 });
    await migrate(db.driver);
    await run(args, db);
  } catch (error) {
    if (isUsageError(error)) {
      if (error instanceof Error && error.message) console.error(`${name}: ${error.message}`);
      console.error(usage);
      process.exitCode = 2;
    } else {
      console.error(`${name} failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    }
  } finally {
    await db?.close();
  }
}
