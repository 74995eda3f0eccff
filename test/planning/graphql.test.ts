import ExcelJS from 'exceljs';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentsForTarget } from '../../src/planning/erlang.ts';
import { hourStart } from '../../src/planning/history.ts';
import { backlogLoad } from '../../src/planning/staffing.ts';
import { parseCsv, postExport } from '../exports/helpers.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { gqlClient, type GqlClient } from '../helpers/graphql.ts';
import { makeToken } from '../auth/helpers.ts';
import { insertHistory, trueRate } from './synthetic.ts';

// The GraphQL surface runs on the server's clock, so this history ends at the real
// current hour; exact figures are tested with a fixed clock in forecast.test.ts.
const ZONE = 'Europe/Berlin';
const WEEK = 7 * 86_400_000;
const HOUR = 3_600_000;
const NOW_HOUR = hourStart(new Date(), ZONE).getTime();
const START = NOW_HOUR - 17 * WEEK;
const NO_HOLIDAYS = new Set<string>();
const iso = (ms: number) => new Date(ms).toISOString();

let db: TestDatabase;
let client: GqlClient;
let teamId: number;

beforeAll(async () => {
  db = await openTestDatabase();
  client = gqlClient(db);
  await db.prisma.businessCalendar.create({
    data: { externalId: 'cal-office', name: 'Office', timeZone: ZONE, hours: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '08:00', end: '18:00' })), holidays: [] },
  });
  await insertHistory(db, { from: START, to: NOW_HOUR, zone: ZONE, holidays: NO_HOLIDAYS, channel: 'CHAT' });
  await insertHistory(db, { from: START, to: NOW_HOUR, zone: ZONE, holidays: NO_HOLIDAYS, channel: 'SOCIAL', scale: 0.5 });
  // SOCIAL tickets belong to team "Social"; CHAT tickets to no team.
  const team = await db.prisma.team.create({ data: { externalId: 'social', name: 'Social' } });
  await db.prisma.$executeRaw`UPDATE "Ticket" SET "teamId" = ${team.id} WHERE "channel" = 'SOCIAL'`;
  teamId = team.id;
  // Two solved chats with events, for the measured handle time (see the staffing test).
  const t0 = NOW_HOUR - 3 * 86_400_000;
  const at = (s: number) => new Date(t0 + s * 1000);
  const a = await db.prisma.ticket.create({ data: { externalId: 'ht-1', channel: 'CHAT', status: 'SOLVED', createdAt: at(0), firstResponseAt: at(60), solvedAt: at(2000) } });
  const b = await db.prisma.ticket.create({ data: { externalId: 'ht-2', channel: 'CHAT', status: 'SOLVED', createdAt: at(0), firstResponseAt: at(30), solvedAt: at(130) } });
  const ev = (ticketId: number, seq: number, type: 'CREATED' | 'AGENT_REPLY' | 'CUSTOMER_REPLY' | 'SOLVE', s: number) => ({ externalId: `${ticketId}#${seq}`, ticketId, seq, type, occurredAt: at(s) });
  await db.prisma.ticketEvent.createMany({
    data: [
      ev(a.id, 0, 'CREATED', 0), ev(a.id, 1, 'AGENT_REPLY', 60), ev(a.id, 2, 'CUSTOMER_REPLY', 120), ev(a.id, 3, 'AGENT_REPLY', 300), ev(a.id, 4, 'SOLVE', 2000),
      ev(b.id, 0, 'CREATED', 0), ev(b.id, 1, 'AGENT_REPLY', 30), ev(b.id, 2, 'SOLVE', 130),
    ],
  });
}, 120_000);
afterAll(async () => {
  await db?.destroy();
});

const FORECAST = `query($range: DateTimeRange!, $g: ForecastGranularity!, $by: [ForecastDimension!], $filter: TicketFilter) {
  forecast(range: $range, granularity: $g, timeZone: "${ZONE}", by: $by, filter: $filter) {
    key { channel } levelPerHour trendPerWeek fittedHours learnedHolidays
    buckets { start end label expected lower80 upper80 lower95 upper95 holidayShare }
  }
}`;
const STAFFING = `query($range: DateTimeRange!, $channel: Channel!, $sl: ServiceLevelTarget, $wait: Int, $aht: Float, $g: ForecastGranularity, $cal: String) {
  staffing(range: $range, channel: $channel, timeZone: "${ZONE}", serviceLevel: $sl, maxAverageWait: $wait, handleTimeSeconds: $aht, granularity: $g, calendarExternalId: $cal) {
    channel method handleTimeSeconds handleTimeMeasured busyThreshold
    buckets { start label arrivals arrivalsUpper80 erlangs agents serviceLevel averageSpeedOfAnswer occupancy headcount openShare closedButBusy }
  }
}`;

