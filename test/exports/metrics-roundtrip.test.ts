import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { gqlClient, type GqlClient } from '../helpers/graphql.ts';
import { R, seedNewMetricsFixture, TZ } from '../analytics/new-metrics-fixture.ts';
import { parseCsv, postExport } from './helpers.ts';
import { CSV_INFILTER, HAS_SOFFICE, sofficeCsv } from './soffice.ts';

// Issue 12's metrics as a spreadsheet shows them: the hand-built history of
// test/analytics/new-metrics-fixture.ts (R1-R5 over Berlin's 28, 29 (DST, 23 h) and 30
// March 2026) exported per day, opened by LibreOffice, header text, unit and value
// checked per column. Plus four tickets around the autumn DST change.

let db: TestDatabase;
let client: GqlClient;
let dir: string;

beforeAll(async () => {
  db = await openTestDatabase();
  client = gqlClient(db);
  await seedNewMetricsFixture(db, client);
  // Fall-back night in Berlin: 2026-10-25 03:00 CEST becomes 02:00 CET at 01:00Z, so
  // 00:10Z is 02:10+02:00, 01:20Z and 01:40Z are 02:20 and 02:40+01:00, 02:30Z is 03:30+01:00.
  for (const [externalId, createdAt] of [['D1', '2026-10-25T00:10:00Z'], ['D2', '2026-10-25T01:20:00Z'], ['D3', '2026-10-25T01:40:00Z'], ['D4', '2026-10-25T02:30:00Z']]) {
    await db.prisma.ticket.create({ data: { externalId, channel: 'EMAIL', status: 'NEW', createdAt: new Date(createdAt) } });
  }
  dir = await mkdtemp(join(tmpdir(), 'sg-metrics-roundtrip-'));
});

