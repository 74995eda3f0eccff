import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { gqlClient, type GqlClient } from '../helpers/graphql.ts';
import { parseCsv, seedFixture } from './helpers.ts';

let db: TestDatabase;
let client: GqlClient;
let exportDir: string;
const savedEnv = { EXPORT_DIR: process.env.EXPORT_DIR, PUBLIC_URL: process.env.PUBLIC_URL };

beforeAll(async () => {
  exportDir = await mkdtemp(join(tmpdir(), 'sg-reports-'));
  process.env.EXPORT_DIR = exportDir;
  delete process.env.PUBLIC_URL;
  db = await openTestDatabase();
  await seedFixture(db);
  client = gqlClient(db);
});

afterAll(async () => {
  process.env.EXPORT_DIR = savedEnv.EXPORT_DIR;
  if (savedEnv.PUBLIC_URL !== undefined) process.env.PUBLIC_URL = savedEnv.PUBLIC_URL;
  await db?.destroy();
  await rm(exportDir, { recursive: true, force: true });
});

const TICKETS_QUERY = `query($channel: Channel!) {
  tickets(filter: { channels: [$channel] }, orderBy: { field: CREATED_AT, direction: ASC }) { nodes { externalId subject createdAt } }
}`;

const REPORT_FIELDS = `id name format timeZone schedule nextRunAt url range lastDays variables destinations { folder webhookUrl email }`;

async function createReport(input: Record<string, unknown>) {
  const result = await client.query(`mutation($input: ReportInput!) { createReport(input: $input) { ${REPORT_FIELDS} } }`, { input });
  return result;
}

function linkOf(url: string): { path: string; token: string } {
  const parsed = new URL(url);
  return { path: `${parsed.pathname}`, token: parsed.searchParams.get('token') ?? '' };
}

