import pg from 'pg';
import { openDatabase, type Database } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import { isEmpty, seedDemo } from '../seeds/demo.ts';
import { recomputeAllTicketsIn } from '../src/sla/recompute.ts';

/**
 * The benchmark dataset: a million demo tickets over a year, or BENCH_TICKETS of them
 * (the 10 M figures of bench/README.md: BENCH_TICKETS=10000000 with a BENCH_DATABASE_URL
 * of its own, since a loaded database is reused as it is).
 */
export const BENCH_SEED = { tickets: Number(process.env.BENCH_TICKETS ?? 1_000_000), seed: 7, days: 365 } as const;

/** Where the benchmark runs unless BENCH_DATABASE_URL or DATABASE_URL names a PostgreSQL database. */
export const DEFAULT_BENCH_URL = 'postgresql://postgres@127.0.0.1:5432/sg_bench';

/** The PostgreSQL URL to benchmark against: BENCH_DATABASE_URL, else a postgres DATABASE_URL, else sg_bench. */
export function benchDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [env.BENCH_DATABASE_URL, env.DATABASE_URL].filter((u): u is string => !!u && /^postgres(ql)?:\/\//.test(u));
  return candidates[0] ?? DEFAULT_BENCH_URL;
}

/** Creates the database named by `url` on its server if it does not exist yet. */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      process.stderr.write(`created database ${name}\n`);
    }
  } finally {
    await client.end();
  }
}

/**
 * Opens the benchmark database, migrates it and loads the demo tickets unless they are
 * already there (a loaded database is reused as is).
 */
export async function openBenchDatabase(url: string): Promise<Database> {
  await ensureDatabase(url);
  const db = await openDatabase({ kind: 'postgres', url }, { poolSize: 4 });
  await migrate(db.driver);
  if (await isEmpty(db)) {
    process.stderr.write(`loading ${BENCH_SEED.tickets.toLocaleString('en-US')} demo tickets (once; later runs reuse them)…\n`);
    const began = Date.now();
    let lastTenth = -1;
    const summary = await seedDemo(db, {
      ...BENCH_SEED,
      // SLA deadlines and business times filled as the server's demo load fills them, so
      // the SLA metrics cost what they cost in production (empty fields cost nothing).
      beforeIndexes: async (tx) => {
        process.stderr.write('  computing SLA deadlines and business hours…\n');
        await recomputeAllTicketsIn(tx);
      },
      onProgress: (done, total) => {
        const tenth = Math.floor((10 * done) / total);
        if (tenth > lastTenth) {
          lastTenth = tenth;
          process.stderr.write(`  ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} tickets, ${((Date.now() - began) / 1000).toFixed(0)} s\n`);
        }
      },
    });
    // The visibility map lets counts use index-only scans, as on a settled production table.
    await db.driver.query('VACUUM ANALYZE');
    process.stderr.write(`loaded in ${(summary.ms / 1000).toFixed(0)} s: ${JSON.stringify({ ...summary, ms: undefined })}\n`);
  } else {
    const [row] = await db.driver.query<{ n: string }>('SELECT count(*)::text AS n FROM "Ticket"');
    process.stderr.write(`reusing ${Number(row.n).toLocaleString('en-US')} tickets already in the database\n`);
  }
  return db;
}

/**
 * The 52 weeks before the first of the month of the bench database's last ticket: a
 * year of whole weeks that ends where the data is complete (the series benchmarks' range).
 */
export async function lastYearOfWeeks(db: Pick<Database, 'driver'>): Promise<{ from: Date; to: Date }> {
  const [{ latest }] = await db.driver.query<{ latest: Date }>(`SELECT max("createdAt") AS latest FROM "Ticket"`);
  const last = new Date(latest);
  const to = new Date(Date.UTC(last.getUTCFullYear(), last.getUTCMonth(), 1));
  return { from: new Date(to.getTime() - 52 * 7 * 86_400_000), to };
}