afterAll(async () => {
  await db?.destroy();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const SERIES = `query ($range: DateTimeRange!, $tz: TimeZone) {
  timeSeries(range: $range, granularity: DAY, timeZone: $tz, exact: true) {
    label start
    metrics {
      replies repliesPerSolvedTicket reopenedTickets escalatedTickets oneTouchTickets firstContactResolvedTickets
      requesterWaitTime { avg p75 p95 p99 } onHoldTime { avg } nextReplyTime { avg } firstReplyAfterReopenTime { avg } firstResolutionTime { avg }
      backlogAge { median p90 max } backlogAging { underOneDay oneToThreeDays threeToSevenDays overSevenDays } unassignedBacklog
      sla { firstResponse { pending atRisk } resolution { pending atRisk overrun { max } } }
      surveys { responseRate }
    }
  }
}`;

/**
 * Expected per column: header, then the value of each Berlin day in the header's unit
 * (hours = seconds / 3600, % = fraction × 100), by hand from the fixture's comments.
 */
const EXPECTED: [header: string, d28: number | string | null, d29: number | string | null, d30: number | string | null][] = [
  ['Label', '2026-03-28', '2026-03-29', '2026-03-30'],
  // Local midnights: CET (+01:00) on the 28th and 29th, CEST (+02:00) on the 30th.
  ['Start', '2026-03-28T00:00:00+01:00', '2026-03-29T00:00:00+01:00', '2026-03-30T00:00:00+02:00'],
  ['Replies', 3, 2, 0], // R1 08:30 10:20, R4 20:10 | R2 01:30, R1 10:00
  ['Replies per solved ticket', null, 2, null], // (R1 3 + R2 1) / 2
  ['Reopened tickets', 0, 1, 0], // R1
  ['Escalated tickets', 1, 0, 0], // R4, created on the 28th
  ['One-touch tickets', 0, 1, 0], // R2
  ['First contact resolved tickets', 0, 1, 0], // R2
  ['Requester wait time, mean (h)', null, 4, null], // (23400 + 5400) / 2 = 14400 s
  ['Requester wait time, p75 (h)', null, 5.25, null], // 5400 + 0.75 × 18000 = 18900 s
  ['Requester wait time, p95 (h)', null, 6.25, null], // 5400 + 0.95 × 18000 = 22500 s
  ['Requester wait time, p99 (h)', null, 6.45, null], // 5400 + 0.99 × 18000 = 23220 s
  ['On-hold time, mean (h)', null, 0.75, null], // (5400 + 0) / 2 = 2700 s
  ['Next reply time, mean (h)', 0.33, 1, null], // 1200 s = 0.333… h; 3600 s
  ['First reply after reopen time, mean (h)', null, 1, null], // R1 reopen 09:00 → reply 10:00
  ['First resolution time, mean (h)', 3.5, 1.5, null], // R1 12600 s; R2 5400 s
  ['Backlog age, median (h)', 15, 67, 50], // 54000, 241200, 180000 s
  ['Backlog age, p90 (h)', 71, 99.8, 115.6], // 255600, 359280, 416160 s
  ['Backlog age, max (h)', 85, 108, 132], // R3, the oldest: 306000, 388800, 475200 s
  ['Backlog by age, under 1 day', 2, 0, 1],
  ['Backlog by age, 1 to 3 days', 0, 1, 1],
  ['Backlog by age, 3 to 7 days', 1, 1, 1],
  ['Backlog by age, 7 days or more', 0, 0, 0],
  ['Unassigned backlog', 1, 1, 2], // R3 | R3 | R3 R5
  ['SLA first response, pending', 0, 0, 1], // R5 due 30T22:20Z
  ['SLA first response, at risk', 0, 0, 1], // due within the hour after 22:00Z
  ['SLA resolution, pending', 1, 0, 1], // R1 due 29T08:00Z | R5 due 31T21:20Z
  ['SLA resolution, at risk', 0, 0, 0],
  ['SLA resolution overrun, max (h)', null, 4, null], // R1 due 08:00, solved 12:00: 14400 s
  ['Surveys, response rate (%)', null, 50, null], // 2 sent, R2 answered
];

async function exportTo(query: string, variables: Record<string, unknown>, format: 'csv' | 'xlsx', name: string): Promise<string> {
  const response = await postExport(client.server, { query, variables, format });
  expect(response.status, await response.clone().text()).toBe(200);
  const path = join(dir, `${name}.${format}`);
  await writeFile(path, Buffer.from(await response.arrayBuffer()));
  return path;
}

/** A printed cell in the header's unit: `3.50` and `50.0%` (XLSX formats), `3.5` and `50` (CSV) are numbers; text stays text. */
function printedValue(printed: string, expected: number | string | null): number | string | null {
  if (printed === '') return null;
  if (typeof expected === 'number') return Number(printed.replace(/%$/, ''));
  return printed;
}

describe('issue 12 metrics read right in a spreadsheet', () => {
  it('CSV as written: readable headers with units, hours, percent, rounded', async () => {
    const response = await postExport(client.server, { query: SERIES, variables: { range: R, tz: TZ }, format: 'csv' });
    const [header, ...rows] = parseCsv(await response.text());
    expect(header).toEqual(EXPECTED.map((e) => e[0]));
    const text = (value: number | string | null) => (value === null ? '' : String(value));
    expect(rows).toEqual([1, 2, 3].map((day) => EXPECTED.map((e) => text(e[day]))));
  });

  it('JSON keeps the paths and the API values: seconds and fractions, unrounded', async () => {
    const response = await postExport(client.server, { query: SERIES, variables: { range: R, tz: TZ }, format: 'json' });
    const rows = (await response.json()) as Record<string, unknown>[];
    // 29th: next reply 3600 s; 28th: 1200 s (0.33 h in CSV/XLSX); response rate 1 of 2.
    expect([rows[0]['metrics.nextReplyTime.avg'], rows[1]['metrics.nextReplyTime.avg'], rows[1]['metrics.surveys.responseRate']]).toEqual([1200, 3600, 0.5]);
    expect(rows[0].start).toBe('2026-03-27T23:00:00.000Z');
  });

  describe.skipIf(!HAS_SOFFICE)('through LibreOffice (soffice --headless --convert-to csv)', () => {
    for (const format of ['xlsx', 'csv'] as const) {
      it(`${format.toUpperCase()}: every new metric column has its header, unit and value`, async () => {
        const file = await exportTo(SERIES, { range: R, tz: TZ }, format, `metrics-${format}`);
        const [[header, ...rows]] = await sofficeCsv([file], dir, format === 'csv' ? CSV_INFILTER : undefined);
        expect(header).toEqual(EXPECTED.map((e) => e[0]));
        expect(rows).toHaveLength(3);
        EXPECTED.forEach(([column, ...days], j) =>
          days.forEach((value, i) => expect(printedValue(rows[i][j], value), `${format} ${column} day ${i + 1}: ${rows[i][j]}`).toEqual(value)),
        );
        if (format === 'xlsx') {
          // The number formats show the precision: hours with 2 decimals, percentages with 1, counts whole.
          const at = (column: string, day: number) => rows[day][EXPECTED.findIndex((e) => e[0] === column)];
          expect([at('First resolution time, mean (h)', 0), at('Surveys, response rate (%)', 1), at('Replies', 0), at('Backlog age, p90 (h)', 1)]).toEqual([
            '3.50',
            '50.0%',
            '3',
            '99.80',
          ]);
        }
      });
    }

    it('a DST fall-back series: the repeated 02:00 hour carries +02:00 then +01:00, in CSV and in XLSX', async () => {
      const query = `{ timeSeries(range: { from: "2026-10-24T23:00:00Z", to: "2026-10-25T03:00:00Z" }, granularity: HOUR, timeZone: "Europe/Berlin") {
        label start end metrics { ticketsCreated } } }`;
      // Buckets by UTC hour: 23:00Z none; 00:00Z D1; 01:00Z D2 D3; 02:00Z D4.
      const expected = [
        ['Label', 'Start', 'End', 'Tickets created'],
        ['2026-10-25T01', '2026-10-25T01:00:00+02:00', '2026-10-25T02:00:00+02:00', '0'],
        ['2026-10-25T02', '2026-10-25T02:00:00+02:00', '2026-10-25T02:00:00+01:00', '1'],
        ['2026-10-25T02', '2026-10-25T02:00:00+01:00', '2026-10-25T03:00:00+01:00', '2'],
        ['2026-10-25T03', '2026-10-25T03:00:00+01:00', '2026-10-25T04:00:00+01:00', '1'],
      ];
      const csv = await exportTo(query, {}, 'csv', 'dst-csv');
      const xlsx = await exportTo(query, {}, 'xlsx', 'dst-xlsx');
      const [fromCsv] = await sofficeCsv([csv], dir, CSV_INFILTER);
      const [fromXlsx] = await sofficeCsv([xlsx], dir);
      expect(fromCsv).toEqual(expected);
      // XLSX: native dates (wall time) whose number format shows the offset.
      expect(fromXlsx).toEqual(expected);
    });

    it('a raw *Seconds field stays seconds while a duration metric is hours, in both formats', async () => {
      const tickets = `{ tickets(filter: { createdAt: { from: "${R.from}", to: "${R.to}" } }, orderBy: { field: CREATED_AT, direction: ASC }) { nodes { externalId firstResponseSeconds } } }`;
      const metric = `query ($range: DateTimeRange!) { metrics(range: $range) { firstResponseTime { max } } }`;
      const files = {
        csv: [await exportTo(tickets, {}, 'csv', 'seconds-csv'), await exportTo(metric, { range: R }, 'csv', 'hours-csv')],
        xlsx: [await exportTo(tickets, {}, 'xlsx', 'seconds-xlsx'), await exportTo(metric, { range: R }, 'xlsx', 'hours-xlsx')],
      };
      const [csvTickets, csvMetric] = await sofficeCsv(files.csv, dir, CSV_INFILTER);
      const [xlsxTickets, xlsxMetric] = await sofficeCsv(files.xlsx, dir);
      // First responses: R1 08:00 → 08:30 = 1800 s, R4 20:00 → 20:10 = 600 s, R2 00:30 → 01:30 = 3600 s; R5 none.
      expect(csvTickets).toEqual([['External ID', 'First response time (s)'], ['R1', '1800'], ['R4', '600'], ['R2', '3600'], ['R5', '']]);
      expect(xlsxTickets).toEqual(csvTickets);
      // The longest of them, 3600 s, as a duration metric: 1 hour.
      expect(csvMetric).toEqual([['First response time, max (h)'], ['1']]);
      expect(xlsxMetric).toEqual([['First response time, max (h)'], ['1.00']]);
    });
  });
});
