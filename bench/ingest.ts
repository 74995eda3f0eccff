import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createScratchDatabase } from '../src/db/scratch.ts';
import { openDatabase } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import type { TicketInput } from '../src/ingest/types.ts';
import { upsertTicketsIn } from '../src/ingest/upsert.ts';
import { IMPORT_CONNECTIONS } from '../src/ingest/importers/pipeline.ts';
import { createServer } from '../src/server.ts';

// Ingestion throughput into PostgreSQL (bench/README.md, "Ingestion"), part of
// `npm run bench` (BENCH_INGEST_ROWS tickets, default 100,000) and runnable alone:
//   npx tsx bench/ingest.ts [--rows 100000] [--url postgresql://postgres@127.0.0.1:5432/test]
// Creates a scratch database on that server, then measures
//   1. the engine alone: upsertTickets in batches of 1000 (no file; SLA columns, facts
//      and rollups maintained, as on the GraphQL mutation path),
//   2. the same through the `upsertTickets` mutation: the real server (production mode,
//      ADMIN_TOKEN) on a local port, one HTTP request per batch of 1000, one at a time
//      and then three in flight (`npm run bench` sets NODE_ENV=production, as a
//      production server runs; graphql-js skips its development checks then);
//   3. `npm run import`'s path for a generic CSV (mapping file) and for Zendesk NDJSON
//      pages with side-loads: streamed, converted, the agents / teams / customers they
//      name created, tickets (with their SLA columns and derived facts) and CSAT
//      written; each file imported twice
//      (new rows, then all unchanged).
// The scratch database is dropped at the end.

/** One measured line. */
export interface IngestResult {
  label: string;
  rows: number;
  ms: number;
}

const rate = (rows: number, ms: number) => Math.round(rows / (ms / 1000));

/** The bench's ticket number `i` (one a minute from 2025-01-01, four in five solved), external id `prefix` + i. */
export function benchTicket(i: number, prefix: string): TicketInput {
  const start = Date.UTC(2025, 0, 1);
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
}