interface StaffingRow {
  start: string;
  label: string;
  arrivals: number;
  erlangs: number;
  agents: number;
  serviceLevel: number | null;
  averageSpeedOfAnswer: number | null;
  occupancy: number | null;
  headcount: number;
  openShare: number;
  closedButBusy: boolean;
}

describe('forecast', () => {
  it('returns one series per channel with every local hour, close to the true rate', async () => {
    const range = { from: iso(NOW_HOUR + HOUR), to: iso(NOW_HOUR + 25 * HOUR) };
    const r = await client.query(FORECAST, { range, g: 'HOUR', by: ['CHANNEL'], filter: { channels: ['CHAT', 'SOCIAL'] } });
    expect(r.errors).toBeUndefined();
    const series = r.data.forecast as { key: { channel: string }; buckets: { start: string; label: string; expected: number; lower80: number; upper95: number }[] }[];
    expect(series.map((s) => s.key.channel)).toEqual(['CHAT', 'SOCIAL']);
    const chat = series[0].buckets;
    expect(chat).toHaveLength(24);
    expect(chat[0].label).toBe(DateTime.fromMillis(NOW_HOUR + HOUR, { zone: ZONE }).toFormat("yyyy-MM-dd'T'HH"));
    const truth = chat.reduce((s, b) => s + trueRate(Date.parse(b.start), START, ZONE, NO_HOLIDAYS), 0);
    const total = chat.reduce((s, b) => s + b.expected, 0);
    expect(Math.abs(total - truth) / truth).toBeLessThan(0.03);
  });

  it('refuses bad ranges and filters with BAD_USER_INPUT and a message saying what to change', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ range: { from: iso(NOW_HOUR - 5 * HOUR), to: iso(NOW_HOUR - HOUR) }, g: 'HOUR' }, /in the past: a forecast covers future buckets/],
      [{ range: { from: iso(NOW_HOUR - 2 * HOUR), to: iso(NOW_HOUR + 5 * HOUR) }, g: 'HOUR' }, /range\.from .* is in the past: a forecast starts at the current hour/],
      [{ range: { from: iso(NOW_HOUR + HOUR), to: iso(NOW_HOUR + 60 * 86_400_000) }, g: 'DAY' }, /at most 56 days ahead/],
      [{ range: { from: iso(NOW_HOUR + 5 * HOUR), to: iso(NOW_HOUR + HOUR) }, g: 'HOUR' }, /range\.from .*before.*range\.to/],
      [{ range: { from: iso(NOW_HOUR + HOUR), to: iso(NOW_HOUR + 5 * HOUR) }, g: 'HOUR', filter: { createdAt: { from: iso(START), to: iso(NOW_HOUR) } } }, /filter\.createdAt cannot be used/],
    ];
    for (const [variables, message] of cases) {
      const r = await client.query(FORECAST, variables);
      expect(r.errors?.[0].extensions?.code, JSON.stringify(variables)).toBe('BAD_USER_INPUT');
      expect(r.errors?.[0].message).toMatch(message);
      expect(r.data?.forecast ?? null).toBeNull();
    }
  });
});

describe('forecast by TEAM and team scope', () => {
  const range = { from: iso(NOW_HOUR + HOUR), to: iso(NOW_HOUR + 25 * HOUR) };
  const BY_TEAM = `query($range: DateTimeRange!) { forecast(range: $range, granularity: DAY, timeZone: "${ZONE}", by: [TEAM]) { key { team { name } } buckets { expected } } }`;

  it('splits by team (no team is the null group) and a TEAM_LEAD sees only its teams', async () => {
    const all = await client.query(BY_TEAM, { range });
    expect(all.errors).toBeUndefined();
    expect(all.data.forecast.map((s: { key: { team: { name: string } | null } }) => s.key.team?.name ?? null)).toEqual(['Social', null]);
    const lead = await makeToken(db, 'TEAM_LEAD', { teamIds: [teamId] });
    const scoped = await client.query(BY_TEAM, { range }, lead.header);
    expect(scoped.errors).toBeUndefined();
    expect(scoped.data.forecast.map((s: { key: { team: { name: string } | null } }) => s.key.team?.name ?? null)).toEqual(['Social']);
    // Without by, the lead's single series counts only the team's (SOCIAL) tickets.
    const one = await client.query(FORECAST, { range, g: 'DAY' }, lead.header);
    const social = await client.query(FORECAST, { range, g: 'DAY', filter: { channels: ['SOCIAL'] } });
    expect(one.data.forecast[0].buckets[0].expected).toBeCloseTo(social.data.forecast[0].buckets[0].expected, 6);
  });
});

