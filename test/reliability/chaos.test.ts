import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../src/db/scratch.ts';
import { TEST_ADMIN_TOKEN } from '../auth/helpers.ts';
import { startServer, type ServerProcess } from './process.ts';

// The server as an operator runs it (its own process, production mode, PostgreSQL)
// under steady load, while every backend of its database is terminated twice, as a
// failover or a restart does. The process must stay up, every failed request must
// carry a code, and requests must succeed again within 5 s. PostgreSQL only: PGlite
// lives inside the process and cannot lose its connection.

const serverUrl = process.env.TEST_DATABASE_URL;
let scratch: ScratchDatabase;
let server: ServerProcess | null = null;
const headers = { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
const WEEKLY = `query WeeklyKpis($range: DateTimeRange!) {
  timeSeries(range: $range, granularity: WEEK, timeZone: "Europe/Berlin") {
    label start metrics { ticketsCreated ticketsSolved backlog firstResponseTime { median p90 } csat { score responses } }
  }
}`;
const RANGE = { range: { from: '2026-01-05T00:00:00Z', to: '2026-01-19T00:00:00Z' } };

beforeAll(async () => {
  if (!serverUrl) return;
  scratch = await createScratchDatabase(serverUrl, 'sg_chaos');
  const db = await openDatabase({ kind: 'postgres', url: scratch.url });
  await migrate(db.driver);
  // Six tickets on 2026-01-05..10 (a Monday..Saturday): week 2 holds all six, week 3 none.
  for (let i = 0; i < 6; i++) {
    await db.prisma.ticket.create({
      data: { externalId: `chaos-${i}`, channel: 'EMAIL', status: 'OPEN', createdAt: new Date(Date.UTC(2026, 0, 5 + i, 12)) },
    });
  }
  await db.close();
  server = await startServer({ DATABASE_URL: scratch.url, NODE_ENV: 'production', ADMIN_TOKEN: TEST_ADMIN_TOKEN, RATE_LIMIT_PER_MINUTE: '1000000' });
}, 60_000);

afterAll(async () => {
  if (server && server.child.exitCode === null) {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  await scratch?.drop();
});

interface Outcome {
  at: number;
  status: number;
  ok: boolean;
  codes: (string | undefined)[];
  transport?: string;
}

async function weekly(): Promise<Outcome> {
  const at = Date.now();
  try {
    const response = await fetch(`${server!.url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query: WEEKLY, variables: RANGE }) });
    const text = await response.text();
    let body: { data?: { timeSeries?: { metrics: { ticketsCreated: number } }[] }; errors?: { extensions?: { code?: string } }[] };
    try {
      body = JSON.parse(text);
    } catch {
      return { at, status: response.status, ok: false, codes: [undefined], transport: `not JSON: ${text.slice(0, 200)}` };
    }
    const ok = response.status === 200 && !body.errors && body.data?.timeSeries?.[0]?.metrics.ticketsCreated === 6;
    return { at, status: response.status, ok, codes: (body.errors ?? []).map((error) => error.extensions?.code) };
  } catch (error) {
    return { at, status: 0, ok: false, codes: [], transport: String(error) };
  }
}

async function terminateBackends(): Promise<number> {
  const admin = new pg.Client({ connectionString: serverUrl });
  admin.on('error', () => undefined);
  await admin.connect();
  try {
    const name = new URL(scratch.url).pathname.slice(1);
    // The README's command; the subquery keeps PostgreSQL from calling the function on other rows first.
    const rows = await admin.query<{ killed: boolean }>(
      `SELECT pg_terminate_backend(pid) AS killed FROM (SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() OFFSET 0) AS s`,
      [name],
    );
    return rows.rows.filter((row) => row.killed).length;
  } finally {
    await admin.end();
  }
}

describe.skipIf(!serverUrl)('chaos: PostgreSQL drops every connection under load', () => {
  it('stays up, answers coded errors, and recovers within 5 s', async () => {
    // The answer before any fault: week 2 (Mon 2026-01-05 Berlin) has the 6 tickets.
    expect((await weekly()).ok).toBe(true);
    const outcomes: Outcome[] = [];
    let running = true;
    // Eight clients in a bounded loop (loopback only, at most 30 s).
    const deadline = Date.now() + 30_000;
    const clients = Array.from({ length: 8 }, async () => {
      while (running && Date.now() < deadline) outcomes.push(await weekly());
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const firstKill = await terminateBackends();
    await new Promise((resolve) => setTimeout(resolve, 700));
    const secondKill = await terminateBackends();
    const lastKillAt = Date.now();
    // Load goes on for 6 s after the last kill: recovery must happen inside it.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    running = false;
    await Promise.all(clients);

    expect(firstKill).toBeGreaterThan(0);
    expect(secondKill).toBeGreaterThan(0);
    expect(server!.child.exitCode).toBeNull();
    expect(server!.output()).not.toMatch(/Unhandled 'error' event|57P01.*\n\s+at /);
    // Every answer is a JSON response: a success, or errors that all carry a code, and
    // the failures are the retryable DATABASE_UNAVAILABLE (503), not masked 500s.
    const transport = outcomes.filter((o) => o.transport);
    expect(transport).toEqual([]);
    const failed = outcomes.filter((o) => !o.ok);
    for (const failure of failed) {
      expect(failure.codes.length).toBeGreaterThan(0);
      expect(failure.codes.every((code) => code === 'DATABASE_UNAVAILABLE')).toBe(true);
      expect(failure.status).toBe(503);
    }
    // Recovery: from at most 5 s after the last kill on, every request succeeds.
    const late = outcomes.filter((o) => o.at >= lastKillAt + 5_000);
    expect(late.length).toBeGreaterThan(0);
    expect(late.every((o) => o.ok)).toBe(true);
    const lastFailure = Math.max(lastKillAt, ...failed.map((o) => o.at));
    expect(lastFailure - lastKillAt).toBeLessThan(5_000);
    // And /health answers right away.
    expect((await fetch(`${server!.url}/health`)).status).toBe(200);
    console.info(`chaos: ${outcomes.length} requests, ${failed.length} failed with DATABASE_UNAVAILABLE; backends killed ${firstKill} + ${secondKill}`);
  }, 60_000);
});
