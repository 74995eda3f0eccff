import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { gqlClient, type GqlClient } from '../helpers/graphql.ts';
import { parseImportArgs, runImport, UsageError } from '../../src/ingest/cli.ts';
import type { ImportSummary } from '../../src/ingest/importers/pipeline.ts';
import { tableChecksums } from './helpers.ts';

// Real vendor layouts (fixtures built from Zendesk's Incremental Exports, Ticket
// Metrics and Side-loading references and Freshdesk's Tickets API and export), with the
// KPIs of what they import computed by hand next to the expectations.

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

let db: TestDatabase;
let gql: GqlClient;
let dir: string;

function fixture(name: string): string {
  const path = join(dir, name);
  copyFileSync(join(FIXTURES, name), path);
  return path;
}

async function importFile(args: string[]): Promise<ImportSummary> {
  const progress = { write: () => true, isTTY: false } as unknown as NodeJS.WritableStream;
  return runImport(parseImportArgs([...args, '--rejects', `${args[0]}.rejects.csv`]), db, { out: () => undefined, progress });
}

const rejects = (path: string) => parse(readFileSync(`${path}.rejects.csv`), { columns: true }) as Record<string, string>[];

/** KPIs over the tickets whose externalId starts with `prefix`, through the public API. */
async function kpis(prefix: string, from: string, to: string) {
  const ids = await db.driver.query<{ id: number }>(`SELECT id FROM "Customer" WHERE "externalId" LIKE $1`, [`${prefix}%`]);
  const result = await gql.query(
    `query($range: DateTimeRange!, $filter: TicketFilter) { metrics(range: $range, filter: $filter) {
       ticketsCreated ticketsSolved firstResponseTime { count avg } resolutionTime { count avg } csat { responses score average } } }`,
    { range: { from, to }, filter: { customerIds: await customerNodeIds(ids.map((r) => r.id)) } },
  );
  expect(result.errors).toBeUndefined();
  const [replies] = await db.driver.query<{ n: number }>(
    `SELECT coalesce(sum("agentReplies"), 0)::int AS n FROM "Ticket" WHERE "externalId" LIKE $1`,
    [`${prefix.split(':')[0]}:%`],
  );
  return { ...result.data.metrics, replies: replies.n };
}

/** Global ids of customers, as the API takes them in filters. */
async function customerNodeIds(ids: number[]): Promise<string[]> {
  const result = await gql.query(`{ customers(first: 100) { nodes { id externalId } } }`);
  const byExternal = new Map<string, string>((result.data.customers.nodes as { id: string; externalId: string }[]).map((n) => [n.externalId, n.id]));
  const rows = await db.driver.query<{ externalId: string }>(`SELECT "externalId" FROM "Customer" WHERE id = ANY($1::int[])`, [ids]);
  return rows.map((r) => byExternal.get(r.externalId)).filter((id): id is string => id !== undefined);
}

async function ticket(externalId: string): Promise<Record<string, unknown> | undefined> {
  const [row] = await db.driver.query<Record<string, unknown>>(
    `SELECT t.status, t.channel, t.priority, t."createdAt", t."firstResponseAt", t."solvedAt", t."closedAt", t."agentReplies", t."reopenCount",
            a.name AS assignee, a.email AS "assigneeEmail", tm.name AS team, c.name AS customer, c.email AS "customerEmail", c.organization
     FROM "Ticket" t LEFT JOIN "Agent" a ON a.id = t."assigneeId" LEFT JOIN "Team" tm ON tm.id = t."teamId"
     LEFT JOIN "Customer" c ON c.id = t."customerId" WHERE t."externalId" = $1`,
    [externalId],
  );
  return row;
}

beforeAll(async () => {
  db = await openTestDatabase();
  gql = gqlClient(db);
  dir = mkdtempSync(join(tmpdir(), 'sg-vendor-'));
});

