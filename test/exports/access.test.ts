import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/auth/tokens.ts';
import { createServer, type SupportgraphServer } from '../../src/server.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { parseCsv, postExport, seedFixture, type Fixture } from './helpers.ts';

let db: TestDatabase;
let fixture: Fixture;
let server: SupportgraphServer;
const secrets: Record<string, string> = {};

// A production server: every request needs a token, exactly as for /graphql.
beforeAll(async () => {
  db = await openTestDatabase();
  fixture = await seedFixture(db);
  server = createServer({ db, production: true });
  secrets.lead = (await createApiToken(db, { name: 'Alpha lead', role: 'TEAM_LEAD', teamIds: [fixture.teams.alpha] })).secret;
  secrets.ingest = (await createApiToken(db, { name: 'Importer', role: 'INGEST' })).secret;
  secrets.admin = (await createApiToken(db, { name: 'Admin', role: 'ADMIN' })).secret;
});

afterAll(async () => {
  await db?.destroy();
});

const TICKETS = '{ tickets(orderBy: { field: CREATED_AT, direction: ASC }) { nodes { externalId team { name } } } }';
const bearer = (who: string) => ({ authorization: `Bearer ${secrets[who]}` });

describe('exports run as the request’s viewer', () => {
  it('401 without a token', async () => {
    const response = await postExport(server, { query: TICKETS, format: 'csv' });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('a team lead exports only the tickets of its teams', async () => {
    const response = await postExport(server, { query: TICKETS, format: 'csv' }, bearer('lead'));
    expect(response.status).toBe(200);
    // Alpha owns t1, t4, t5.
    expect(parseCsv(await response.text())).toEqual([['External ID', 'Team name'], ['t1', 'Alpha'], ['t4', 'Alpha'], ['t5', 'Alpha']]);
  });

  it('the access policy applies: an ingest token may not read, a team lead may not read reports', async () => {
    const ingest = await postExport(server, { query: TICKETS, format: 'csv' }, bearer('ingest'));
    expect(ingest.status).toBe(403);
    const reports = await postExport(server, { query: '{ reports { name } }', format: 'csv' }, bearer('lead'));
    expect(reports.status).toBe(403);
  });

  it('an admin exports everything', async () => {
    const response = await postExport(server, { query: TICKETS, format: 'csv' }, bearer('admin'));
    expect(parseCsv(await response.text())).toHaveLength(7);
  });
});
