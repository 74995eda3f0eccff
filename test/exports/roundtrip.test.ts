import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { gqlClient, type GqlClient } from '../helpers/graphql.ts';
import { parseCsv, postExport, seedFixture } from './helpers.ts';

const run = promisify(execFile);
const HAS_SOFFICE = spawnSync('sh', ['-c', 'command -v soffice'], { encoding: 'utf8' }).status === 0;
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

/** Converts a file to CSV with headless LibreOffice Calc (own profile, so parallel runs do not collide). */
async function sofficeCsv(file: string, infilter?: string): Promise<string[][]> {
  const out = await mkdtemp(join(dir, 'out-'));
  const profile = await mkdtemp(join(dir, 'profile-'));
  await run(
    'soffice',
    [`-env:UserInstallation=file://${profile}`, '--headless', ...(infilter ? [`--infilter=${infilter}`] : []), '--convert-to', 'csv', '--outdir', out, file],
    { timeout: 120_000 },
  );
  const name = file.split('/').pop()!.replace(/\.\w+$/, '.csv');
  return parseCsv(await readFile(join(out, name), 'utf8'));
}

/** Flattens a GraphQL list the way the export names columns: dotted paths of the selection. */
function flatRows(items: Record<string, unknown>[]): Record<string, unknown>[] {
  const flat = (value: unknown, prefix: string, into: Record<string, unknown>) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) flat(v, prefix ? `${prefix}.${k}` : k, into);
    } else into[prefix] = value;
    return into;
  };
  return items.map((item) => flat(item, '', {}));
}

const DATE_COLUMNS = new Set(['start', 'end', 'createdAt', 'solvedAt']);
const DURATION_COLUMNS = /firstResponseTime\.(avg|median|max)$|Seconds$/;
const RATE_COLUMNS = /Rate$/;

/**
 * Compares a cell as LibreOffice printed it with the GraphQL value: numbers equal
 * (XLSX durations are hours, rates may print as percentages), dates equal as wall time
 * in the report zone, text and lists equal, null empty.
 */
function expectCell(column: string, printed: string, value: unknown, format: 'xlsx' | 'csv'): void {
  const where = `${format} ${column}: ${printed} vs ${JSON.stringify(value)}`;
  if (value === null || value === undefined) {
    expect(printed, where).toBe('');
  } else if (DATE_COLUMNS.has(column)) {
    expect(printed, where).toBe(DateTime.fromISO(value as string).setZone(ZONE).toFormat('yyyy-MM-dd HH:mm:ss'));
  } else if (typeof value === 'number') {
    let number = printed.endsWith('%') ? Number(printed.slice(0, -1)) / 100 : Number(printed);
    if (format === 'xlsx' && DURATION_COLUMNS.test(column)) number *= 3600;
    expect(number, where).toBeCloseTo(value, 9);
    if (RATE_COLUMNS.test(column) && format === 'xlsx') expect(printed, where).toMatch(/%$/);
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
      const [header, ...rows] = await sofficeCsv(file, format === 'csv' ? 'CSV:44,34,76,1' : undefined);
      expect(header).toEqual(Object.keys(expected[0]));
      // Three local days touch the range in Berlin: 03-02 01:00 to 03-04 01:00 local.
      expect(rows).toHaveLength(3);
      rows.forEach((row, i) => header.forEach((column, j) => expectCell(column, row[j], expected[i][column], format)));
    });

    it(`${format.toUpperCase()}: ticket cells equal the GraphQL answer, and a formula-like subject stays text`, async () => {
      const answer = await client.query(TICKETS);
      const expected = flatRows(answer.data.tickets.nodes);
      const file = await exportFile(TICKETS, format, `tickets-${format}`);
      const [header, ...rows] = await sofficeCsv(file, format === 'csv' ? 'CSV:44,34,76,1' : undefined);
      expect(header).toEqual(Object.keys(expected[0]));
      expect(rows).toHaveLength(6);
      const subject = header.indexOf('subject');
      rows.forEach((row, i) =>
        header.forEach((column, j) => {
          // CSV subjects that look like formulas carry the escaping apostrophe.
          const value = expected[i][column];
          if (format === 'csv' && j === subject && typeof value === 'string' && /^[=+\-@]/.test(value)) {
            expect(row[j]).toBe(`'${value}`);
          } else expectCell(column, row[j], value, format);
        }),
      );
      // t3's subject =HYPERLINK("http://x","y") was not evaluated (that would print "y").
      expect(rows[2][subject]).toContain('=HYPERLINK("http://x","y")');
    });
  }
});

describe('XLSX cells are typed and formatted', () => {
  it('numbers, dates, durations and rates have their types and formats; the header is bold and frozen', async () => {
    const response = await postExport(client.server, { query: TICKETS.replace('escalated', 'escalated agentReplies'), format: 'xlsx', timeZone: ZONE });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(await response.arrayBuffer()) as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0];
    expect(sheet.name).toBe('tickets');
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(sheet.getRow(1).font).toMatchObject({ bold: true, name: 'Calibri' }); // a named font: LibreOffice shows no serif fallback
    const header = (sheet.getRow(1).values as string[]).slice(1);
    const cell = (row: number, column: string) => sheet.getRow(row).getCell(header.indexOf(column) + 1);
    // t1 (row 2): created 2026-03-02 08:00 UTC = 09:00 in Berlin, first response after 1800 s = 0.5 h.
    expect(cell(2, 'createdAt').value).toEqual(new Date('2026-03-02T09:00:00Z'));
    expect(cell(2, 'createdAt').numFmt).toBe('yyyy-mm-dd hh:mm:ss');
    expect(cell(2, 'firstResponseSeconds').value).toBe(0.5);
    expect(cell(2, 'firstResponseSeconds').numFmt).toBe('#,##0.00 "h"');
    expect(cell(2, 'agentReplies').value).toBe(1);
    expect(cell(2, 'escalated').value).toBe(false);
    expect(cell(4, 'subject').value).toBe('=HYPERLINK("http://x","y")');
    expect(cell(4, 'subject').type).toBe(ExcelJS.ValueType.String);
    expect(cell(4, 'assignee.name').value).toBeNull();
    // Widths fit the content within bounds: dates at least 20 characters, nothing over 60.
    const widths = header.map((_, i) => sheet.getColumn(i + 1).width ?? 0);
    expect(widths[header.indexOf('createdAt')]).toBeGreaterThanOrEqual(20);
    expect(Math.max(...widths)).toBeLessThanOrEqual(60);
    expect(Math.min(...widths)).toBeGreaterThanOrEqual(8);

    const rates = await postExport(client.server, { query: SERIES, format: 'xlsx' });
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(await rates.arrayBuffer()) as unknown as ArrayBuffer);
    const series = book.worksheets[0];
    const seriesHeader = (series.getRow(1).values as string[]).slice(1);
    const rate = series.getRow(2).getCell(seriesHeader.indexOf('metrics.oneTouchRate') + 1);
    // 03-02 in Berlin: t1 solved with one reply: one-touch rate 1 = 100 %.
    expect(rate.value).toBe(1);
    expect(rate.numFmt).toBe('0.0%');
  });
});
