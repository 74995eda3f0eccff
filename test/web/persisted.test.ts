import { parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../seeds/demo.ts';
import { buildSchema } from '../../src/schema/index.ts';
import { documentHash, TRUSTED_DOCUMENTS } from '../../src/static/persisted.ts';
import { createServer, type SupportgraphServer } from '../../src/server.ts';
import { DASHBOARD_DOCUMENTS } from '../../web/src/queries.ts';
import { makeToken, TEST_ADMIN_TOKEN } from '../auth/helpers.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';

const NOW = new Date('2026-11-25T10:00:00Z');
const range = { from: '2026-10-28T00:00:00Z', to: '2026-11-25T00:00:00Z' };
let db: TestDatabase;
let restricted: SupportgraphServer;
let open: SupportgraphServer;
let lead: Record<string, string>;
let analyst: Record<string, string>;

async function post(server: SupportgraphServer, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await server.fetch('http://test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { data?: any; errors?: { message: string; extensions: { code: string } }[] } };
}

const byHash = (name: string, variables: Record<string, unknown> = {}) => ({
  operationName: name,
  variables,
  extensions: { persistedQuery: { version: 1, sha256Hash: documentHash(DASHBOARD_DOCUMENTS[name]) } },
});

beforeAll(async () => {
  db = await openTestDatabase();
  await seedDemo(db, { tickets: 300, seed: 3, days: 60, now: NOW });
  const teamId = (await db.driver.query<{ id: number }>('SELECT id FROM "Team" ORDER BY id LIMIT 1'))[0].id;
  lead = (await makeToken(db, 'TEAM_LEAD', { teamIds: [teamId] })).header;
  analyst = (await makeToken(db, 'ANALYST')).header;
  restricted = createServer({ db, production: true, config: { adminToken: TEST_ADMIN_TOKEN, trustedDocumentsOnly: true } });
  open = createServer({ db });
});
afterAll(async () => db?.destroy());

describe('the dashboard documents', () => {
  it('are all valid against the schema, and published under their SHA-256', () => {
    const schema = buildSchema();
    for (const [name, text] of Object.entries(DASHBOARD_DOCUMENTS)) {
      expect(validate(schema, parse(text)).map((e) => e.message), name).toEqual([]);
      expect(text, name).toContain(`query ${name}`);
      expect(TRUSTED_DOCUMENTS.get(documentHash(text))).toBe(text);
    }
    expect(TRUSTED_DOCUMENTS.size).toBe(Object.keys(DASHBOARD_DOCUMENTS).length);
  });

  it('are listed at /persisted-documents.json by hash, without a token', async () => {
    const response = await restricted.fetch('http://test/persisted-documents.json');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(Object.fromEntries(Object.values(DASHBOARD_DOCUMENTS).map((text) => [documentHash(text), text])));
  });

  it('run by hash, without sending their text', async () => {
    const { body } = await post(open, byHash('DashboardKpis', { range, previous: range, timeZone: 'UTC', granularity: 'WEEK' }));
    expect(body.errors).toBeUndefined();
    expect(body.data.current.ticketsCreated).toBe(body.data.previous.ticketsCreated);
    // The weekly series adds up to the range's total (one statement each, same filter).
    expect(body.data.series.reduce((sum: number, b: { metrics: { ticketsCreated: number } }) => sum + b.metrics.ticketsCreated, 0)).toBe(body.data.current.ticketsCreated);
  });

  it('refuses an unknown hash with PERSISTED_QUERY_NOT_FOUND', async () => {
    const { body } = await post(open, { extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } });
    expect(body.errors?.[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });
});

describe('TRUSTED_DOCUMENTS_ONLY', () => {
  it('lets a TEAM_LEAD run only the published documents (by hash or by their exact text)', async () => {
    const free = await post(restricted, { query: '{ teams { id name } }' }, lead);
    expect(free.status).toBe(403);
    expect(free.body.errors?.[0].extensions.code).toBe('PERSISTED_QUERY_ONLY');
    expect(free.body.errors?.[0].message).toMatch(/sha256Hash/);

    const hashed = await post(restricted, byHash('DashboardViewer'), lead);
    expect(hashed.body.errors).toBeUndefined();
    expect(hashed.body.data.viewer.role).toBe('TEAM_LEAD');
    expect(hashed.body.data.teams).toHaveLength(1);

    const text = await post(restricted, { query: DASHBOARD_DOCUMENTS.DashboardViewer }, lead);
    expect(text.body.errors).toBeUndefined();
    expect(text.body.data.teams).toHaveLength(1);
  });

  it('still lets ANALYST and ADMIN tokens send any query', async () => {
    for (const headers of [analyst, { authorization: `Bearer ${TEST_ADMIN_TOKEN}` }]) {
      const { body } = await post(restricted, { query: '{ teams { name } }' }, headers);
      expect(body.errors).toBeUndefined();
      expect(body.data.teams.length).toBeGreaterThan(1);
    }
  });

  it('still asks for a token first', async () => {
    const { status, body } = await post(restricted, byHash('DashboardViewer'));
    expect(status).toBe(401);
    expect(body.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});
