import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { gqlClient, type GqlClient } from '../helpers/graphql.ts';
import { postExport, seedFixture } from './helpers.ts';
import { CSV_INFILTER, HAS_SOFFICE, sofficeCsv } from './soffice.ts';

if (!HAS_SOFFICE) {
  console.warn('test/exports/roundtrip.test.ts: LibreOffice round trip SKIPPED, `soffice` is not installed (apt-get install libreoffice-calc-nogui; .ci/setup-extra does it)');
}

let db: TestDatabase;
let client: GqlClient;
let dir: string;

beforeAll(async () => {
  db = await openTestDatabase();
  await seedFixture(db);
  client = gqlClient(db);
  dir = await mkdtemp(join(tmpdir(), 'sg-roundtrip-'));
});

afterAll(async () => {
  await db?.destroy();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const ZONE = 'Europe/Berlin';
const RANGE = '{ from: "2026-03-02T00:00:00Z", to: "2026-03-04T00:00:00Z" }';
const SERIES = `{ timeSeries(range: ${RANGE}, granularity: DAY, timeZone: "${ZONE}") {
  label start end metrics { ticketsCreated ticketsSolved firstResponseTime { avg median max } csat { score average } reopenRate oneTouchRate }
} }`;
const TICKETS = `{ tickets(orderBy: { field: CREATED_AT, direction: ASC }, filter: { createdAt: ${RANGE} }) {
  nodes { externalId subject createdAt solvedAt firstResponseSeconds escalated tags assignee { name } }
} }`;

/** Flattens a GraphQL list the way JSON exports key columns: dotted paths of the selection. */
function flatRows(items: Record<string, unknown>[]): Record<string, unknown>[] {
  const flat = (value: unknown, prefix: string, into: Record<string, unknown>) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) flat(v, prefix ? `${prefix}.${k}` : k, into);
    } else into[prefix] = value;
    return into;
  };
  return items.map((item) => flat(item, '', {}));
}

// The headers of the two queries, by hand from the rule: registry labels with the unit of
// the written value for metrics, field names as words for the rest.
const SERIES_HEADER = [
  'Label', 'Start', 'End', 'Tickets created', 'Tickets solved', 'First response time, mean (h)', 'First response time, median (h)',
  'First response time, max (h)', 'CSAT, score (%)', 'CSAT, average', 'Reopen rate (%)', 'One-touch rate (%)',
];
const TICKETS_HEADER = ['External ID', 'Subject', 'Created at', 'Solved at', 'First response time (s)', 'Escalated', 'Tags', 'Assignee name'];

const DATE_COLUMNS = new Set(['start', 'end', 'createdAt', 'solvedAt']);
const DURATION_COLUMNS = /firstResponseTime\.(avg|median|max)$/;
const RATE_COLUMNS = /Rate$/;

/**
 * Compares a cell as LibreOffice printed it with the GraphQL value in the unit its header
 * states, in both formats: duration metrics in hours (2 decimals), rates in percent
 * (1 decimal; XLSX prints the % sign), raw seconds whole, other numbers to their
 * precision; dates as local time in the report zone with the offset; text and lists
 * equal, null empty.
 */
function expectCell(column: string, printed: string, value: unknown, format: 'xlsx' | 'csv'): void {
  const where = `${format} ${column}: ${printed} vs ${JSON.stringify(value)}`;
  if (value === null || value === undefined) {
    expect(printed, where).toBe('');
  } else if (DATE_COLUMNS.has(column)) {
    expect(printed, where).toBe(DateTime.fromISO(value as string).setZone(ZONE).toFormat("yyyy-MM-dd'T'HH:mm:ssZZ"));
  } else if (typeof value === 'number') {
    const number = Number(printed.replace(/%$/, ''));
    if (DURATION_COLUMNS.test(column)) expect(number, where).toBeCloseTo(value / 3600, 2);
    else if (RATE_COLUMNS.test(column)) expect(number, where).toBeCloseTo(value * 100, 1);
    else expect(number, where).toBeCloseTo(value, 2);
    if (RATE_COLUMNS.test(column) && format === 'xlsx') expect(printed, where).toMatch(/^\d+\.\d%$/);
    if (DURATION_COLUMNS.test(column) && format === 'xlsx') expect(printed, where).toMatch(/^\d+\.\d\d$/);
  } else if (typeof value === 'boolean') {
    expect(printed.toLowerCase(), where).toBe(String(value));
  } else if (Array.isArray(value)) {
    expect(printed, where).toBe(value.join(', '));
  } else {
    expect(printed, where).toBe(value);
  }
}

async function exportFile(query: string, format: 'xlsx' | 'csv', name: string): Promise<string> {
  // The series names its zone in the query; the ticket list takes it from the request.
  const response = await postExport(client.server, { query, format, timeZone: ZONE });
  expect(response.status).toBe(200);
  const path = join(dir, `${name}.${format}`);
  await writeFile(path, Buffer.from(await response.arrayBuffer()));
  return path;
}

