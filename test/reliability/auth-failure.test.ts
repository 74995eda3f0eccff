import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type SupportgraphServer } from '../../src/server.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { captureLogger, makeToken } from '../auth/helpers.ts';

// Issue 11, item 2: when the database fails during the token lookup, an
// unauthenticated caller gets a coded JSON error (never a text/plain stack trace).
// Just inside: the database answers, so a wrong token is a plain 401. Just outside: the
// lookup fails, first with a broken table (500 INTERNAL_SERVER_ERROR, masked, with the
// request id), then (PostgreSQL) with the database refusing connections (503
// DATABASE_UNAVAILABLE with Retry-After).

let db: TestDatabase;
let server: SupportgraphServer;
let secret: string;
const log = captureLogger();

beforeAll(async () => {
  db = await openTestDatabase();
  secret = (await makeToken(db, 'ANALYST')).secret;
  server = createServer({ db, production: true, logger: log.logger });
});

afterAll(async () => {
  await db?.destroy();
});

async function post(token: string) {
  const response = await server.fetch('http://test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: '{ teams { name } }' }),
  });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type'), retryAfter: response.headers.get('retry-after'), text, body: JSON.parse(text) };
}

describe('a failing token lookup', () => {
  it('inside: the database answers, a wrong token is 401 UNAUTHENTICATED and a right one works', async () => {
    const wrong = await post('sg_not-a-token');
    expect(wrong.status).toBe(401);
    expect(wrong.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const right = await post(secret);
    expect(right.status).toBe(200);
    expect(right.body).toEqual({ data: { teams: [] } });
  });

  it('outside: a broken token table is a masked 500 in JSON with the request id, logged', async () => {
    await db.driver.query('ALTER TABLE "ApiToken" RENAME TO "ApiTokenAway"');
    try {
      const answer = await post('sg_not-a-token');
      expect(answer.status).toBe(500);
      expect(answer.type).toMatch(/application\/json/);
      expect(answer.body.errors).toHaveLength(1);
      expect(answer.body.errors[0].message).toBe('Unexpected error.');
      expect(answer.body.errors[0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
      expect(typeof answer.body.errors[0].extensions.requestId).toBe('string');
      expect(answer.text).not.toMatch(/Prisma|authenticate|\bat .*\.ts:\d+/);
      const logged = log.lines().find((line) => line.requestId === answer.body.errors[0].extensions.requestId && line.msg === 'unexpected error');
      expect(logged).toBeDefined();
    } finally {
      await db.driver.query('ALTER TABLE "ApiTokenAway" RENAME TO "ApiToken"');
    }
    expect((await post(secret)).status).toBe(200);
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)('outside: a database that refuses connections is 503 DATABASE_UNAVAILABLE with Retry-After', async () => {
    const name = new URL(db.location).pathname.slice(1);
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    admin.on('error', () => undefined);
    await admin.connect();
    try {
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      await admin.query(`SELECT pg_terminate_backend(pid) FROM (SELECT pid FROM pg_stat_activity WHERE datname = $1 OFFSET 0) AS s`, [name]);
      const answer = await post('sg_not-a-token');
      expect(answer.status).toBe(503);
      expect(answer.retryAfter).toBe('1');
      expect(answer.body.errors[0].extensions.code).toBe('DATABASE_UNAVAILABLE');
      expect(answer.body.errors[0].message).toMatch(/database connection failed.*retry in 1 s/);
      expect(answer.text).not.toMatch(/\bat .*\.(ts|js):\d+/);
    } finally {
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
      await admin.end();
    }
    expect((await post(secret)).status).toBe(200);
  });
});
