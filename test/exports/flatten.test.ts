import ExcelJS from 'exceljs';
import { parse as parseGraphql } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvCell, escapeFormula, xlsxCell } from '../../src/exports/cells.ts';
import { rowsOfResult } from '../../src/exports/flatten.ts';
import { allColumns, planExport } from '../../src/exports/plan.ts';
import { buildSchema } from '../../src/schema/index.ts';
import { createServer, type SupportgraphServer } from '../../src/server.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { globalId, parseCsv, postExport, seedFixture, SUBJECTS, type Fixture } from './helpers.ts';

let db: TestDatabase;
let server: SupportgraphServer;
let fixture: Fixture;

beforeAll(async () => {
  db = await openTestDatabase();
  fixture = await seedFixture(db, 250);
  server = createServer({ db });
});

afterAll(async () => {
  await db?.destroy();
});

const RANGE = '{ from: "2026-03-02T00:00:00Z", to: "2026-03-04T00:00:00Z" }';

async function csvOf(query: string, extra: Record<string, unknown> = {}): Promise<string[][]> {
  const response = await postExport(server, { query, format: 'csv', ...extra });
  const text = await response.text();
  expect(response.status, text).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  return parseCsv(text);
}

describe('flattening a query result to rows', () => {
  it('a tickets connection: nodes become rows, nested objects path-named columns, nulls empty, tricky text intact', async () => {
    const rows = await csvOf(`{
      tickets(orderBy: { field: CREATED_AT, direction: ASC }, filter: { createdAt: ${RANGE} }) {
        totalCount
        nodes { externalId subject channel createdAt firstResponseSeconds tags assignee { name team { name } } category { name } }
      }
    }`);
    expect(rows[0]).toEqual([
      'externalId', 'subject', 'channel', 'createdAt', 'firstResponseSeconds', 'tags',
      'assignee.name', 'assignee.team.name', 'category.name',
    ]);
    // createdAt in UTC (no timeZone asked); first response seconds from the fixture table;
    // t3 has no assignee or category: empty cells; formula-like subjects get a leading apostrophe.
    expect(rows.slice(1)).toEqual([
      ['t1', 'Plain subject', 'EMAIL', '2026-03-02 08:00:00', '1800', 'vip, billing', 'Ada', 'Alpha', 'Billing, Invoices'],
      ['t2', 'Comma, "quoted" and\nnewline', 'CHAT', '2026-03-02 09:00:00', '', '', 'Bo', 'Beta', 'Billing, Invoices'],
      ['t3', `'=HYPERLINK("http://x","y")`, 'EMAIL', '2026-03-02 10:00:00', '', '', '', '', ''],
      ['t4', "'-5", 'EMAIL', '2026-03-03 08:00:00', '3600', '', 'Ada', 'Alpha', ''],
      ['t5', '', 'CHAT', '2026-03-03 09:00:00', '900', '', 'Ada', 'Alpha', ''],
      ['t6', "'@cmd|calc", 'PHONE', '2026-03-03 10:00:00', '1200', '', 'Bo', 'Beta', ''],
    ]);
  });

  it('writes RFC 4180: CRLF records, quotes around commas, quotes and line breaks, doubled quotes', async () => {
    const response = await postExport(server, {
      query: `{ tickets(filter: { createdAt: { from: "2026-03-02T09:00:00Z", to: "2026-03-02T09:00:01Z" } }) { nodes { externalId subject } } }`,
      format: 'csv',
    });
    expect(await response.text()).toBe('externalId,subject\r\nt2,"Comma, ""quoted"" and\nnewline"\r\n');
  });

  it('edges: the node fields without a node. prefix and without the cursor', async () => {
    const rows = await csvOf(`{ tickets(filter: { tags: ["vip"] }) { edges { cursor node { externalId assignee { name } } } } }`);
    expect(rows).toEqual([['externalId', 'assignee.name'], ['t1', 'Ada']]);
  });

  it('pages through the whole connection (first: 100 and after cursors), in order and without duplicates', async () => {
    const rows = await csvOf(`{ tickets(filter: { tags: ["bulk"] }, orderBy: { field: CREATED_AT, direction: ASC }) { nodes { externalId } } }`);
    // 250 bulk tickets: three pages of 100, 100 and 50.
    expect(rows).toHaveLength(251);
    expect(rows[1]).toEqual(['bulk-0000001']);
    expect(rows[250]).toEqual(['bulk-0000250']);
    expect(new Set(rows.slice(1).map((r) => r[0])).size).toBe(250);
  });

  it('keeps an explicit first: the page asked for, nothing more', async () => {
    const rows = await csvOf(`{ tickets(first: 7, filter: { tags: ["bulk"] }) { nodes { externalId } } }`);
    expect(rows).toHaveLength(8);
  });

  it('a query with no list gives one row', async () => {
    const rows = await csvOf(`query($id: ID!) { ticket(id: $id) { externalId subject assignee { name team { name } } } tickets(filter: { tags: ["bulk"] }) { totalCount } }`, {
      variables: { id: globalId('Ticket', fixture.tickets.t1) },
    });
    expect(rows).toEqual([
      ['ticket.externalId', 'ticket.subject', 'ticket.assignee.name', 'ticket.assignee.team.name', 'tickets.totalCount'],
      ['t1', 'Plain subject', 'Ada', 'Alpha', '250'],
    ]);
  });

  it('an empty list still gives the header', async () => {
    const rows = await csvOf(`{ tickets(filter: { tags: ["nothing-has-this"] }) { nodes { externalId assignee { name } } } }`);
    expect(rows).toEqual([['externalId', 'assignee.name']]);
  });

  it('two sibling lists: BAD_USER_INPUT that says to keep one (CSV and JSON)', async () => {
    for (const format of ['csv', 'json']) {
      const response = await postExport(server, { query: '{ teams { name } agents { nodes { name } } }', format });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { errors: { message: string; extensions: { code: string; lists: string[] } }[] };
      expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(body.errors[0].extensions.lists).toEqual(['teams', 'agents.nodes']);
      expect(body.errors[0].message).toContain('keep one of them');
      expect(body.errors[0].message).toContain('XLSX');
    }
  });

  it('two sibling lists in XLSX: one sheet per list', async () => {
    const response = await postExport(server, { query: '{ teams { name } agents { nodes { name team { name } } } }', format: 'xlsx' });
    expect(response.status).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(await response.arrayBuffer()) as unknown as ArrayBuffer);
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['teams', 'agents.nodes']);
    const values = (sheet: ExcelJS.Worksheet) => sheet.getSheetValues().slice(1).map((row) => (row as unknown[]).slice(1));
    expect(values(workbook.worksheets[0])).toEqual([['name'], ['Alpha'], ['Beta']]);
    expect(values(workbook.worksheets[1])).toEqual([['name', 'team.name'], ['Ada', 'Alpha'], ['Bo', 'Beta']]);
  });

  it('timeSeries: one row per bucket, metrics as path-named columns, dates in the query zone', async () => {
    const rows = await csvOf(`{
      timeSeries(range: ${RANGE}, granularity: DAY, timeZone: "UTC") {
        label start metrics { ticketsCreated ticketsSolved firstResponseTime { avg } csat { score responses } reopenRate }
      }
    }`);
    expect(rows).toEqual([
      ['label', 'start', 'metrics.ticketsCreated', 'metrics.ticketsSolved', 'metrics.firstResponseTime.avg', 'metrics.csat.score', 'metrics.csat.responses', 'metrics.reopenRate'],
      // 03-02: t1 t2 t3 created; t1 solved; first response t1 1800 s; CSAT 5 and 2: 1 of 2 satisfied = 50; t1 never reopened: 0.
      ['2026-03-02', '2026-03-02 00:00:00', '3', '1', '1800', '50', '2', '0'],
      // 03-03: t4 t5 t6 created; t4 t6 solved; first responses 3600, 900, 1200 s: avg 1900; CSAT 4: 100.
      ['2026-03-03', '2026-03-03 00:00:00', '3', '2', '1900', '100', '1', '0'],
    ]);
  });

  it('breakdown by two dimensions: one row per group, both keys as columns', async () => {
    const rows = await csvOf(`{ breakdown(by: [TEAM, CHANNEL], range: ${RANGE}) { key { team { name } channel } metrics { ticketsCreated } } }`);
    expect(rows[0]).toEqual(['key.team.name', 'key.channel', 'metrics.ticketsCreated']);
    // Created per team and channel, from the fixture table; t3 has no team: an empty team cell.
    expect(rows.slice(1).sort()).toEqual(
      [
        ['Alpha', 'EMAIL', '2'],
        ['Alpha', 'CHAT', '1'],
        ['Beta', 'CHAT', '1'],
        ['Beta', 'PHONE', '1'],
        ['', 'EMAIL', '1'],
      ].sort(),
    );
  });

  it('breakdown with buckets: each group expands to one row per bucket, the group columns repeated', async () => {
    const rows = await csvOf(`{ breakdown(by: [TEAM], range: ${RANGE}, granularity: DAY) { key { team { name } } metrics { ticketsCreated } buckets { label metrics { ticketsCreated } } } }`);
    expect(rows[0]).toEqual(['key.team.name', 'metrics.ticketsCreated', 'buckets.label', 'buckets.metrics.ticketsCreated']);
    // Alpha: t1 on 03-02, t4 t5 on 03-03; Beta: t2 on 03-02, t6 on 03-03; no team: t3 on 03-02.
    expect(rows.slice(1).sort()).toEqual(
      [
        ['Alpha', '3', '2026-03-02', '1'],
        ['Alpha', '3', '2026-03-03', '2'],
        ['Beta', '2', '2026-03-02', '1'],
        ['Beta', '2', '2026-03-03', '1'],
        ['', '1', '2026-03-02', '1'],
        ['', '1', '2026-03-03', '0'],
      ].sort(),
    );
  });

  it('JSON: an array of row objects keyed by column, values as the API returns them', async () => {
    const response = await postExport(server, {
      query: `{ tickets(orderBy: { field: CREATED_AT, direction: ASC }, filter: { createdAt: ${RANGE}, channels: [CHAT] }) { nodes { externalId subject createdAt assignee { name } } } }`,
      format: 'json',
    });
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.json()).toEqual([
      { externalId: 't2', subject: SUBJECTS.t2, createdAt: '2026-03-02T09:00:00.000Z', 'assignee.name': 'Bo' },
      { externalId: 't5', subject: null, createdAt: '2026-03-03T09:00:00.000Z', 'assignee.name': 'Ada' },
    ]);
  });

  it('GET /export takes the same parameters, and bom=1 starts the CSV with a byte order mark', async () => {
    const query = encodeURIComponent('query($tag: String!) { tickets(filter: { tags: [$tag] }) { nodes { externalId } } }');
    const variables = encodeURIComponent(JSON.stringify({ tag: 'vip' }));
    const response = await server.fetch(`http://test/export?query=${query}&variables=${variables}&format=csv&bom=1`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(new TextDecoder().decode(bytes.slice(3))).toBe('externalId\r\nt1\r\n');
  });

  it('refuses mutations, unknown formats and invalid queries with 400 and the code /graphql gives', async () => {
    const cases = [
      { query: 'mutation { deleteReport(id: "x") }', format: 'csv', code: 'BAD_USER_INPUT', message: 'exports run queries only' },
      { query: '{ teams { name } }', format: 'pdf', code: 'BAD_USER_INPUT', message: 'use csv, xlsx or json' },
      { query: '{ teams { nope } }', format: 'csv', code: 'GRAPHQL_VALIDATION_FAILED', message: 'Cannot query field "nope"' },
      { query: '{ teams { name }', format: 'csv', code: 'BAD_USER_INPUT', message: 'Syntax Error' },
    ];
    for (const c of cases) {
      const response = await postExport(server, { query: c.query, format: c.format });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
      expect(body.errors[0].extensions.code).toBe(c.code);
      expect(body.errors[0].message).toContain(c.message);
    }
  });
});

