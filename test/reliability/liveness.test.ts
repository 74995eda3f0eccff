import { createServer as createHttpServer, type Server } from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type SupportgraphServer } from '../../src/server.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { bearer, makeToken, TEST_ADMIN_TOKEN } from '../auth/helpers.ts';

// Issue 11, item 11: /health must not queue behind queries for a pooled connection, and
// wrong API tokens and wrong report-link tokens are rate limited per client address
// (AUTH_FAILURES_PER_MINUTE), each just inside and just outside the limit.

let db: TestDatabase;
const servers: Server[] = [];

beforeAll(async () => {
  db = await openTestDatabase();
  await db.prisma.ticket.create({ data: { externalId: 'h1', channel: 'EMAIL', status: 'OPEN', createdAt: new Date('2026-01-01T00:00:00Z') } });
});

afterAll(async () => {
  for (const server of servers) server.close();
  await db?.destroy();
});

/** Serves a Supportgraph server over a real socket on 127.0.0.1 (the limits key on the peer address). */
async function listen(yoga: SupportgraphServer): Promise<string> {
  const http = createHttpServer(yoga);
  servers.push(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(http.address() as { port: number }).port}`;
}

describe('failed authentications per address (AUTH_FAILURES_PER_MINUTE = 3 here)', () => {
  it('wrong API tokens: 3 answer 401, the 4th 429 with Retry-After, and then even a right token waits', async () => {
    const { secret } = await makeToken(db, 'ANALYST');
    const url = await listen(createServer({ db, production: true, config: { authFailuresPerMinute: 3 } }));
    const post = (token: string) =>
      fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(token) }, body: JSON.stringify({ query: '{ teams { name } }' }) });
    // A right token does not count.
    expect((await post(secret)).status).toBe(200);
    for (let i = 0; i < 3; i++) {
      const wrong = await post(`sg_wrong-${i}`);
      expect(wrong.status).toBe(401);
      expect(((await wrong.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
    const fourth = await post('sg_wrong-3');
    expect(fourth.status).toBe(429);
    expect(Number(fourth.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = (await fourth.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(body.errors[0].message).toMatch(/too many failed authentications from this address \(3 a minute\); try again in \d+ s/);
    // Guessing cannot go on: while blocked, the address is refused before any lookup.
    expect((await post(secret)).status).toBe(429);
  });

  it('wrong report-link tokens: 3 answer 401, the 4th 429', async () => {
    const admin = createServer({ db, production: true, config: { adminToken: TEST_ADMIN_TOKEN } });
    const created = await admin.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(TEST_ADMIN_TOKEN) },
      body: JSON.stringify({ query: 'mutation { createReport(input: { name: "Links", query: "{ teams { name } }", format: CSV }) { url } }' }),
    });
    const link = new URL(((await created.json()) as { data: { createReport: { url: string } } }).data.createReport.url);
    const url = await listen(createServer({ db, production: true, config: { authFailuresPerMinute: 3 } }));
    const right = await fetch(`${url}${link.pathname}?token=${link.searchParams.get('token')}`);
    expect(right.status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await fetch(`${url}${link.pathname}?token=wrong${i}`)).status).toBe(401);
    const fourth = await fetch(`${url}${link.pathname}?token=wrong3`);
    expect(fourth.status).toBe(429);
    expect(((await fourth.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('RATE_LIMITED');
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)('/health under load (PostgreSQL)', () => {
  it('answers 200 while every pooled connection waits on a lock; 503 once the database refuses connections', async () => {
    const yoga = createServer({ db, config: { rateLimitPerMinute: 100_000 } });
    const name = new URL(db.location).pathname.slice(1);
    const admin = new pg.Client({ connectionString: db.location });
    admin.on('error', () => undefined);
    await admin.connect();
    await admin.query('BEGIN');
    await admin.query('LOCK TABLE "Ticket" IN ACCESS EXCLUSIVE MODE');
    // The test database's pool has 5 connections: 8 blocked queries hold all of them.
    let answered = 0;
    const blocked = Array.from({ length: 8 }, () =>
      Promise.resolve(
        yoga.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ tickets(first: 1) { totalCount } }' }) }),
      ).then(async (response) => {
          answered += 1;
          return response.json();
        }),
    );
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const health = await yoga.fetch('http://test/health');
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok', database: 'postgres' });
      // None of the queries got through meanwhile: /health did not wait behind them.
      expect(answered).toBe(0);
    } finally {
      await admin.query('COMMIT');
    }
    for (const result of await Promise.all(blocked)) expect(result).toEqual({ data: { tickets: { totalCount: 1 } } });

    // Outside: the database refuses new connections and drops the existing ones.
    const server = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    server.on('error', () => undefined);
    await server.connect();
    try {
      await server.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      await server.query(`SELECT pg_terminate_backend(pid) FROM (SELECT pid FROM pg_stat_activity WHERE datname = $1 OFFSET 0) AS s`, [name]);
      const down = await yoga.fetch('http://test/health');
      expect(down.status).toBe(503);
      expect(((await down.json()) as { status: string }).status).toBe('unavailable');
    } finally {
      await server.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
      await server.end();
    }
    expect((await yoga.fetch('http://test/health')).status).toBe(200);
    await admin.end().catch(() => undefined);
  }, 30_000);
});
