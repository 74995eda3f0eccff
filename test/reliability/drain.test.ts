import { Agent, request as httpRequest } from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../src/db/scratch.ts';
import { ServerLifecycle } from '../../src/lifecycle.ts';
import { createServer } from '../../src/server.ts';
import { openTestDatabase } from '../helpers/db.ts';
import { startServer, type ServerProcess } from './process.ts';

// Issue 11, item 4: SIGTERM while a long export and a long query run, with a keep-alive
// client polling /ready. A lock held by another session makes both "long" at will: the
// export has sent its first page when the lock is taken, so its next page (and the
// query) wait until the test releases it. Inside the drain timeout both finish and the
// process exits 0; outside it, both are aborted (the clients see errors, never a
// clean-looking truncated 200) and the process exits 1. PostgreSQL only (the lock).
//
// Every step waits for the event it depends on, never for a guessed delay, so a loaded
// machine only makes the test slower: the first poll answered, both requests waiting on
// the lock (pg_stat_activity), the server's "stopping" line (logged as draining starts),
// and the 503s the poller saw before the lock is released.

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
  status: number | null;
  connection: string | null;
  /** 1 for the first connection the agent opened, 2 for the next, ...; 0 when the request failed. */
  socket: number;
  error?: string;
}

interface Poller {
  polls: Poll[];
  /** Resolves with the index of the first poll (recorded so far or later) matching `test`; rejects if polling ends first. */
  until(test: (poll: Poll) => boolean): Promise<number>;
  /** Resolves once polling has ended: the server refused or cut a request, or stop() was called. */
  done: Promise<void>;
  stop(): void;
}

/**
 * Polls /ready every 100 ms through one keep-alive agent with a single socket (a load
 * balancer's view), one request at a time: the next is sent once the last has ended.
 */
function pollReady(server: ServerProcess): Poller {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const sockets = new Map<unknown, number>();
  const polls: Poll[] = [];
  const waiters: { test(poll: Poll): boolean; resolve(index: number): void; reject(error: Error): void }[] = [];
  let running = true;
  const record = (poll: Poll) => {
    polls.push(poll);
    for (const waiter of [...waiters]) {
      if (!waiter.test(poll)) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(polls.length - 1);
    }
  };
  const once = () =>
    new Promise<void>((resolve) => {
      const req = httpRequest(`${server.url}/ready`, { agent }, (res) => {
        if (!sockets.has(res.socket)) sockets.set(res.socket, sockets.size + 1);
        const poll: Poll = { status: res.statusCode ?? null, connection: res.headers.connection ?? null, socket: sockets.get(res.socket)! };
        res.resume();
        res.on('end', () => {
          record(poll);
          resolve();
        });
      });
      req.on('error', (error) => {
        record({ status: null, connection: null, socket: 0, error: (error as NodeJS.ErrnoException).code ?? error.message });
        resolve();
      });
      req.end();
    });
  const done = (async () => {
    while (running) {
      await once();
      if (polls.at(-1)?.error) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    agent.destroy();
    for (const waiter of waiters.splice(0)) waiter.reject(new Error(`polling /ready ended before the awaited answer: ${JSON.stringify(polls)}`));
  })();
  return {
    polls,
    until: (test) =>
      new Promise((resolve, reject) => {
        const index = polls.findIndex(test);
        if (index >= 0) resolve(index);
        else if (!running) reject(new Error('polling /ready has ended'));
        else waiters.push({ test, resolve, reject });
      }),
    done,
    stop: () => (running = false),
  };
}

async function lockTickets(): Promise<pg.Client> {
  const locker = new pg.Client({ connectionString: scratch.url });
  locker.on('error', () => undefined);
  await locker.connect();
  await locker.query('BEGIN');
  await locker.query('LOCK TABLE "Ticket" IN ACCESS EXCLUSIVE MODE');
  return locker;
}

/** Statements of the scratch database waiting for a lock (the ones the test's lock holds up). */
async function lockWaiters(watcher: pg.Client): Promise<number> {
  const { rows } = await watcher.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
  return rows[0].n;
}

/** Resolves once more than `count` statements wait for a lock. */
async function moreLockWaitersThan(watcher: pg.Client, count: number): Promise<number> {
  for (;;) {
    const waiting = await lockWaiters(watcher);
    if (waiting > count) return waiting;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Starts a server, holds the export and the query on the lock, sends SIGTERM once both
 * wait, and releases the lock when `release` says: once /ready has answered 503 on the
 * kept-alive socket and then on a new connection (the drain waits for the work), or
 * only after the process has exited (the drain has to cut the work).
 */
async function scenario(timeoutMs: number, release: 'after-503s' | 'after-exit') {
  const server = await startServer({ DATABASE_URL: scratch.url, SHUTDOWN_TIMEOUT_MS: String(timeoutMs), RATE_LIMIT_PER_MINUTE: '100000' });
  const ready = pollReady(server);
  await ready.until((poll) => poll.status === 200);
  const watcher = new pg.Client({ connectionString: scratch.url });
  await watcher.connect();
  // The export streams pages of 100 tickets; its first bytes are out when fetch resolves.
  const query = encodeURIComponent('{ tickets { nodes { externalId createdAt } } }');
  const exportResponse = await fetch(`${server.url}/export?format=csv&query=${query}`);
  const locker = await lockTickets();
  let exportSettled = false;
  const exported = exportResponse.text().then(
    (body) => ({ body, error: null as string | null }),
    (error: unknown) => ({ body: null, error: String((error as Error).cause ?? error) }),
  );
  void exported.finally(() => (exportSettled = true));
  // The export's next page waits for the lock before the query is sent, and the query too before SIGTERM.
  const exportWaiting = await moreLockWaitersThan(watcher, 0);
  let querySettled = false;
  const queried = fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ tickets(first: 1) { totalCount } }' }),
  }).then(
    async (response) => ({ status: response.status, body: (await response.json()) as unknown, error: null as string | null }),
    (error: unknown) => ({ status: null, body: null, error: String((error as Error).cause ?? error) }),
  );
  void queried.finally(() => (querySettled = true));
  await moreLockWaitersThan(watcher, exportWaiting);
  await watcher.end();
  const pollsBeforeTerm = ready.polls.length;
  server.child.kill('SIGTERM');
  let heldAtFirst503: { exportSettled: boolean; querySettled: boolean } | null = null;
  void ready.until((poll) => poll.status === 503).then(
    () => (heldAtFirst503 = { exportSettled, querySettled }),
    () => undefined,
  );
  const unlock = () => locker.query('COMMIT').catch(() => undefined);
  if (release === 'after-503s') {
    // Logged as the drain starts (draining is set in the same turn); then the kept-alive
    // socket's 503 and the next connection's.
    await server.logged(/"msg":"stopping: draining in-flight requests"/);
    const first503 = await ready.until((poll) => poll.status === 503);
    await ready.until((poll) => poll.status === 503 && ready.polls.indexOf(poll) > first503);
    await unlock();
  }
  const [exportResult, queryResult, code] = await Promise.all([exported, queried, server.exited]);
  if (release === 'after-exit') await unlock();
  await locker.end().catch(() => undefined);
  // After the exit the next poll is refused, which ends polling.
  await ready.done;
  return { server, pollsBeforeTerm, heldAtFirst503, exportResult, queryResult, code, polls: ready.polls, exportStatus: exportResponse.status };
}