describe('cells', () => {
  it('escapes formula-like text (OWASP) but leaves numbers alone', () => {
    expect(['=1+1', '+1', '-x', '@a', '\tx', '\rx', 'ok', "'quoted"].map(escapeFormula)).toEqual([
      "'=1+1", "'+1", "'-x", "'@a", "'\tx", "'\rx", 'ok', "'quoted",
    ]);
    expect(csvCell(-5, 'number', 'UTC')).toBe('-5');
    expect(csvCell('-5', 'text', 'UTC')).toBe("'-5");
    expect(csvCell(0.25, 'percent', 'UTC')).toBe('0.25');
    expect(csvCell(null, 'text', 'UTC')).toBe('');
    expect(csvCell(true, 'boolean', 'UTC')).toBe('true');
  });

  it('shows instants as local wall time of the zone, in XLSX as a zone-less date', () => {
    // 2026-03-29 is the spring DST change in Berlin: 00:30Z is 01:30 CET, 01:30Z is 03:30 CEST.
    expect(csvCell('2026-03-29T00:30:00.000Z', 'datetime', 'Europe/Berlin')).toBe('2026-03-29 01:30:00');
    expect(csvCell('2026-03-29T01:30:00.000Z', 'datetime', 'Europe/Berlin')).toBe('2026-03-29 03:30:00');
    expect(xlsxCell('2026-03-29T01:30:00.000Z', 'datetime', 'Europe/Berlin')).toEqual({
      value: new Date('2026-03-29T03:30:00.000Z'),
      numFmt: 'yyyy-mm-dd hh:mm:ss',
    });
    // 5400 seconds are 1.5 hours; a rate stays a fraction shown as a percentage.
    expect(xlsxCell(5400, 'duration', 'UTC')).toEqual({ value: 1.5, numFmt: '#,##0.00 "h"' });
    expect(xlsxCell(0.25, 'percent', 'UTC')).toEqual({ value: 0.25, numFmt: '0.0%' });
    expect(xlsxCell('=HYPERLINK("http://x","y")', 'text', 'UTC')).toEqual({ value: '=HYPERLINK("http://x","y")' });
  });
});