describe.skipIf(!HAS_SOFFICE)('LibreOffice opens the exports (soffice --headless --convert-to csv)', () => {
  for (const format of ['xlsx', 'csv'] as const) {
    it(`${format.toUpperCase()}: timeSeries cells equal the GraphQL answer (numbers, durations, rates, dates in ${ZONE})`, async () => {
      const answer = await client.query(SERIES);
      expect(answer.errors).toBeUndefined();
      const expected = flatRows(answer.data.timeSeries);
      const file = await exportFile(SERIES, format, `series-${format}`);
      const [[header, ...rows]] = await sofficeCsv([file], dir, format === 'csv' ? CSV_INFILTER : undefined);
      expect(header).toEqual(SERIES_HEADER);
      const paths = Object.keys(expected[0]);
      // Three local days touch the range in Berlin: 03-02 01:00 to 03-04 01:00 local.
      expect(rows).toHaveLength(3);
      rows.forEach((row, i) => paths.forEach((path, j) => expectCell(path, row[j], expected[i][path], format)));
    });

    it(`${format.toUpperCase()}: ticket cells equal the GraphQL answer, and a formula-like subject stays text`, async () => {
      const answer = await client.query(TICKETS);
      const expected = flatRows(answer.data.tickets.nodes);
      const file = await exportFile(TICKETS, format, `tickets-${format}`);
      const [[header, ...rows]] = await sofficeCsv([file], dir, format === 'csv' ? CSV_INFILTER : undefined);
      expect(header).toEqual(TICKETS_HEADER);
      const paths = Object.keys(expected[0]);
      expect(rows).toHaveLength(6);
      const subject = paths.indexOf('subject');
      rows.forEach((row, i) =>
        paths.forEach((path, j) => {
          // CSV subjects that look like formulas carry the escaping apostrophe.
          const value = expected[i][path];
          if (format === 'csv' && j === subject && typeof value === 'string' && /^[=+\-@]/.test(value)) {
            expect(row[j]).toBe(`'${value}`);
          } else expectCell(path, row[j], value, format);
        }),
      );
      // t1: first response after 1800 s, still seconds in both formats (the raw *Seconds field).
      expect(rows[0][paths.indexOf('firstResponseSeconds')]).toBe('1800');
      // t3's subject =HYPERLINK("http://x","y") was not evaluated (that would print "y").
      expect(rows[2][subject]).toContain('=HYPERLINK("http://x","y")');
    });
  }
});

describe('XLSX cells are typed and formatted', () => {
  it('numbers, dates, durations and rates have their types and formats; the header is bold, named and frozen; widths fit', async () => {
    const response = await postExport(client.server, { query: TICKETS.replace('escalated', 'escalated agentReplies'), format: 'xlsx', timeZone: ZONE });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(await response.arrayBuffer()) as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0];
    expect(sheet.name).toBe('tickets');
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(sheet.getRow(1).font).toMatchObject({ bold: true, name: 'Calibri' }); // a named font: LibreOffice shows no serif fallback
    const header = (sheet.getRow(1).values as string[]).slice(1);
    expect(header).toEqual([...TICKETS_HEADER.slice(0, 6), 'Agent replies', ...TICKETS_HEADER.slice(6)]);
    const cell = (row: number, column: string) => sheet.getRow(row).getCell(header.indexOf(column) + 1);
    // t1 (row 2): created 2026-03-02 08:00 UTC = 09:00 in Berlin (CET, +01:00), first response after 1800 s, kept in seconds.
    expect(cell(2, 'Created at').value).toEqual(new Date('2026-03-02T09:00:00Z'));
    expect(cell(2, 'Created at').numFmt).toBe('yyyy-mm-dd"T"hh:mm:ss"+01:00"');
    expect(cell(2, 'First response time (s)').value).toBe(1800);
    expect(cell(2, 'First response time (s)').numFmt).toBe('0');
    expect(cell(2, 'Agent replies').value).toBe(1);
    expect(cell(2, 'Escalated').value).toBe(false);
    expect(cell(4, 'Subject').value).toBe('=HYPERLINK("http://x","y")');
    expect(cell(4, 'Subject').type).toBe(ExcelJS.ValueType.String);
    expect(cell(4, 'Assignee name').value).toBeNull();
    // Widths from the written values and the header, + 2, at least 8, at most 60: dates print
    // 25 characters (2026-03-02T09:00:00+01:00); "First response time (s)" is 23; t2's subject is
    // 27 characters, the longest; external ids are 2, so the floor 8 holds.
    const width = (column: string) => sheet.getColumn(header.indexOf(column) + 1).width;
    expect([width('Created at'), width('First response time (s)'), width('Subject'), width('External ID'), width('Escalated')]).toEqual([27, 25, 29, 13, 11]);

    const rates = await postExport(client.server, { query: SERIES, format: 'xlsx' });
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(await rates.arrayBuffer()) as unknown as ArrayBuffer);
    const series = book.worksheets[0];
    const seriesHeader = (series.getRow(1).values as string[]).slice(1);
    const rate = series.getRow(2).getCell(seriesHeader.indexOf('One-touch rate (%)') + 1);
    // 03-02 in Berlin: t1 solved with one reply: one-touch rate 1 = 100 %, stored as the fraction.
    expect(rate.value).toBe(1);
    expect(rate.numFmt).toBe('0.0%');
    const median = series.getRow(2).getCell(seriesHeader.indexOf('First response time, median (h)') + 1);
    // 03-02: t1's first response, 1800 s = 0.5 h.
    expect([median.value, median.numFmt]).toEqual([0.5, '0.00']);
  });
});
