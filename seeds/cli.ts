import { ConfigError, loadConfig } from '../src/config.ts';
import { DatabaseLockedError, openDatabase, type Database } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import { SEED_USAGE, SeedArgsError, parseSeedArgs } from './args.ts';
import { isEmpty, resetDemoTables, seedDemo } from './demo.ts';
import { createDemoMonitoring } from './monitoring.ts';

/** A progress reporter for stderr: rewrites one line on a terminal, prints every tenth elsewhere. */
function progressLine(): (done: number, total: number) => void {
  const began = Date.now();
  let lastTenth = -1;
  return (done, total) => {
    const seconds = Math.max(0.001, (Date.now() - began) / 1000);
    const rate = Math.round(done / seconds);
    const percent = total > 0 ? Math.floor((100 * done) / total) : 100;
    const line = `seeding: ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} tickets (${percent}%), ` +
      `${rate.toLocaleString('en-US')} tickets/s, ${seconds.toFixed(0)} s`;
    if (process.stderr.isTTY) {
      process.stderr.write(`\r${line}${done >= total ? '\n' : ''}`);
    } else if (Math.floor(percent / 10) > lastTenth || done >= total) {
      lastTenth = Math.floor(percent / 10);
      process.stderr.write(`${line}\n`);
    }
    if (done >= total) process.stderr.write('computing SLA and event facts, building indexes and checking references…\n');
  };
}

async function main(): Promise<number> {
  let config;
  let options;
  try {
    config = loadConfig();
    options = parseSeedArgs(process.argv.slice(2), config.demoTickets);
  } catch (error) {
    if (error instanceof SeedArgsError || error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n\n${SEED_USAGE}\n`);
      return 2;
    }
    throw error;
  }
  if (options.help) {
    process.stdout.write(`${SEED_USAGE}\n`);
    return 0;
  }

  let db: Database;
  try {
    db = await openDatabase(config.database, { poolSize: 2 });
  } catch (error) {
    if (error instanceof DatabaseLockedError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  try {
    await migrate(db.driver);
    if (!(await isEmpty(db))) {
      if (!options.reset) {
        process.stderr.write(
          `${db.location} already has support data; refusing to add demo data to it.\n` +
            'Run again with --reset to delete ALL support data there first, or point DATABASE_URL at an empty database.\n',
        );
        return 1;
      }
      process.stderr.write(`--reset: deleting all support data in ${db.location}\n`);
      await resetDemoTables(db);
    }
    process.stderr.write(
      `Seeding ${db.location}: ${options.tickets.toLocaleString('en-US')} tickets over ${options.days} days, ` +
        `seed ${options.seed}${options.events ? '' : ', without events'}\n`,
    );
    const summary = await seedDemo(db, {
      tickets: options.tickets,
      seed: options.seed,
      days: options.days,
      now: options.now,
      events: options.events,
      onProgress: progressLine(),
    });
    // The demo scorecard and targets (by name, so a re-seed refreshes them).
    await createDemoMonitoring(db);
    const { ms, ...rows } = summary;
    process.stdout.write(
      `${Object.entries(rows).map(([table, n]) => `${table}: ${n.toLocaleString('en-US')}`).join(', ')}\n` +
        `done in ${(ms / 1000).toFixed(1)} s, SLA deadlines and business hours included.\n`,
    );
    return 0;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`seed failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