describe('planning', () => {
  const schema = buildSchema();
  const plan = (query: string, several = false) => planExport(schema, parseGraphql(query), null, {}, { allowSeveralTables: several });

  it('types columns from the schema: dates, durations, rates, numbers, lists', () => {
    const { tables } = plan(`{ timeSeries(range: ${RANGE}, granularity: DAY) { start label metrics { ticketsCreated resolutionTime { avg count } escalationRate sla { resolution { attainment } } } } }`);
    expect(allColumns(tables[0].plan).map((c) => [c.name, c.kind])).toEqual([
      ['start', 'datetime'],
      ['label', 'text'],
      ['metrics.ticketsCreated', 'number'],
      ['metrics.resolutionTime.avg', 'duration'],
      ['metrics.resolutionTime.count', 'number'],
      ['metrics.escalationRate', 'percent'],
      ['metrics.sla.resolution.attainment', 'percent'],
    ]);
  });

  it('follows fragments and aliases', () => {
    const { tables, paging } = plan(`query { list: tickets { nodes { ...T } } } fragment T on Ticket { ref: externalId assignee { name } }`);
    expect(allColumns(tables[0].plan).map((c) => c.name)).toEqual(['ref', 'assignee.name']);
    expect(paging?.connectionPath).toEqual(['list']);
  });

  it('refuses two lists inside one row item', () => {
    expect(() => plan(`{ tickets { nodes { externalId events { type } feedback { score } } } }`)).toThrow(/tickets.nodes.events, tickets.nodes.feedback/);
  });

  it('expands nested lists with an empty inner list as one row of empty cells', () => {
    const { tables } = plan(`{ tickets { nodes { externalId feedback { score } } } }`);
    const data = { tickets: { nodes: [{ externalId: 'a', feedback: [{ score: 1 }, { score: 2 }] }, { externalId: 'b', feedback: [] }] } };
    expect(rowsOfResult(data, tables[0].plan, true)).toEqual([['a', 1], ['a', 2], ['b', null]]);
  });
});
