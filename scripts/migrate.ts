import { ConfigError, loadConfig } from '../src/config.ts';
import { DatabaseLockedError, openDatabase } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';

// `npm run migrate`: applies pending migrations to DATABASE_URL and lists them.
try {
  const db = await openDatabase(loadConfig().database);
  try {
    const applied = await migrate(db.driver);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : `${db.location} is up to date`);
  } finally {
    await db.close();
  }
} catch (error) {
  if (error instanceof ConfigError || error instanceof DatabaseLockedError) {
    console.error(`migrate: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