describe('staffing', () => {
  const range = { from: iso(NOW_HOUR + 2 * HOUR), to: iso(NOW_HOUR + 26 * HOUR) };

  it('staffs chat by Erlang C with the measured handle time, and flags busy closed hours', async () => {
    const r = await client.query(STAFFING, { range, channel: 'CHAT', sl: { percent: 80, withinSeconds: 20 } });
    expect(r.errors).toBeUndefined();
    const plan = r.data.staffing;
    expect(plan.method).toBe('ERLANG_C');
    // Measured: ticket 1: 60 + 180 (reply after the customer) + min(1700, 600) = 840 s;
    // ticket 2: 30 + 100 = 130 s; the mean is 485 s.
    expect(plan.handleTimeMeasured).toBe(true);
    expect(plan.handleTimeSeconds).toBeCloseTo(485, 6);
    const buckets = plan.buckets as StaffingRow[];
    expect(buckets).toHaveLength(24);
    const open = buckets.filter((b) => b.openShare > 0);
    expect(plan.busyThreshold).toBeCloseTo((0.5 * open.reduce((s, b) => s + b.arrivals, 0)) / open.length, 6);
    for (const b of buckets) {
      expect(b.erlangs).toBeCloseTo((b.arrivals * 485) / 3600, 6);
      const s = agentsForTarget(b.erlangs, 485, { kind: 'serviceLevel', percent: 80, withinSeconds: 20 }, 0.85);
      expect(b.agents).toBe(s.agents);
      expect(b.headcount).toBeCloseTo(s.agents / 0.7, 6);
      if (b.agents > 0) {
        expect(b.serviceLevel!).toBeGreaterThanOrEqual(0.8);
        expect(b.occupancy!).toBeLessThanOrEqual(0.85);
        expect(b.averageSpeedOfAnswer!).toBeGreaterThanOrEqual(0);
      }
      // Office hours: Monday to Friday 08:00-18:00 in Berlin.
      const local = DateTime.fromISO(b.start, { zone: ZONE });
      const openNow = local.weekday <= 5 && local.hour >= 8 && local.hour < 18;
      expect(b.openShare).toBe(openNow ? 1 : 0);
      expect(b.closedButBusy).toBe(!openNow && b.arrivals >= plan.busyThreshold);
    }
  });

  it('staffs a backlog channel by the work due within the target window', async () => {
    const r = await client.query(STAFFING, { range, channel: 'SOCIAL', sl: { percent: 90, withinSeconds: 3600 }, aht: 600 });
    expect(r.errors).toBeUndefined();
    const plan = r.data.staffing;
    expect(plan.method).toBe('BACKLOG');
    expect(plan.handleTimeMeasured).toBe(false);
    // The same forecast from one window (an hour) before the range, spread by hand.
    const f = await client.query(FORECAST, { range: { from: iso(NOW_HOUR + HOUR), to: range.to }, g: 'HOUR', filter: { channels: ['SOCIAL'] } });
    const hours = (f.data.forecast[0].buckets as { start: string; end: string; expected: number }[]).map((b) => ({ start: new Date(b.start), end: new Date(b.end), arrivals: b.expected }));
    const load = backlogLoad(hours, 600, 3600).slice(1);
    (plan.buckets as StaffingRow[]).forEach((b, i) => {
      expect(b.agents).toBe(load[i] > 0 ? Math.ceil(load[i] / 0.85 - 1e-9) : 0);
      expect(b.serviceLevel).toBeNull();
      expect(b.averageSpeedOfAnswer).toBeNull();
    });
  });

  it('refuses bad input with BAD_USER_INPUT', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ range, channel: 'CHAT', sl: { percent: 0, withinSeconds: 20 } }, /percent must be between 0 and 100/],
      [{ range, channel: 'CHAT', sl: { percent: 100, withinSeconds: 20 } }, /percent must be between 0 and 100/],
      [{ range, channel: 'CHAT', sl: { percent: 120, withinSeconds: 20 } }, /percent must be between 0 and 100/],
      [{ range, channel: 'CHAT', sl: { percent: 80, withinSeconds: 0 } }, /withinSeconds must be above 0/],
      [{ range, channel: 'CHAT', sl: { percent: 80, withinSeconds: 20 }, wait: 30 }, /either serviceLevel or maxAverageWait/],
      [{ range, channel: 'CHAT', g: 'DAY' }, /staffing is planned per HOUR/],
      [{ range, channel: 'SOCIAL' }, /no solved SOCIAL tickets .* pass handleTimeSeconds/],
      [{ range, channel: 'CHAT', cal: 'nope' }, /no business calendar has externalId "nope"/],
      [{ range: { from: iso(NOW_HOUR + HOUR), to: iso(NOW_HOUR + 90 * 86_400_000) }, channel: 'CHAT' }, /at most 56 days ahead/],
      [{ range, channel: 'CHAT', aht: -5 }, /handleTimeSeconds must be above 0/],
    ];
    for (const [variables, message] of cases) {
      const r = await client.query(STAFFING, variables);
      expect(r.errors?.[0].extensions?.code, JSON.stringify(variables)).toBe('BAD_USER_INPUT');
      expect(r.errors?.[0].message).toMatch(message);
    }
    // An unknown channel fails variable coercion, also as BAD_USER_INPUT, naming the enum's values.
    const unknown = await client.query(STAFFING, { range, channel: 'FAX' });
    expect(unknown.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(unknown.errors?.[0].message).toMatch(/FAX/);
  });
});