describe('saved reports', () => {
  it('creates a report: stored definition, next run from the cron in its zone, a link with a token', async () => {
    const result = await createReport({
      name: 'Email tickets',
      query: TICKETS_QUERY,
      variables: { channel: 'EMAIL' },
      format: 'CSV',
      timeZone: 'Europe/Berlin',
      schedule: '0 8 * * 1',
      destinations: [{ folder: 'email-tickets' }, { email: ['lead@example.com'] }],
    });
    expect(result.errors).toBeUndefined();
    const report = result.data.createReport;
    expect(report).toMatchObject({
      name: 'Email tickets',
      format: 'CSV',
      timeZone: 'Europe/Berlin',
      schedule: '0 8 * * 1',
      variables: { channel: 'EMAIL' },
      destinations: [
        { folder: 'email-tickets', webhookUrl: null, email: null },
        { folder: null, webhookUrl: null, email: ['lead@example.com'] },
      ],
    });
    // The next Monday 08:00 in Berlin is 06:00 or 07:00 UTC, depending on DST.
    const next = new Date(report.nextRunAt);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect(next.getUTCDay()).toBe(1);
    expect([6, 7]).toContain(next.getUTCHours());
    expect(report.url).toMatch(/^http:\/\/test\/reports\/\d+\.csv\?token=[\w-]{43}$/);
  });

  it('refuses definitions it could not run, saying what to change', async () => {
    const base = { name: 'x', query: TICKETS_QUERY, variables: { channel: 'EMAIL' }, format: 'CSV' };
    const cases: [Record<string, unknown>, string][] = [
      [{ schedule: 'every monday' }, 'must be a cron expression with 5 fields'],
      [{ schedule: '0 25 * * *' }, 'is not a valid cron expression'],
      [{ range: 'LAST_WEEK' }, 'declares no $range variable'],
      [{ query: '{ teams { name } agents { nodes { name } } }', variables: null }, 'keep one of them'],
      [{ variables: null }, 'the query needs $channel'],
      [{ query: 'mutation { deleteReport(id: "1") }' }, 'exports run queries only'],
      [{ query: '{ teams { nope } }' }, 'Cannot query field "nope"'],
      [{ destinations: [{ folder: '../etc' }] }, 'must be a relative folder inside EXPORT_DIR'],
      [{ destinations: [{ folder: 'a', email: ['a@example.com'] }] }, 'exactly one of folder, webhookUrl or email'],
      [{ destinations: [{ webhookUrl: 'ftp://example.com/x' }] }, 'http or https'],
      [{ lastDays: 3 }, 'lastDays goes with range LAST_N_DAYS only'],
    ];
    for (const [change, message] of cases) {
      const result = await createReport({ ...base, ...change });
      expect(result.errors?.[0].extensions?.code, message).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0].message).toContain(message);
    }
    const range = await createReport({
      ...base,
      query: 'query($range: DateTimeRange!) { tickets(filter: { createdAt: $range }) { nodes { externalId } } }',
      variables: null,
      range: 'LAST_N_DAYS',
    });
    expect(range.errors?.[0].message).toContain('needs lastDays');
  });

  it('serves the stable link with the right token only: 401 for a wrong, missing or revoked token and for unknown reports', async () => {
    const created = await createReport({ name: 'Chat tickets', query: TICKETS_QUERY, variables: { channel: 'CHAT' }, format: 'CSV' });
    const report = created.data.createReport;
    const { path, token } = linkOf(report.url);

    const ok = await client.server.fetch(`http://test${path}?token=${token}`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-disposition')).toBe('attachment; filename="chat-tickets.csv"');
    // The chat tickets of the fixture: t2 and t5, created 09:00 UTC (the report's zone).
    expect(parseCsv(await ok.text())).toEqual([
      ['External ID', 'Subject', 'Created at'],
      ['t2', 'Comma, "quoted" and\nnewline', '2026-03-02T09:00:00+00:00'],
      ['t5', '', '2026-03-03T09:00:00+00:00'],
    ]);
    // Other formats of the same report through the same link.
    const json = await client.server.fetch(`http://test${path.replace('.csv', '.json')}?token=${token}`);
    expect(((await json.json()) as unknown[]).length).toBe(2);

    const refused = async (url: string) => {
      const response = await client.server.fetch(url);
      const text = await response.text();
      expect(response.status, url).toBe(401);
      expect(JSON.parse(text).errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(text).not.toContain('t2');
      return text;
    };
    const wrong = await refused(`http://test${path}?token=${token.slice(0, -2)}xx`);
    const missing = await refused(`http://test${path}`);
    const unknown = await refused(`http://test/reports/999999.csv?token=${token}`);
    expect(new Set([wrong, missing, unknown]).size).toBe(1);

    const rotated = await client.query(`mutation($id: ID!) { rotateReportToken(id: $id) { url } }`, { id: report.id });
    const fresh = linkOf(rotated.data.rotateReportToken.url);
    expect(fresh.token).not.toBe(token);
    await refused(`http://test${path}?token=${token}`);
    expect((await client.server.fetch(`http://test${fresh.path}?token=${fresh.token}`)).status).toBe(200);

    // Stored hashed: later reads cannot show the token.
    const read = await client.query(`query($id: ID!) { report(id: $id) { url } }`, { id: report.id });
    expect(read.data.report.url).toBe(`http://test${path}?token=HIDDEN`);
  });

  it('runReport: exports now, delivers to the folder, records the run and lists it on the report', async () => {
    const created = await createReport({
      name: 'Email tickets (manual)',
      query: TICKETS_QUERY,
      variables: { channel: 'EMAIL' },
      format: 'CSV',
      destinations: [{ folder: 'manual' }],
    });
    const id = created.data.createReport.id;
    const run = await client.query(
      `mutation($id: ID!) { runReport(id: $id) { trigger status rows bytes error startedAt finishedAt deliveries { kind status attempts detail destination } } }`,
      { id },
    );
    expect(run.errors).toBeUndefined();
    const result = run.data.runReport;
    // Email tickets: t1, t3, t4.
    expect(result).toMatchObject({ trigger: 'MANUAL', status: 'SUCCEEDED', rows: 3, error: null });
    expect(result.deliveries).toEqual([
      { kind: 'FOLDER', status: 'DELIVERED', attempts: 1, detail: expect.stringContaining(join(exportDir, 'manual')), destination: 'folder manual' },
    ]);
    const files = await readdir(join(exportDir, 'manual'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^email-tickets-manual-\d{4}-\d\d-\d\dT\d{4}-run\d+\.csv$/);
    const content = await readFile(join(exportDir, 'manual', files[0]));
    expect(content.byteLength).toBe(result.bytes);
    expect(parseCsv(content.toString('utf8')).map((row) => row[0])).toEqual(['External ID', 't1', 't3', 't4']);

    const listed = await client.query(`query($id: ID!) { report(id: $id) { runs(first: 5) { totalCount nodes { status rows } } } }`, { id });
    expect(listed.data.report.runs).toEqual({ totalCount: 1, nodes: [{ status: 'SUCCEEDED', rows: 3 }] });
  });

  it('updates and deletes reports; a deleted report’s link answers 401', async () => {
    const created = await createReport({ name: 'Temp', query: TICKETS_QUERY, variables: { channel: 'EMAIL' }, format: 'JSON' });
    const { id, url } = created.data.createReport;
    const updated = await client.query(`mutation($id: ID!, $input: ReportInput!) { updateReport(id: $id, input: $input) { ${REPORT_FIELDS} } }`, {
      id,
      input: { name: 'Temp 2', query: TICKETS_QUERY, variables: { channel: 'PHONE' }, format: 'JSON', schedule: '30 6 1 * *', timeZone: 'America/New_York' },
    });
    expect(updated.errors).toBeUndefined();
    expect(updated.data.updateReport).toMatchObject({ name: 'Temp 2', schedule: '30 6 1 * *', timeZone: 'America/New_York' });
    expect(new Date(updated.data.updateReport.nextRunAt).getUTCDate()).toBe(1);
    // The token survives an update: the link still works and now shows the phone ticket t6.
    const { path, token } = linkOf(url);
    const response = await client.server.fetch(`http://test${path}?token=${token}`);
    expect(((await response.json()) as { externalId: string }[]).map((r) => r.externalId)).toEqual(['t6']);

    const deleted = await client.query(`mutation($id: ID!) { deleteReport(id: $id) }`, { id });
    expect(deleted.data.deleteReport).toBe(true);
    expect((await client.server.fetch(`http://test${path}?token=${token}`)).status).toBe(401);
    const missing = await client.query(`mutation($id: ID!) { deleteReport(id: $id) }`, { id });
    expect(missing.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('lists reports by name', async () => {
    const result = await client.query(`{ reports { name } }`);
    expect(result.data.reports.map((r: { name: string }) => r.name)).toEqual(['Chat tickets', 'Email tickets', 'Email tickets (manual)']);
  });
});
