import ExcelJS from 'exceljs';
import { parse as parseGraphql } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvCell, escapeFormula, roundTo, xlsxCell } from '../../src/exports/cells.ts';
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
  it('a tickets connection: nodes become rows, nested objects readable columns, nulls empty, tricky text intact', async () => {
    const rows = await csvOf(`{
      tickets(orderBy: { field: CREATED_AT, direction: ASC }, filter: { createdAt: ${RANGE} }) {
        totalCount
        nodes { externalId subject channel createdAt firstResponseSeconds tags assignee { name team { name } } category { name } }
      }
    }`);
    // Headers from the field names; the raw *Seconds field says it stays in seconds.
    expect(rows[0]).toEqual([
      'External ID', 'Subject', 'Channel', 'Created at', 'First response time (s)', 'Tags',
      'Assignee name', 'Assignee team name', 'Category name',
    ]);
    // createdAt in UTC (no timeZone asked), ISO 8601 with its offset; first response seconds
    // from the fixture table, still seconds; t3 has no assignee or category: empty cells;
    // formula-like subjects get a leading apostrophe.
    expect(rows.slice(1)).toEqual([
      ['t1', 'Plain subject', 'EMAIL', '2026-03-02T08:00:00+00:00', '1800', 'vip, billing', 'Ada', 'Alpha', 'Billing, Invoices'],
      ['t2', 'Comma, "quoted" and\nnewline', 'CHAT', '2026-03-02T09:00:00+00:00', '', '', 'Bo', 'Beta', 'Billing, Invoices'],
      ['t3', `'=HYPERLINK("http://x","y")`, 'EMAIL', '2026-03-02T10:00:00+00:00', '', '', '', '', ''],
      ['t4', "'-5", 'EMAIL', '2026-03-03T08:00:00+00:00', '3600', '', 'Ada', 'Alpha', ''],
      ['t5', '', 'CHAT', '2026-03-03T09:00:00+00:00', '900', '', 'Ada', 'Alpha', ''],
      ['t6', "'@cmd|calc", 'PHONE', '2026-03-03T10:00:00+00:00', '1200', '', 'Bo', 'Beta', ''],
    ]);
  });

  it('writes RFC 4180: CRLF records, quotes around commas, quotes and line breaks, doubled quotes', async () => {
    const response = await postExport(server, {
      query: `{ tickets(filter: { createdAt: { from: "2026-03-02T09:00:00Z", to: "2026-03-02T09:00:01Z" } }) { nodes { externalId subject } } }`,
      format: 'csv',
    });
    expect(await response.text()).toBe('External ID,Subject\r\nt2,"Comma, ""quoted"" and\nnewline"\r\n');
  });

  it('edges: the node fields without a node. prefix and without the cursor', async () => {
    const rows = await csvOf(`{ tickets(filter: { tags: ["vip"] }) { edges { cursor node { externalId assignee { name } } } } }`);
    expect(rows).toEqual([['External ID', 'Assignee name'], ['t1', 'Ada']]);
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
      ['Ticket external ID', 'Ticket subject', 'Ticket assignee name', 'Ticket assignee team name', 'Tickets total count'],
      ['t1', 'Plain subject', 'Ada', 'Alpha', '250'],
    ]);
  });

  it('an empty list still gives the header', async () => {
    const rows = await csvOf(`{ tickets(filter: { tags: ["nothing-has-this"] }) { nodes { externalId assignee { name } } } }`);
    expect(rows).toEqual([['External ID', 'Assignee name']]);
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
    expect(values(workbook.worksheets[0])).toEqual([['Name'], ['Alpha'], ['Beta']]);
    expect(values(workbook.worksheets[1])).toEqual([['Name', 'Team name'], ['Ada', 'Alpha'], ['Bo', 'Beta']]);
  });

  it('timeSeries: one row per bucket, metrics under registry labels with units, durations in hours, rates in percent, dates in the query zone', async () => {
    const rows = await csvOf(`{
      timeSeries(range: ${RANGE}, granularity: DAY, timeZone: "UTC") {
        label start metrics { ticketsCreated ticketsSolved firstResponseTime { avg } csat { score responses } reopenRate }
      }
    }`);
    expect(rows).toEqual([
      ['Label', 'Start', 'Tickets created', 'Tickets solved', 'First response time, mean (h)', 'CSAT, score (%)', 'CSAT, responses', 'Reopen rate (%)'],
      // 03-02: t1 t2 t3 created; t1 solved; first response t1 1800 s = 0.5 h; CSAT 5 and 2: 1 of 2 satisfied = 50; t1 never reopened: 0 %.
      ['2026-03-02', '2026-03-02T00:00:00+00:00', '3', '1', '0.5', '50', '2', '0'],
      // 03-03: t4 t5 t6 created; t4 t6 solved; first responses 3600, 900, 1200 s: avg 1900 s = 0.5277… h → 0.53; CSAT 4: 100.
      ['2026-03-03', '2026-03-03T00:00:00+00:00', '3', '2', '0.53', '100', '1', '0'],
    ]);
  });

  it('breakdown by two dimensions: one row per group, both keys as columns', async () => {
    const rows = await csvOf(`{ breakdown(by: [TEAM, CHANNEL], range: ${RANGE}) { key { team { name } channel } metrics { ticketsCreated } } }`);
    expect(rows[0]).toEqual(['Team name', 'Channel', 'Tickets created']);
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
    expect(rows[0]).toEqual(['Team name', 'Tickets created', 'Bucket label', 'Bucket: Tickets created']);
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

  it('JSON: an array of row objects keyed by column path, values as the API returns them (unrounded, seconds, fractions)', async () => {
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

  it('rounds only at the edge: CSV and XLSX rounded in the header unit, JSON the API values in full', async () => {
    const query = `{ metrics(range: ${RANGE}) { firstResponseTime { avg } csat { score } oneTouchRate } }`;
    // Over both days: first responses 1800, 3600, 900, 1200 s: mean 1875 s = 0.5208… h → 0.52;
    // CSAT 5, 2, 4: 2 of 3 satisfied = 66.666… % → 66.7; t1 t4 t6 solved, each with one reply: 100 %.
    expect(await csvOf(query)).toEqual([
      ['First response time, mean (h)', 'CSAT, score (%)', 'One-touch rate (%)'],
      ['0.52', '66.7', '100'],
    ]);
    const json = await postExport(server, { query, format: 'json' });
    expect(await json.json()).toEqual([{ 'metrics.firstResponseTime.avg': 1875, 'metrics.csat.score': 200 / 3, 'metrics.oneTouchRate': 1 }]);
    const xlsx = await postExport(server, { query, format: 'xlsx' });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(await xlsx.arrayBuffer()) as unknown as ArrayBuffer);
    const row = workbook.worksheets[0].getRow(2);
    expect([1, 2, 3].map((i) => [row.getCell(i).value, row.getCell(i).numFmt])).toEqual([
      [0.52, '0.00'],
      [66.7, '0.0'],
      [1, '0.0%'],
    ]);
  });

  it('GET /export takes the same parameters, and bom=1 starts the CSV with a byte order mark', async () => {
    const query = encodeURIComponent('query($tag: String!) { tickets(filter: { tags: [$tag] }) { nodes { externalId } } }');
    const variables = encodeURIComponent(JSON.stringify({ tag: 'vip' }));
    const response = await server.fetch(`http://test/export?query=${query}&variables=${variables}&format=csv&bom=1`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(new TextDecoder().decode(bytes.slice(3))).toBe('External ID\r\nt1\r\n');
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
  const text = { kind: 'text', decimals: null } as const;
  const count = { kind: 'number', decimals: 0 } as const;
  const hours = { kind: 'duration', decimals: 2 } as const;
  const seconds = { kind: 'seconds', decimals: 0 } as const;
  const percent = { kind: 'percent', decimals: 1 } as const;
  const score = { kind: 'number', decimals: 1 } as const;
  const float = { kind: 'number', decimals: 2 } as const;
  const datetime = { kind: 'datetime', decimals: null } as const;

  it('escapes formula-like text (OWASP) but leaves numbers alone', () => {
    expect(['=1+1', '+1', '-x', '@a', '\tx', '\rx', 'ok', "'quoted"].map(escapeFormula)).toEqual([
      "'=1+1", "'+1", "'-x", "'@a", "'\tx", "'\rx", 'ok', "'quoted",
    ]);
    expect(csvCell(-5, count, 'UTC')).toBe('-5');
    expect(csvCell('-5', text, 'UTC')).toBe("'-5");
    expect(csvCell(null, text, 'UTC')).toBe('');
    expect(csvCell(true, { kind: 'boolean', decimals: null }, 'UTC')).toBe('true');
  });

  it('rounds at the edge to the precision of the unit, half away from zero', () => {
    // The float noise of the issue: 5991.4130000000005 → 5991.41 (2 decimals).
    expect(csvCell(5991.4130000000005, float, 'UTC')).toBe('5991.41');
    // An unrounded score, 82.9145728643216 % → 82.9 (1 decimal).
    expect(csvCell(82.9145728643216, score, 'UTC')).toBe('82.9');
    // 1.005 is stored as 1.00499999999999989…; the decimal reading is what a person means: 1.01.
    expect([roundTo(1.005, 2), roundTo(2.675, 2), roundTo(-2.5, 0), roundTo(-0.004, 2), roundTo(0.125, 2)]).toEqual([1.01, 2.68, -3, 0, 0.13]);
    // A fraction 2/3 in percent, 1 decimal: 66.7; in XLSX the fraction 0.667 shown as 66.7 %.
    expect(csvCell(2 / 3, percent, 'UTC')).toBe('66.7');
    expect(xlsxCell(2 / 3, percent, 'UTC')).toEqual({ value: 0.667, numFmt: '0.0%' });
    // Counts are integers; a raw seconds field keeps seconds, whole: 1800.4 s → 1800.
    expect(csvCell(3, count, 'UTC')).toBe('3');
    expect(csvCell(1800.4, seconds, 'UTC')).toBe('1800');
    expect(xlsxCell(3, seconds, 'UTC')).toEqual({ value: 3, numFmt: '0' });
  });

  it('durations are hours in both formats: 5400 s = 1.5 h, 1900 s = 0.5277… h → 0.53', () => {
    expect(csvCell(5400, hours, 'UTC')).toBe('1.5');
    expect(xlsxCell(5400, hours, 'UTC')).toEqual({ value: 1.5, numFmt: '0.00' });
    expect(csvCell(1900, hours, 'UTC')).toBe('0.53');
    expect(xlsxCell(1900, hours, 'UTC')).toEqual({ value: 0.53, numFmt: '0.00' });
  });

  it('writes instants ISO 8601 with the offset: the two fall-back hours differ; XLSX keeps a date and shows the offset', () => {
    // 2026-03-29 is the spring DST change in Berlin: 00:30Z is 01:30 CET, 01:30Z is 03:30 CEST.
    expect(csvCell('2026-03-29T00:30:00.000Z', datetime, 'Europe/Berlin')).toBe('2026-03-29T01:30:00+01:00');
    expect(csvCell('2026-03-29T01:30:00.000Z', datetime, 'Europe/Berlin')).toBe('2026-03-29T03:30:00+02:00');
    // 2026-10-25 fall-back: 00:00Z and 01:00Z are both 02:00 local, first in CEST, then in CET.
    expect(csvCell('2026-10-25T00:00:00.000Z', datetime, 'Europe/Berlin')).toBe('2026-10-25T02:00:00+02:00');
    expect(csvCell('2026-10-25T01:00:00.000Z', datetime, 'Europe/Berlin')).toBe('2026-10-25T02:00:00+01:00');
    expect(csvCell('2026-10-25T01:00:00.250Z', datetime, 'UTC')).toBe('2026-10-25T01:00:00.250+00:00');
    expect(xlsxCell('2026-10-25T00:00:00.000Z', datetime, 'Europe/Berlin')).toEqual({
      value: new Date('2026-10-25T02:00:00.000Z'),
      numFmt: 'yyyy-mm-dd"T"hh:mm:ss"+02:00"',
    });
    expect(xlsxCell('2026-10-25T01:00:00.000Z', datetime, 'Europe/Berlin')).toEqual({
      value: new Date('2026-10-25T02:00:00.000Z'),
      numFmt: 'yyyy-mm-dd"T"hh:mm:ss"+01:00"',
    });
    expect(xlsxCell('=HYPERLINK("http://x","y")', text, 'UTC')).toEqual({ value: '=HYPERLINK("http://x","y")' });
  });
});

describe('planning', () => {
  const schema = buildSchema();
  const plan = (query: string, several = false) => planExport(schema, parseGraphql(query), null, {}, { allowSeveralTables: several });

  it('types and labels columns: registry labels and units for metrics, field names for the rest', () => {
    const { tables } = plan(`{ timeSeries(range: ${RANGE}, granularity: DAY) { start label metrics { ticketsCreated resolutionTime { avg count } escalationRate sla { resolution { attainment } } csat { score } } } }`);
    expect(allColumns(tables[0].plan).map((c) => [c.name, c.header, c.kind, c.decimals])).toEqual([
      ['start', 'Start', 'datetime', null],
      ['label', 'Label', 'text', null],
      ['metrics.ticketsCreated', 'Tickets created', 'number', 0],
      ['metrics.resolutionTime.avg', 'Resolution time, mean (h)', 'duration', 2],
      ['metrics.resolutionTime.count', 'Resolution time, count', 'number', 0],
      ['metrics.escalationRate', 'Escalation rate (%)', 'percent', 1],
      ['metrics.sla.resolution.attainment', 'SLA resolution, attainment (%)', 'percent', 1],
      ['metrics.csat.score', 'CSAT, score (%)', 'number', 1],
    ]);
    // A raw *Seconds field stays seconds; aliases name their step; repeated headers get their path.
    const tickets = plan(`{ tickets { nodes { firstResponseSeconds resolutionBusinessSeconds ref: externalId a: subject b: subject } } }`);
    expect(allColumns(tickets.tables[0].plan).map((c) => [c.header, c.kind, c.decimals])).toEqual([
      ['First response time (s)', 'seconds', 0],
      ['Resolution business time (s)', 'seconds', 0],
      ['Ref', 'text', null],
      ['A', 'text', null],
      ['B', 'text', null],
    ]);
    const twice = plan(`{ metrics(range: ${RANGE}) { ticketsCreated } other: metrics(range: ${RANGE}) { ticketsCreated } }`);
    expect(allColumns(twice.tables[0].plan).map((c) => c.header)).toEqual(['Tickets created', 'Other: Tickets created']);
    const same = plan(`{ tickets { nodes { externalId assignee { externalId } team { externalId } } } }`);
    expect(allColumns(same.tables[0].plan).map((c) => c.header)).toEqual(['External ID', 'Assignee external ID', 'Team external ID']);
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
