import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createScratchDatabase } from '../src/db/scratch.ts';
import { openDatabase, type Database } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import { upsertTicketsIn } from '../src/ingest/upsert.ts';
import { IMPORT_CONNECTIONS } from '../src/ingest/importers/pipeline.ts';
import { benchTicket, writeBenchCsv, writeZendeskPages } from './ingest.ts';

// What an imported ticket costs in CPU, and what it would cost with parts of the schema
// taken away (bench/README.md, "Ingestion", "The floor"):
//   npx tsx bench/ingest-floor.ts [--rows 30000] [--rounds 2] [--url postgresql://postgres@127.0.0.1:5432/test]
// Each variant gets a scratch database of its own, migrated, then changed as an experiment
// (never a product setting):
//   full         the schema as it is;
//   no-rollups   supportgraph_rollup_add does nothing, so no rollup row is written;
//   no-fks       the foreign keys of Ticket, Feedback and TicketEvent dropped;
//   no-rollups-fks  both;
//   stripped     both, plus every non-unique index of those tables and their triggers.
// Per variant and path (the CSV and Zendesk NDJSON imports as `npm run import` runs them,
// and upsertTickets in batches of 1000 on one connection), it prints tickets/s and the
// CPU each ticket took in the PostgreSQL processes and in this Node process. On a machine
// with C cores, C × 1,000,000 / (PostgreSQL µs + Node µs) is the rate the import could
// reach if every core did nothing else and the two sides overlapped perfectly. Linux
// only, with PostgreSQL on this host (its CPU is read from /proc).

const VARIANTS = ['full', 'no-rollups', 'no-fks', 'no-rollups-fks', 'stripped'] as const;
type Variant = (typeof VARIANTS)[number];
const TABLES = ['"Ticket"', '"Feedback"', '"TicketEvent"'];

/** CPU milliseconds (user + system) every process named postgres on this host has used so far. */
function postgresCpuMs(): number {
  const hz = 100;
  let ticks = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    if (!stat.includes(' (postgres) ')) continue;
    // Fields after "(comm) ": state is the 1st, utime the 12th, stime the 13th (proc(5)).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1000) / hz;
}

