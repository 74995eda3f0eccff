import { Agent, request as httpRequest } from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../src/db/scratch.ts';
import { startServer, type ServerProcess } from './process.ts';

// Issue 11, item 4: SIGTERM while a long export and a long query run, with a keep-alive
// client polling /ready. A lock held by another session makes both "long" at will: the
// export has sent its first page when the lock is taken, so its next page (and the
// query) wait until the test releases it. Just inside the drain timeout both finish and
// the process exits 0; just outside, both are aborted (the clients see errors, never a
// clean-looking truncated 200) and the process exits 1. PostgreSQL only (the lock).

const serverUrl = process.env.TEST_DATABASE_URL;
let scratch: ScratchDatabase;
const TICKETS = 3000;

beforeAll(async () => {
  if (!serverUrl) return;
  scratch = await createScratchDatabase(serverUrl, 'sg_drain');
  const db = await openDatabase({ kind: 'postgres', url: scratch.url });
  await migrate(db.driver);
  await db.prisma.ticket.createMany({
    data: Array.from({ length: TICKETS }, (_, i) => ({ externalId: `d${i}`, channel: 'EMAIL' as const, status: 'OPEN' as const, createdAt: new Date(Date.UTC(2026, 0, 1, 0, i)) })),
  });
  await db.close();
}, 60_000);

afterAll(async () => {
  await scratch?.drop();
});

interface Poll {
  at: number;
  status: number | null;
  connection: string | null;
  socket: number;
  error?: string;
}

/** Polls /ready every 100 ms over one kept-alive connection (a load balancer's view). */
function pollReady(server: ServerProcess): { polls: Poll[]; stop(): void } {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const sockets = new Map<unknown, number>();
  const polls: Poll[] = [];
  let running = true;
  const once = () =>
    new Promise<void>((resolve) => {
      const req = httpRequest(`${server.url}/ready`, { agent }, (res) => {
        if (!sockets.has(res.socket)) sockets.set(res.socket, sockets.size + 1);
        const poll: Poll = { at: Date.now(), status: res.statusCode ?? null, connection: res.headers.connection ?? null, socket: sockets.get(res.socket)! };
        res.resume();
        res.on('end', () => {
          polls.push(poll);
          resolve();
        });
      });
      req.on('error', (error) => {
        polls.push({ at: Date.now(), status: null, connection: null, socket: 0, error: (error as NodeJS.ErrnoException).code ?? error.message });
        resolve();
      });
      req.end();
    });
  void (async () => {
    while (running) {
      await once();
      if (polls.at(-1)?.error) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    agent.destroy();
  })();
  return { polls, stop: () => (running = false) };
}

async function lockTickets(): Promise<pg.Client> {
  const locker = new pg.Client({ connectionString: scratch.url });
  locker.on('error', () => undefined);
  await locker.connect();
  await locker.query('BEGIN');
  await locker.query('LOCK TABLE "Ticket" IN ACCESS EXCLUSIVE MODE');
  return locker;
}

async function scenario(timeoutMs: number, holdMs: number) {
  const server = await startServer({ DATABASE_URL: scratch.url, SHUTDOWN_TIMEOUT_MS: String(timeoutMs), RATE_LIMIT_PER_MINUTE: '100000' });
  const ready = pollReady(server);
  await new Promise((resolve) => setTimeout(resolve, 300));
  // The export streams pages of 100 tickets; its first bytes are out when fetch resolves.
  const query = encodeURIComponent('{ tickets { nodes { externalId createdAt } } }');
  const exportResponse = await fetch(`${server.url}/export?format=csv&query=${query}`);
  const locker = await lockTickets();
  const exported = exportResponse.text().then(
    (body) => ({ body, error: null as string | null }),
    (error: unknown) => ({ body: null, error: String((error as Error).cause ?? error) }),
  );
  const queried = fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ tickets(first: 1) { totalCount } }' }),
  }).then(
    async (response) => ({ status: response.status, body: (await response.json()) as unknown, error: null as string | null }),
    (error: unknown) => ({ status: null, body: null, error: String((error as Error).cause ?? error) }),
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  const termAt = Date.now();
  server.child.kill('SIGTERM');
  const release = setTimeout(() => void locker.query('COMMIT').catch(() => undefined), holdMs);
  const [exportResult, queryResult, code] = await Promise.all([exported, queried, server.exited]);
  clearTimeout(release);
  await locker.end().catch(() => undefined);
  ready.stop();
  await new Promise((resolve) => setTimeout(resolve, 150));
  return { server, termAt, exportResult, queryResult, code, polls: ready.polls, exportStatus: exportResponse.status };
}

describe.skipIf(!serverUrl)('SIGTERM drain', () => {
  it('inside the timeout (lock held 1.5 s, SHUTDOWN_TIMEOUT_MS 8000): export and query finish, /ready is 503 with Connection: close, exit 0', async () => {
    const run = await scenario(8_000, 1_500);
    expect(run.exportStatus).toBe(200);
    expect(run.exportResult.error).toBeNull();
    // Header plus every ticket.
    expect(run.exportResult.body!.split('\r\n').filter((line) => line !== '')).toHaveLength(TICKETS + 1);
    expect(run.queryResult).toMatchObject({ status: 200, body: { data: { tickets: { totalCount: TICKETS } } } });
    expect(run.code).toBe(0);
    expect(run.server.output()).toMatch(/"exitCode":0,"durationMs":\d+,"cut":0,"msg":"stopped"/);
    const before = run.polls.filter((poll) => poll.at < run.termAt);
    expect(before.length).toBeGreaterThan(0);
    expect(before.every((poll) => poll.status === 200 && poll.socket === 1)).toBe(true);
    // On the same kept-alive socket, /ready turns 503 and closes the connection, while the
    // lock still holds the export and the query (released 1.5 s after SIGTERM); no 200 after.
    const first503 = run.polls.findIndex((poll) => poll.status === 503);
    expect(first503).toBeGreaterThan(0);
    expect(run.polls[first503]).toMatchObject({ status: 503, connection: 'close', socket: 1 });
    expect(run.polls[first503].at).toBeLessThan(run.termAt + 1_500);
    expect(run.polls.slice(first503).some((poll) => poll.status === 200)).toBe(false);
  }, 60_000);

  it('outside the timeout (lock held past SHUTDOWN_TIMEOUT_MS 1500): both are aborted, the clients see errors, exit 1', async () => {
    const run = await scenario(1_500, 6_000);
    expect(run.exportStatus).toBe(200);
    // The export was cut: reading its body fails (no final chunk), it is not a short CSV.
    expect(run.exportResult.body).toBeNull();
    expect(run.exportResult.error).toMatch(/terminated|closed|ECONNRESET|socket/i);
    expect(run.queryResult.status).toBeNull();
    expect(run.queryResult.error).toMatch(/closed|socket|ECONNRESET|terminated/i);
    expect(run.code).toBe(1);
    expect(run.server.output()).toMatch(/"cut":2,"timeoutMs":1500,"msg":"drain timeout: in-flight requests were aborted"/);
    expect(run.server.output()).toMatch(/"exitCode":1,"durationMs":\d+,"cut":2,"msg":"stopped"/);
  }, 60_000);
});