async function writeLines(path: string, count: number, line: (i: number) => string, header?: string): Promise<void> {
  const out = createWriteStream(path);
  if (header) out.write(`${header}\n`);
  for (let i = 0; i < count; i += 1) if (!out.write(`${line(i)}\n`)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

/** Writes the generic CSV of `rows` bench tickets and its mapping file into `dir` (what the CSV import lines read). */
export async function writeBenchCsv(dir: string, rows: number): Promise<{ csv: string; mapping: string }> {
  const csv = join(dir, 'bench.csv');
  await writeLines(
    csv,
    rows,
    (i) => {
      const t = benchTicket(i, '');
      return (
        `${t.externalId},${t.subject},${t.channel},${t.priority},${t.status},${t.createdAt.toISOString()},` +
        `${t.firstResponseAt?.toISOString()},${t.solvedAt?.toISOString() ?? ''},agent-${i % 50},team-${i % 5},customer-${i % 20000},` +
        `t${i % 10},${t.solvedAt ? 1 + (i % 5) : ''}`
      );
    },
    'id,subject,channel,priority,status,created,first_reply,solved,agent,team,customer,tags,csat',
  );
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
  return { csv, mapping };
}

/** Zendesk pages of 1000 tickets with their side-loads, one page per line (what the sync reads). */
export async function writeZendeskPages(path: string, rows: number): Promise<void> {
  const pages = Math.ceil(rows / 1000);
  await writeLines(path, pages, (p) => {
    const tickets = [];
    const metricSets = [];
    for (let i = p * 1000; i < Math.min(rows, (p + 1) * 1000); i += 1) {
      const t = benchTicket(i, '');
      tickets.push({
        id: i + 1,
        via: { channel: t.channel.toLowerCase() === 'phone' ? 'voice' : t.channel.toLowerCase() },
        created_at: t.createdAt.toISOString(),
        updated_at: (t.solvedAt ?? t.createdAt).toISOString(),
        type: 'question',
        subject: t.subject,
        priority: t.priority?.toLowerCase(),
        status: t.status.toLowerCase(),
        requester_id: 1_000_000 + (i % 20_000),
        assignee_id: 2_000_000 + (i % 50),
        group_id: 3_000_000 + (i % 5),
        tags: t.tags,
        satisfaction_rating: t.solvedAt ? { id: 5_000_000 + i, score: i % 3 === 0 ? 'bad' : 'good', comment: null } : { score: 'unoffered' },
      });
      metricSets.push({
        ticket_id: i + 1,
        replies: t.agentReplies,
        reopens: 0,
        solved_at: t.solvedAt?.toISOString() ?? null,
        reply_time_in_minutes: { calendar: Math.round(((i * 31) % 3600) / 60), business: 0 },
      });
    }
    const users = [
      ...Array.from({ length: 50 }, (_, a) => ({ id: 2_000_000 + a, name: `Agent ${a}`, email: `agent${a}@acme.example`, role: 'agent' })),
      ...[...new Set(tickets.map((t) => t.requester_id))].map((id) => ({ id, name: `Customer ${id}`, email: `c${id}@customer.example`, role: 'end-user' })),
    ];
    const groups = Array.from({ length: 5 }, (_, g) => ({ id: 3_000_000 + g, name: `Group ${g}` }));
    return JSON.stringify({ tickets, metric_sets: metricSets, users, groups, organizations: [], end_of_stream: p === pages - 1 });
  });
}

/** Runs the ingestion benchmark; returns and prints its lines. */
export async function runIngestBenchmark(options: { rows?: number; url?: string } = {}): Promise<IngestResult[]> {
  const rows = options.rows ?? Number(process.env.BENCH_INGEST_ROWS ?? 100_000);
  const serverUrl = options.url ?? process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
  const scratch = await createScratchDatabase(serverUrl.replace(/\/[^/]*$/, '/postgres'), 'sg_bench_ingest');
  const db = await openDatabase({ kind: 'postgres', url: scratch.url }, { poolSize: IMPORT_CONNECTIONS + 1 });
  const dir = mkdtempSync(join(tmpdir(), 'sg-bench-ingest-'));
  const results: IngestResult[] = [];
  const time = async (label: string, count: number, work: () => Promise<unknown>) => {
    const t0 = performance.now();
    await work();
    results.push({ label, rows: count, ms: performance.now() - t0 });
  };
  try {
    await migrate(db.driver);
    // 1. Engine only.
    for (const label of ['engine upsertTickets, new rows', 'engine upsertTickets, unchanged rows']) {
      await time(label, rows, async () => {
        for (let from = 0; from < rows; from += 1000) {
          const batch = Array.from({ length: Math.min(1000, rows - from) }, (_, k) => benchTicket(from + k, 'E'));
          await db.driver.transaction((tx) => upsertTicketsIn(tx, batch));
        }
      });
    }
    // 2. The mutation over HTTP, as a client that pushes tickets calls it.
    const adminToken = 'bench-ingest-'.padEnd(40, 'x');
    const yoga = createServer({ db, production: true, graphiql: false, config: { adminToken, rateLimitPerMinute: 100_000_000 } });
    const http = createHttpServer(yoga);
    await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
    const endpoint = `http://127.0.0.1:${(http.address() as AddressInfo).port}/graphql`;
    const mutation = 'mutation($input: [TicketInput!]!) { upsertTickets(input: $input) { created updated unchanged } }';
    // `inFlight` requests at once, as a client that pushes its history in parallel would.
    const push = (prefix: string, inFlight: number) => async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          for (let from = next; from < rows; from = next) {
            next += 1000;
            const input = Array.from({ length: Math.min(1000, rows - from) }, (_, k) => benchTicket(from + k, prefix));
            const response = await fetch(endpoint, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
              body: JSON.stringify({ query: mutation, variables: { input } }),
            });
            const body = (await response.json()) as { errors?: unknown; data?: { upsertTickets: { created: number; unchanged: number } } };
            const counted = (body.data?.upsertTickets.created ?? 0) + (body.data?.upsertTickets.unchanged ?? 0);
            if (body.errors || counted !== input.length) throw new Error(`upsertTickets answered ${JSON.stringify(body).slice(0, 300)}`);
          }
        }),
      );
    };
    try {
      await time('GraphQL upsertTickets over HTTP, new rows', rows, push('G', 1));
      await time('GraphQL upsertTickets over HTTP, unchanged rows', rows, push('G', 1));
      await time('GraphQL upsertTickets, 3 requests in flight, new rows', rows, push('P', 3));
    } finally {
      await new Promise((done) => http.close(done));
      await yoga.dispose();
    }
    // 3. The CLI's path.
    const { csv, mapping } = await writeBenchCsv(dir, rows);
    const ndjson = join(dir, 'zendesk.ndjson');
    await writeZendeskPages(ndjson, rows);
    const { parseImportArgs, runImport } = await import('../src/ingest/cli.ts');
    const quiet = { write: () => true, isTTY: false } as unknown as NodeJS.WritableStream;
    const rejects = join(dir, 'rejects.csv');
    for (const [name, args] of [
      ['CSV import (mapping)', [csv, '--format', 'csv', '--mapping', mapping]],
      ['Zendesk NDJSON pages (side-loads)', [ndjson, '--format', 'zendesk']],
    ] as const) {
      for (const pass of ['new rows', 're-import, all unchanged']) {
        await time(`${name}, ${pass}`, rows, () => runImport(parseImportArgs([...args, '--rejects', rejects]), db, { out: () => undefined, progress: quiet }));
      }
    }
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
    await scratch.drop();
  }
  console.log(
    `Ingestion benchmark: ${rows} tickets into PostgreSQL (${cpus().length} cores, Node ${process.versions.node}, NODE_ENV ${process.env.NODE_ENV ?? 'unset'}, load average ${loadavg()[0].toFixed(1)})`,
  );
  for (const r of results) console.log(`  ${r.label.padEnd(52)} ${String(rate(r.rows, r.ms)).padStart(7)} rows/s  (${(r.ms / 1000).toFixed(1)} s)`);
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { rows: { type: 'string' }, url: { type: 'string' } } });
  await runIngestBenchmark({ rows: values.rows ? Number(values.rows) : undefined, url: values.url });
}