async function strip(db: Database, variant: Variant): Promise<void> {
  const list = TABLES.map((t) => `'${t}'::regclass`).join(', ');
  if (variant === 'no-rollups' || variant === 'no-rollups-fks' || variant === 'stripped') {
    await db.driver.query(
      `CREATE OR REPLACE FUNCTION supportgraph_rollup_add(ticket_ids INTEGER[], feedback_ids INTEGER[], lo TIMESTAMPTZ, hi TIMESTAMPTZ,
         only_hours TIMESTAMPTZ[] DEFAULT NULL) RETURNS void LANGUAGE plpgsql AS $f$ BEGIN END $f$`,
    );
  }
  if (variant === 'no-fks' || variant === 'no-rollups-fks' || variant === 'stripped') {
    const fks = await db.driver.query<{ t: string; c: string }>(
      `SELECT conrelid::regclass::text AS t, conname AS c FROM pg_constraint WHERE contype = 'f' AND conrelid IN (${list})`,
    );
    for (const fk of fks) await db.driver.query(`ALTER TABLE ${fk.t} DROP CONSTRAINT "${fk.c}"`);
  }
  if (variant === 'stripped') {
    const indexes = await db.driver.query<{ i: string }>(
      `SELECT indexrelid::regclass::text AS i FROM pg_index WHERE indrelid IN (${list}) AND NOT indisunique`,
    );
    for (const index of indexes) await db.driver.query(`DROP INDEX ${index.i}`);
    for (const table of TABLES) await db.driver.query(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
  }
}

/** One measured import. */
export interface FloorResult {
  variant: Variant;
  path: string;
  perSecond: number;
  postgresUs: number;
  nodeUs: number;
}

/** Runs the experiment; returns and prints one line per (round, variant, path). */
export async function runIngestFloor(options: { rows?: number; rounds?: number; url?: string } = {}): Promise<FloorResult[]> {
  const rows = options.rows ?? 30_000;
  const rounds = options.rounds ?? 2;
  const serverUrl = options.url ?? process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
  const dir = mkdtempSync(join(tmpdir(), 'sg-bench-floor-'));
  const results: FloorResult[] = [];
  const { parseImportArgs, runImport } = await import('../src/ingest/cli.ts');
  const quiet = { write: () => true, isTTY: false } as unknown as NodeJS.WritableStream;
  try {
    const { csv, mapping } = await writeBenchCsv(dir, rows);
    const ndjson = join(dir, 'zendesk.ndjson');
    await writeZendeskPages(ndjson, rows);
    const paths: Record<string, (db: Database) => Promise<unknown>> = {
      'CSV import': (db) => runImport(parseImportArgs([csv, '--format', 'csv', '--mapping', mapping, '--rejects', join(dir, 'r.csv')]), db, { out: () => undefined, progress: quiet }),
      'Zendesk NDJSON': (db) => runImport(parseImportArgs([ndjson, '--format', 'zendesk', '--rejects', join(dir, 'r.csv')]), db, { out: () => undefined, progress: quiet }),
      'upsertTickets x1000': async (db) => {
        for (let from = 0; from < rows; from += 1000) {
          const batch = Array.from({ length: Math.min(1000, rows - from) }, (_, k) => benchTicket(from + k, 'E'));
          await db.driver.transaction((tx) => upsertTicketsIn(tx, batch));
        }
      },
    };
    for (let round = 0; round < rounds; round += 1) {
      for (const [path, run] of Object.entries(paths)) {
        for (const variant of VARIANTS) {
          const scratch = await createScratchDatabase(serverUrl.replace(/\/[^/]*$/, '/postgres'), 'sg_bench_floor');
          const db = await openDatabase({ kind: 'postgres', url: scratch.url }, { poolSize: IMPORT_CONNECTIONS + 1 });
          try {
            await migrate(db.driver);
            await strip(db, variant);
            const t0 = performance.now();
            const pg0 = postgresCpuMs();
            const node0 = process.cpuUsage();
            await run(db);
            const ms = performance.now() - t0;
            const pgMs = postgresCpuMs() - pg0;
            const node = process.cpuUsage(node0);
            const [count] = await db.driver.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Ticket"`);
            if (count?.n !== rows) throw new Error(`${variant} ${path}: ${count?.n} tickets stored, expected ${rows}`);
            const result: FloorResult = {
              variant,
              path,
              perSecond: Math.round(rows / (ms / 1000)),
              postgresUs: Math.round((pgMs * 1000) / rows),
              nodeUs: Math.round((node.user + node.system) / rows),
            };
            results.push(result);
            const ceiling = Math.round((cpus().length * 1_000_000) / (result.postgresUs + result.nodeUs));
            console.log(
              `  ${`round ${round + 1}`.padEnd(8)} ${path.padEnd(20)} ${variant.padEnd(14)} ${String(result.perSecond).padStart(6)} tickets/s` +
                `  PostgreSQL ${String(result.postgresUs).padStart(4)} µs + Node ${String(result.nodeUs).padStart(4)} µs a ticket  (ceiling ${ceiling}/s)`,
            );
          } finally {
            await db.close();
            await scratch.drop();
          }
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`(${rows} tickets each, ${cpus().length} cores, Node ${process.versions.node}, NODE_ENV ${process.env.NODE_ENV ?? 'unset'}, load average ${loadavg()[0].toFixed(1)} at the end)`);
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { rows: { type: 'string' }, rounds: { type: 'string' }, url: { type: 'string' } } });
  await runIngestFloor({ rows: values.rows ? Number(values.rows) : undefined, rounds: values.rounds ? Number(values.rounds) : undefined, url: values.url });
}