afterAll(async () => {
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('Zendesk JSON in the layouts the API and jq write', () => {
  it('reads a pretty-printed JSON array (jq -s) of tickets without side-loads', async () => {
    const summary = await importFile([fixture('zendesk-tickets-array.json'), '--format', 'zendesk']);
    expect(summary).toMatchObject({ read: 2, created: 2, rejected: 0 });
    // Without side-loads the agent is known only by id.
    expect(await ticket('zendesk:3005')).toMatchObject({ status: 'PENDING', assignee: 'Zendesk agent 701', customer: null });
    expect(await ticket('zendesk:3003')).toMatchObject({ status: 'NEW' });
  });

  it('joins a page’s side-loaded metric sets, users, groups and organizations; removes deleted tickets (BOM, pretty JSON)', async () => {
    const summary = await importFile([fixture('zendesk-page.json'), '--format', 'zendesk']);
    // 4 tickets: 3001, 3002, 3004 written; 3003 deleted in Zendesk, stored by the previous test: removed.
    expect(summary).toMatchObject({ read: 4, created: 3, rejected: 0, deleted: 1, removed: 1 });
    expect(await ticket('zendesk:3003')).toBeUndefined();
    expect(await ticket('zendesk:3001')).toEqual({
      status: 'SOLVED',
      channel: 'EMAIL',
      priority: 'HIGH',
      createdAt: new Date('2024-05-06T08:00:00Z'),
      // metric_sets[ticket_id=3001].reply_time_in_minutes.calendar = 30
      firstResponseAt: new Date('2024-05-06T08:30:00Z'),
      solvedAt: new Date('2024-05-06T11:00:00Z'),
      closedAt: null,
      agentReplies: 2,
      reopenCount: 0,
      // The side-loaded user renames the agent the array import created as "Zendesk agent 701".
      assignee: 'Cy Agent',
      assigneeEmail: 'cy@acme.example',
      team: 'Tier 1',
      customer: 'Ada Customer',
      customerEmail: 'ada@customer.example',
      organization: 'Acme Corp',
    });
    expect(await ticket('zendesk:3005')).toMatchObject({ assignee: 'Cy Agent' });
    expect(await ticket('zendesk:3004')).toMatchObject({ status: 'CLOSED', closedAt: new Date('2024-05-10T10:00:00Z'), reopenCount: 1 });

    // KPIs of the page (customers 601 and 602; 3005 has no reply and is not solved):
    // FRT 3001 30 min, 3002 15 min, 3004 60 min → avg (1800 + 900 + 3600) / 3 = 2100 s.
    // Resolution 3001 08:00→11:00 = 10800 s, 3004 10:00→14:00 = 14400 s → avg 12600 s.
    // CSAT 3001 good (5), 3004 bad (1) → 1 of 2 rated 4-5 = 50 %, average 3.
    // Replies 2 + 1 + 3 (+ 0 for 3005) = 6.
    expect(await kpis('zendesk:user:60', '2024-05-01T00:00:00Z', '2024-06-01T00:00:00Z')).toEqual({
      ticketsCreated: 4,
      ticketsSolved: 2,
      firstResponseTime: { count: 3, avg: 2100 },
      resolutionTime: { count: 2, avg: 12600 },
      csat: { responses: 2, score: 50, average: 3 },
      replies: 6,
    });
  });

  it('re-imports the page without changing a byte', async () => {
    const before = await tableChecksums(db);
    const summary = await importFile([fixture('zendesk-page.json'), '--format', 'zendesk']);
    expect(summary).toMatchObject({ read: 4, created: 0, updated: 0, unchanged: 3, deleted: 1, removed: 0 });
    expect(await tableChecksums(db)).toEqual(before);
  });

  it('writes a user side-loaded on page after page again only when its values change', async () => {
    // One ticket per page and per batch; requester 990 comes with every page, renamed on the third.
    const page = (n: number, name: string) =>
      JSON.stringify({
        tickets: [{ id: 9900 + n, via: { channel: 'email' }, created_at: `2024-06-0${n}T09:00:00Z`, updated_at: `2024-06-0${n}T09:00:00Z`, status: 'open', requester_id: 990 }],
        users: [{ id: 990, name, email: 'pat@customer.example', role: 'end-user' }],
      });
    const path = join(dir, 'repeated-users.ndjson');
    writeFileSync(path, [page(1, 'Pat Old'), page(2, 'Pat Old'), page(3, 'Pat New'), page(4, 'Pat New')].join('\n'));
    const summary = await importFile([path, '--format', 'zendesk', '--batch', '1']);
    expect(summary).toMatchObject({ read: 4, created: 4, rejected: 0 });
    const [customer] = await db.driver.query<{ name: string; tickets: number }>(
      `SELECT c.name, (SELECT count(*)::int FROM "Ticket" t WHERE t."customerId" = c.id) AS tickets FROM "Customer" c WHERE c."externalId" = 'zendesk:user:990'`,
    );
    expect(customer).toEqual({ name: 'Pat New', tickets: 4 });
  });
});

describe('Freshdesk exports as Excel re-saves them', () => {
  it('detects ; and day-first dates, reads hh:mm:ss hours and survey results; a custom status needs --map', async () => {
    const file = fixture('freshdesk-excel.csv');
    const first = await importFile([file, '--format', 'freshdesk']);
    expect(first).toMatchObject({ read: 3, created: 2, rejected: 1 });
    expect(rejects(file).map((r) => [r['Ticket ID'], r.reason])).toEqual([
      ['403', 'unknown Status "Waiting on Acme"; map it with --map status="Waiting on Acme"=<VALUE> or a mapping file\'s "values"'],
    ]);
    const second = await importFile([file, '--format', 'freshdesk', '--map', 'status="Waiting on Acme"=ON_HOLD']);
    expect(second).toMatchObject({ read: 3, created: 1, unchanged: 2, rejected: 0 });
    expect(existsSync(`${file}.rejects.csv`)).toBe(false);
    expect(await ticket('freshdesk:401')).toMatchObject({
      status: 'SOLVED',
      // 15/04/2024 09:00 day-first; first response 02:05:11 later.
      createdAt: new Date('2024-04-15T09:00:00Z'),
      firstResponseAt: new Date('2024-04-15T11:05:11Z'),
      solvedAt: new Date('2024-04-15T13:30:00Z'),
    });
    expect(await ticket('freshdesk:403')).toMatchObject({ status: 'ON_HOLD', channel: 'PHONE' });
    // FRT: 401 7511 s, 402 64 h = 230400 s, 403 30 min = 1800 s → avg 239711 / 3 = 79903.67 s.
    // Resolution: 401 4.5 h = 16200 s, 402 48 h = 172800 s → avg 94500 s.
    // Surveys: "Extremely happy" → 5, "Unhappy" → 2 → 1 of 2 satisfied = 50 %, average 3.5.
    // Agent interactions 2 + 4 + 1 = 7.
    const k = await kpis('freshdesk:contact:7000', '2024-04-01T00:00:00Z', '2024-05-01T00:00:00Z');
    expect(k).toMatchObject({
      ticketsCreated: 3,
      ticketsSolved: 2,
      resolutionTime: { count: 2, avg: 94500 },
      csat: { responses: 2, score: 50, average: 3.5 },
    });
    expect(k.firstResponseTime.count).toBe(3);
    expect(k.firstResponseTime.avg).toBeCloseTo(79903.667, 2);
    const [replies] = await db.driver.query<{ n: number }>(`SELECT sum("agentReplies")::int AS n FROM "Ticket" WHERE "externalId" IN ('freshdesk:401','freshdesk:402','freshdesk:403')`);
    expect(replies.n).toBe(7);
  });

  it('stops before any row when a required column is missing, and never defaults the channel silently', async () => {
    const file = join(dir, 'no-source.csv');
    writeFileSync(file, 'Ticket ID,Status,Created time,Subject\n901,Open,2024-04-01 10:00:00,Hello\n');
    const before = await tableChecksums(db);
    await expect(importFile([file, '--format', 'freshdesk'])).rejects.toThrow(
      'the file has no "Source" column (without Source, set the channel of every ticket with --default channel=EMAIL); its columns are: Ticket ID, Status, Created time, Subject',
    );
    expect(await tableChecksums(db)).toEqual(before);
    expect(await importFile([file, '--format', 'freshdesk', '--default', 'channel=EMAIL'])).toMatchObject({ created: 1 });
    expect(await ticket('freshdesk:901')).toMatchObject({ channel: 'EMAIL', status: 'OPEN' });
  });

  it('asks for --date-format when no day above 12 tells the order, and honours it', async () => {
    const file = join(dir, 'ambiguous.csv');
    writeFileSync(file, 'Ticket ID,Status,Source,Created time\n902,Open,Email,03/04/2024 10:00\n');
    await expect(importFile([file, '--format', 'freshdesk'])).rejects.toThrow(
      'dates such as "03/04/2024 10:00" could be day-first or month-first and no day above 12 tells which; pass --date-format "dd/MM/yyyy HH:mm" or "MM/dd/yyyy HH:mm"',
    );
    await importFile([file, '--format', 'freshdesk', '--date-format', 'dd/MM/yyyy HH:mm']);
    expect(await ticket('freshdesk:902')).toMatchObject({ createdAt: new Date('2024-04-03T10:00:00Z') });
  });

  it('reads the same export as XLSX (dates and durations as Excel cells)', async () => {
    const file = join(dir, 'freshdesk.xlsx');
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Tickets');
    sheet.addRow(['Ticket ID', 'Status', 'Priority', 'Source', 'Created time', 'Resolved time', 'First response time (in hrs)', 'Survey results', 'Contact ID']);
    const row = sheet.addRow([411, 'Resolved', 'Urgent', 'Chat', new Date(Date.UTC(2024, 3, 20, 8, 0)), new Date(Date.UTC(2024, 3, 20, 9, 30)), (64 * 3600) / 86400, 'Awesome', 70011]);
    row.getCell(5).numFmt = 'dd/mm/yyyy hh:mm';
    row.getCell(6).numFmt = 'dd/mm/yyyy hh:mm';
    row.getCell(7).numFmt = '[h]:mm:ss';
    await workbook.xlsx.writeFile(file);
    expect(await importFile([file, '--format', 'freshdesk', '--time-zone', 'Europe/Berlin'])).toMatchObject({ read: 1, created: 1, rejected: 0 });
    // 08:00 in Berlin in April (CEST, UTC+2) is 06:00 UTC; 64:00:00 later is 2024-04-22T22:00Z.
    expect(await ticket('freshdesk:411')).toMatchObject({
      channel: 'CHAT',
      priority: 'URGENT',
      createdAt: new Date('2024-04-20T06:00:00Z'),
      solvedAt: new Date('2024-04-20T07:30:00Z'),
      firstResponseAt: new Date('2024-04-22T22:00:00Z'),
    });
    const [csat] = await db.driver.query<{ score: number }>(`SELECT f.score FROM "Feedback" f WHERE f."externalId" = 'freshdesk:csat:411'`);
    expect(csat.score).toBe(5);
  });
});

describe('Freshdesk API JSON (GET /api/v2/tickets?include=stats,requester)', () => {
  it('maps codes and stats, names requesters, skips deleted tickets; a custom status code needs --map', async () => {
    const file = fixture('freshdesk-api-tickets.json');
    const summary = await importFile([file, '--format', 'freshdesk', '--map', 'status=6=PENDING']);
    expect(summary).toMatchObject({ read: 4, created: 3, rejected: 0, deleted: 1, removed: 0 });
    expect(await ticket('freshdesk:502')).toMatchObject({
      status: 'CLOSED',
      channel: 'PHONE',
      priority: 'URGENT',
      solvedAt: new Date('2024-06-04T09:00:00Z'),
      closedAt: new Date('2024-06-05T09:00:00Z'),
      reopenCount: 1,
      customer: 'Fin Requester',
      customerEmail: 'fin@customer.example',
      assignee: 'Freshdesk agent 5001',
    });
    expect(await ticket('freshdesk:503')).toMatchObject({ status: 'PENDING', channel: 'CHAT', priority: 'LOW' });
    // FRT 501 45 min, 502 5 min, 503 1 min → (2700 + 300 + 60) / 3 = 1020 s.
    // Resolution 501 4 h = 14400 s, 502 24 h = 86400 s → avg 50400 s.
    expect(await kpis('freshdesk:contact:900', '2024-06-01T00:00:00Z', '2024-07-01T00:00:00Z')).toMatchObject({
      ticketsCreated: 3,
      ticketsSolved: 2,
      firstResponseTime: { count: 3, avg: 1020 },
      resolutionTime: { count: 2, avg: 50400 },
      csat: { responses: 0 },
    });
  });
});

describe('generic CSV: null markers, date + time columns, one row per update', () => {
  it('reads "?" and "N/A" as empty, joins date and time columns, and keeps the last row of each ticket', async () => {
    const file = join(dir, 'log.csv');
    const map = join(dir, 'log.json');
    writeFileSync(
      map,
      JSON.stringify({
        idPrefix: 'log:',
        nullValues: ['?', 'N/A'],
        columns: { id: 'externalId', date: 'createdAt', time: 'createdAt.time', done_date: 'solvedAt', done_time: 'solvedAt.time', channel: 'channel', status: 'status', csat: 'csat' },
      }),
    );
    writeFileSync(
      file,
      [
        'id;date;time;done_date;done_time;channel;status;csat',
        '1;2024-06-01;09:00;?;?;email;open;N/A',
        '2;2024-06-01;11:00;?;?;chat;open;?',
        '1;2024-06-01;09:00;2024-06-01;11:00;email;solved;4',
      ].join('\n'),
    );
    const summary = await importFile([file, '--format', 'csv', '--mapping', map]);
    expect(summary).toMatchObject({ read: 3, created: 2, updated: 0, rejected: 0, superseded: 1 });
    expect(await ticket('log:1')).toMatchObject({ status: 'SOLVED', createdAt: new Date('2024-06-01T09:00:00Z'), solvedAt: new Date('2024-06-01T11:00:00Z') });
    expect(await ticket('log:2')).toMatchObject({ status: 'OPEN', solvedAt: null });
    const feedback = await db.driver.query<{ externalId: string; score: number }>(`SELECT "externalId", score FROM "Feedback" WHERE "externalId" LIKE 'log:%'`);
    expect(feedback).toEqual([{ externalId: 'log:1:csat', score: 4 }]);
  });
});

describe('command line', () => {
  it('checks --map, --default and --delimiter', () => {
    const file = join(FIXTURES, 'freshdesk-excel.csv');
    expect(() => parseImportArgs([file, '--format', 'freshdesk', '--map', 'status=Waiting=LATER'])).toThrow(
      '--map status=Waiting=LATER: "LATER" is not one of NEW, OPEN, PENDING, ON_HOLD, SOLVED, CLOSED',
    );
    expect(() => parseImportArgs([file, '--format', 'freshdesk', '--map', 'colour=red=RED'])).toThrow('the field must be channel, priority, status or csat');
    expect(() => parseImportArgs([file, '--format', 'freshdesk', '--map', 'status'])).toThrow(UsageError);
    expect(() => parseImportArgs([file, '--format', 'freshdesk', '--default', 'channel=FAX'])).toThrow('"FAX" is not one of EMAIL');
    expect(() => parseImportArgs([file, '--format', 'freshdesk', '--delimiter', ';;'])).toThrow('--delimiter must be one character');
  });

  it('puts the rejects file under ./data by default, never beside the input', () => {
    const args = parseImportArgs([join(FIXTURES, 'freshdesk-excel.csv'), '--format', 'freshdesk']);
    expect(args.rejectsPath).toBe(join(process.cwd(), 'data', 'freshdesk-excel.csv.rejects.csv'));
  });
});
