import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createScratchDatabase } from '../src/db/scratch.ts';
import { openDatabase } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import type { TicketInput } from '../src/ingest/types.ts';
import { upsertTicketsIn } from '../src/ingest/upsert.ts';
import { rollupsOffForTransaction } from '../src/analytics/rollups/maintain.ts';

// Ingestion throughput into PostgreSQL (bench/README.md, "Ingestion"):
//   npx tsx bench/ingest.ts [--rows 100000] [--url postgresql://postgres@127.0.0.1:5432/test]
// Creates a scratch database on that server, then measures
//   1. the engine alone: upsertTickets in batches of 1000 (no file, no hooks),
//   2. `npm run import`'s path: a generated CSV through the mapping importer (with the
//      entities it names and the SLA hook the CLI registers), first import and re-import.
// The scratch database is dropped at the end.

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    url: { type: 'string', default: process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test' },
  },
});
const ROWS = Number(values.rows);
const serverUrl = values.url;

const scratch = await createScratchDatabase(serverUrl, 'sg_bench_ingest');
const db = await openDatabase({ kind: 'postgres', url: scratch.url }, { poolSize: 2 });
const dir = mkdtempSync(join(tmpdir(), 'sg-bench-ingest-'));

const rate = (rows: number, ms: number) => Math.round(rows / (ms / 1000));
const results: string[] = [];

try {
  await migrate(db.driver);
  const start = Date.UTC(2025, 0, 1);
  const ticket = (i: number, prefix: string): TicketInput => {
    const createdAt = new Date(start + i * 60_000);
    const solved = i % 5 !== 0;
    return {
      externalId: `${prefix}${i}`,
      subject: `Subject ${i}`,
      channel: (['EMAIL', 'CHAT', 'PHONE', 'WEB'] as const)[i % 4],
      priority: (['LOW', 'NORMAL', 'HIGH', 'URGENT'] as const)[i % 4],
      status: solved ? 'SOLVED' : 'OPEN',
      tags: [`t${i % 10}`],
      createdAt,
      firstResponseAt: new Date(createdAt.getTime() + ((i * 31) % 3600) * 1000),
      solvedAt: solved ? new Date(createdAt.getTime() + ((i * 7919) % 86_400) * 1000 + 3600_000) : null,
      agentReplies: 1 + (i % 3),
    };
  };

  // 1. Engine only, with the rollup triggers (as deployed) and, batch for batch
  // alternating so the growing table costs both alike, with them off for the batch.
  let withRollups = 0;
  let withoutRollups = 0;
  for (let from = 0; from < ROWS; from += 1000) {
    const size = Math.min(1000, ROWS - from);
    const batch = Array.from({ length: size }, (_, k) => ticket(from + k, 'E'));
    const other = Array.from({ length: size }, (_, k) => ticket(from + k, 'X'));
    let began = performance.now();
    await db.driver.transaction((tx) => upsertTicketsIn(tx, batch));
    withRollups += performance.now() - began;
    began = performance.now();
    await db.driver.transaction(async (tx) => {
      await rollupsOffForTransaction(tx);
      return upsertTicketsIn(tx, other);
    });
    withoutRollups += performance.now() - began;
  }
  let ms = withRollups;
  results.push(`engine upsertTickets, new rows:        ${rate(ROWS, ms)} rows/s (${(ms / 1000).toFixed(1)} s), rollups maintained`);
  results.push(`  same batches, rollup triggers off:   ${rate(ROWS, withoutRollups)} rows/s (${(withoutRollups / 1000).toFixed(1)} s)`);
  let t0 = 0;

  t0 = performance.now();
  for (let from = 0; from < ROWS; from += 1000) {
    const batch = Array.from({ length: Math.min(1000, ROWS - from) }, (_, k) => ticket(from + k, 'E'));
    await db.driver.transaction((tx) => upsertTicketsIn(tx, batch));
  }
  ms = performance.now() - t0;
  results.push(`engine upsertTickets, unchanged rows:  ${rate(ROWS, ms)} rows/s (${(ms / 1000).toFixed(1)} s)`);

  // 2. The CLI's path (importing cli.ts registers the SLA hook, as `npm run import` does).
  const file = join(dir, 'bench.csv');
  const out = createWriteStream(file);
  out.write('id,subject,channel,priority,status,created,first_reply,solved,agent,team,customer,tags,csat\n');
  for (let i = 0; i < ROWS; i += 1) {
    const t = ticket(i, '');
    const line =
      `${t.externalId},${t.subject},${t.channel},${t.priority},${t.status},${t.createdAt.toISOString()},` +
      `${t.firstResponseAt?.toISOString()},${t.solvedAt?.toISOString() ?? ''},agent-${i % 50},team-${i % 5},customer-${i % 20000},` +
      `t${i % 10},${t.solvedAt ? 1 + (i % 5) : ''}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  const mapping = join(dir, 'map.json');
  writeFileSync(
    mapping,
    JSON.stringify({
      idPrefix: 'C',
      columns: {
        id: 'externalId', subject: 'subject', channel: 'channel', priority: 'priority', status: 'status',
        created: 'createdAt', first_reply: 'firstResponseAt', solved: 'solvedAt', agent: 'assignee',
        team: 'team', customer: 'customer', tags: 'tags', csat: 'csat',
      },
    }),
  );
  const { parseImportArgs, runImport } = await import('../src/ingest/cli.ts');
  const quiet = { write: () => true, isTTY: false } as unknown as NodeJS.WritableStream;
  for (const label of ['CSV import (npm run import), new rows:', 'CSV import (npm run import), re-import:']) {
    t0 = performance.now();
    const summary = await runImport(parseImportArgs([file, '--format', 'csv', '--mapping', mapping]), db, {
      out: () => undefined,
      progress: quiet,
    });
    ms = performance.now() - t0;
    results.push(
      `${label.padEnd(38)} ${rate(ROWS, ms)} rows/s (${(ms / 1000).toFixed(1)} s; created ${summary.created}, unchanged ${summary.unchanged}, ` +
        `feedback ${summary.feedback.created + summary.feedback.unchanged})`,
    );
  }
} finally {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
  await scratch.drop();
}

console.log(`Ingestion benchmark: ${ROWS} tickets into PostgreSQL (${cpus().length} cores, Node ${process.versions.node})`);
for (const line of results) console.log(`  ${line}`);