describe.skipIf(!serverUrl)('SIGTERM drain', () => {
  it('inside the timeout (lock released once /ready has answered 503, SHUTDOWN_TIMEOUT_MS 8000): export and query finish, /ready is 503 with Connection: close, exit 0', async () => {
    const run = await scenario(8_000, 'after-503s');
    expect(run.exportStatus).toBe(200);
    expect(run.exportResult.error).toBeNull();
    // Header plus every ticket.
    expect(run.exportResult.body!.split('\r\n').filter((line) => line !== '')).toHaveLength(TICKETS + 1);
    expect(run.queryResult).toMatchObject({ status: 200, body: { data: { tickets: { totalCount: TICKETS } } } });
    expect(run.code).toBe(0);
    expect(run.server.output()).toMatch(/"exitCode":0,"durationMs":\d+,"cut":0,"msg":"stopped"/);
    const before = run.polls.slice(0, run.pollsBeforeTerm);
    expect(before.length).toBeGreaterThan(0);
    expect(before.every((poll) => poll.status === 200 && poll.socket === 1)).toBe(true);
    // On the same kept-alive socket, /ready turns 503 and closes the connection, while the
    // lock still holds the export and the query (released only after this 503); no 200 after.
    const first503 = run.polls.findIndex((poll) => poll.status === 503);
    expect(first503).toBeGreaterThan(0);
    expect(run.polls[first503]).toMatchObject({ status: 503, connection: 'close', socket: 1 });
    expect(run.heldAtFirst503).toEqual({ exportSettled: false, querySettled: false });
    expect(run.polls.slice(first503).some((poll) => poll.status === 200)).toBe(false);
  }, 60_000);

  it('outside the timeout (lock held until the process has exited, SHUTDOWN_TIMEOUT_MS 1500): both are aborted, the clients see errors, exit 1', async () => {
    const run = await scenario(1_500, 'after-exit');
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

// The race behind the check above, in process: a /ready that was checking the database
// when the drain began answered 200 (with Connection: close, so the balancer's next poll
// saw the 503 on a new connection). It answers 503 now. Runs on PGlite and PostgreSQL.
describe('/ready while a drain begins', () => {
  it('answers 503 "draining" when the drain began during its database check', async () => {
    const db = await openTestDatabase();
    try {
      const lifecycle = new ServerLifecycle();
      const drainDuringPing = {
        ...db,
        async ping(timeoutMs: number) {
          await db.ping(timeoutMs);
          void lifecycle.drain(1_000);
        },
      };
      const yoga = createServer({ db: drainDuringPing, lifecycle });
      const response = await yoga.fetch('http://test/ready');
      expect(lifecycle.draining).toBe(true);
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ status: 'draining' });
    } finally {
      await db.destroy();
    }
  });
});
