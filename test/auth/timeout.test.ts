import { createServer as createHttpServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newRequestSqlContext, runInRequest } from '../../src/db/request-context.ts';
import { activeStatements, lockTableElsewhere, openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { gqlClient } from '../helpers/graphql.ts';
import { captureLogger } from './helpers.ts';

// statement_timeout and cancellation are PostgreSQL features: PGlite runs each statement
// to the end inside this process, with nothing to time out or cancel.
const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

let db: TestDatabase;

beforeAll(async () => {
  db = await openTestDatabase();
  if (!onPostgres) return;
  const team = await db.prisma.team.create({ data: { externalId: 't1', name: 'Support' } });
  await db.prisma.ticket.create({
    data: { externalId: 'x1', channel: 'EMAIL', status: 'OPEN', createdAt: new Date('2026-01-01T00:00:00Z'), teamId: team.id },
  });
});

afterAll(async () => {
  await db?.destroy();
});

/** Statements of this database (other than ours) waiting for a lock right now. */
const waitingStatements = () => activeStatements(db);

async function eventually(check: () => Promise<boolean>, ms = 10_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

describe.skipIf(!onPostgres)('statement timeout (PostgreSQL)', () => {
  it('runs request SQL under QUERY_TIMEOUT_MS and other SQL under the server default', async () => {
    const inside = await runInRequest(newRequestSqlContext(1234, null), () =>
      db.driver.query<{ statement_timeout: string }>('SHOW statement_timeout'),
    );
    expect(inside[0].statement_timeout).toBe('1234ms');
    const outside = await db.driver.query<{ statement_timeout: string }>('SHOW statement_timeout');
    expect(outside[0].statement_timeout).toBe('0');
  });

  it('answers QUERY_TIMEOUT when a statement runs past the timeout, and leaves nothing running', async () => {
    const log = captureLogger('info');
    const client = gqlClient(db, { config: { queryTimeoutMs: 300 }, logger: log.logger });
    const unlock = await lockTableElsewhere(db, 'Ticket');
    try {
      const result = await client.query('query Slow { tickets { totalCount } }');
      expect(result.errors?.[0].extensions?.code).toBe('QUERY_TIMEOUT');
      expect(result.errors?.[0].message).toMatch(/longer than 300 ms/);
      expect(await waitingStatements()).toEqual([]);
      expect(log.lines().find((line) => line.operation === 'Slow')).toMatchObject({ errors: ['QUERY_TIMEOUT'] });
    } finally {
      await unlock();
    }
  });

  it('cancels the statements of a request whose client goes away', async () => {
    const client = gqlClient(db, { config: { queryTimeoutMs: 60_000 } });
    const unlock = await lockTableElsewhere(db, 'Ticket');
    try {
      const abort = new AbortController();
      const pending = Promise.resolve(
        client.server.fetch('http://test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ tickets { totalCount nodes { id } } }' }),
          signal: abort.signal,
        }),
      )
        .then((response) => response.text())
        .catch((error: unknown) => error);
      expect(await eventually(async () => (await waitingStatements()).some((sql) => sql.includes('"Ticket"')))).toBe(true);
      abort.abort();
      await pending;
      expect(await eventually(async () => (await waitingStatements()).length === 0)).toBe(true);
    } finally {
      await unlock();
    }
  });
});

describe.skipIf(!onPostgres)('a client that hangs up over HTTP', () => {
  it('cancels the statements of its request, and a client that waits for its answer is not cancelled', async () => {
    const client = gqlClient(db, { config: { queryTimeoutMs: 60_000 } });
    const http = createHttpServer(client.server);
    await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
    const port = (http.address() as AddressInfo).port;
    const body = JSON.stringify({ query: '{ tickets { totalCount nodes { id } } }' });
    const send = () =>
      request({ host: '127.0.0.1', port, path: '/graphql', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } });
    const unlock = await lockTableElsewhere(db, 'Ticket');
    try {
      // The Node response closes before its answer is written: the client went away.
      const gone = send();
      gone.on('error', () => undefined);
      gone.end(body);
      expect(await eventually(async () => (await waitingStatements()).some((sql) => sql.includes('"Ticket"')))).toBe(true);
      gone.destroy();
      expect(await eventually(async () => (await waitingStatements()).length === 0)).toBe(true);
      // One that waits gets its answer once the lock is gone.
      const waits = send();
      const answer = new Promise<string>((resolve, reject) => {
        waits.on('response', (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => resolve(text));
        });
        waits.on('error', reject);
      });
      waits.end(body);
      expect(await eventually(async () => (await waitingStatements()).some((sql) => sql.includes('"Ticket"')))).toBe(true);
      await unlock();
      expect(JSON.parse(await answer)).toEqual({ data: { tickets: { totalCount: 1, nodes: [{ id: expect.any(String) }] } } });
    } finally {
      await unlock();
      await new Promise((done) => http.close(done));
    }
  });
});

describe.skipIf(onPostgres)('statement timeout (PGlite)', () => {
  it.skip('needs PostgreSQL: PGlite runs statements in-process and cannot time out or cancel them', () => undefined);
});