describe('forecastAccuracy', () => {
  it('reports WAPE/MAPE per granularity beside the seasonal-naive baseline', async () => {
    const r = await client.query(`{ forecastAccuracy(weeks: 2, timeZone: "${ZONE}", filter: { channels: [CHAT] }) {
      weeks actualTotal granularities { granularity model { wape mape buckets } baseline { wape mape buckets } wapeImprovement coverage80 coverage95 } } }`);
    expect(r.errors).toBeUndefined();
    const acc = r.data.forecastAccuracy;
    expect(acc.weeks).toBe(2);
    expect(acc.granularities.map((g: { granularity: string }) => g.granularity)).toEqual(['HOUR', 'DAY', 'WEEK']);
    expect(acc.granularities[1].model.buckets).toBe(14);
    expect(acc.granularities[2].model.buckets).toBe(2);
    // The history grows 2 % a week: the baseline lags by a week, the model does not.
    expect(acc.granularities[2].model.wape).toBeLessThan(acc.granularities[2].baseline.wape);
    const bad = await client.query('{ forecastAccuracy(weeks: 0) { weeks } }');
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(bad.errors?.[0].message).toMatch(/weeks must be an integer from 1 to 26/);
  });
});

describe('exports', () => {
  const range = { from: iso(NOW_HOUR + 2 * HOUR), to: iso(NOW_HOUR + 26 * HOUR) };
  it('staffing as CSV and XLSX through /export: one row per hour', async () => {
    const body = { query: STAFFING, variables: { range, channel: 'CHAT', aht: 300 } };
    const csv = await postExport(client.server, { ...body, format: 'csv' });
    expect(csv.status).toBe(200);
    const rows = parseCsv(await csv.text());
    expect(rows).toHaveLength(25);
    const header = rows[0];
    // The one list (buckets) becomes the rows; its fields the columns, headed by their names as words.
    expect(header).toEqual(['Start', 'Label', 'Arrivals', 'Arrivals upper 80', 'Erlangs', 'Agents', 'Service level', 'Average speed of answer', 'Occupancy', 'Headcount', 'Open share', 'Closed but busy']);
    const agents = header.indexOf('Agents');
    const arrivals = header.indexOf('Arrivals');
    const r = await client.query(STAFFING, body.variables);
    const apiBuckets = r.data.staffing.buckets as StaffingRow[];
    expect(rows.slice(1).map((row) => Number(row[agents]))).toEqual(apiBuckets.map((b) => b.agents));
    // Floats are written to 2 decimals (the API keeps full precision): at most 2 after the point, within 0.005.
    rows.slice(1).forEach((row, i) => {
      expect(row[arrivals]).toMatch(/^\d+(\.\d{1,2})?$/);
      expect(Math.abs(Number(row[arrivals]) - apiBuckets[i].arrivals)).toBeLessThanOrEqual(0.005 + 1e-9);
    });

    const xlsx = await postExport(client.server, { ...body, format: 'xlsx' });
    expect(xlsx.status).toBe(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(await xlsx.arrayBuffer()) as unknown as ArrayBuffer);
    const sheet = book.worksheets[0];
    expect(sheet.rowCount).toBe(25);
  });

  it('a forecast by channel as CSV: one row per channel and bucket', async () => {
    const csv = await postExport(client.server, {
      query: FORECAST,
      variables: { range, g: 'HOUR', by: ['CHANNEL'], filter: { channels: ['CHAT', 'SOCIAL'] } },
      format: 'csv',
    });
    expect(csv.status).toBe(200);
    const rows = parseCsv(await csv.text());
    expect(rows).toHaveLength(1 + 2 * 24);
    const channel = rows[0].indexOf('Channel');
    expect(rows.slice(1).map((row) => row[channel])).toEqual([...Array(24).fill('CHAT'), ...Array(24).fill('SOCIAL')]);
    expect(rows[0]).toContain('Bucket upper 95');
  });
});
