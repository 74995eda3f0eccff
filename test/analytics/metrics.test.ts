import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeTotals } from '../../src/analytics/engine.ts';
import { MEASURES, METRICS, type MetricNode } from '../../src/analytics/registry.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { gqlClient, type GqlClient, type GqlResult } from '../helpers/graphql.ts';

// ---------------------------------------------------------------------------
// The hand-built dataset. Teams: 1 Alpha, 2 Beta. Agents: 1 Ada (Alpha), 2 Bo (Alpha),
// 3 Cy (Beta). Customers: 1 ENTERPRISE, 2 FREE. Categories: 1 Billing, 2 Login.
// All instants UTC. Europe/Berlin switches to CEST at 2026-03-29T01:00Z (its 29 March
// has 23 hours) and back to CET at 2026-10-25T01:00Z (25 hours); New York is on EDT
// (UTC-4) throughout March 27-31.

type Row = [
  id: number, channel: string, team: number | null, agent: number | null, customer: number | null, category: number | null,
  tags: string[], createdAt: string, firstResponseAt: string | null, solvedAt: string | null,
  replies: number, reopens: number, escalated: boolean, frBusiness: number | null, resBusiness: number | null,
  frDue: string | null, resDue: string | null,
];
const FAR = '2099-01-01T00:00:00Z'; // a deadline still ahead: the target is pending

// prettier-ignore
const TICKETS: Row[] = [
  // before the March range: T01 stays open (backlog base), T02 is solved in range, T03 after it
  [1, 'EMAIL', 1, 1, 1, 1, [], '2026-03-20T10:00:00Z', null, null, 0, 0, false, null, null, FAR, null],
  [2, 'CHAT', 1, 2, 2, 2, ['billing'], '2026-03-25T09:00:00Z', '2026-03-25T09:30:00Z', '2026-03-28T10:00:00Z', 2, 0, false, null, 100000, '2026-03-25T10:00:00Z', '2026-03-28T09:00:00Z'],
  [3, 'EMAIL', 2, 3, 1, 1, ['legacy'], '2026-03-26T12:00:00Z', '2026-03-26T13:00:00Z', '2026-03-31T08:00:00Z', 1, 0, false, null, null, '2026-03-26T12:30:00Z', '2026-03-30T23:00:00Z'],
  // the March range R = [2026-03-27T23:00Z, 2026-03-30T22:00Z): Berlin 28, 29 (23h), 30 March
  [4, 'EMAIL', 1, 1, 1, 1, ['billing'], '2026-03-27T23:30:00Z', '2026-03-27T23:40:00Z', '2026-03-28T01:30:00Z', 1, 0, false, null, null, '2026-03-28T00:00:00Z', '2026-03-28T02:00:00Z'],
  [5, 'CHAT', 1, 2, 2, 2, ['login', 'vip'], '2026-03-28T08:00:00Z', '2026-03-28T08:20:00Z', '2026-03-28T12:00:00Z', 1, 1, true, null, null, '2026-03-28T08:10:00Z', '2026-03-28T16:00:00Z'],
  [6, 'EMAIL', 2, 3, 1, 1, [], '2026-03-28T22:30:00Z', '2026-03-28T23:30:00Z', '2026-03-29T09:00:00Z', 3, 0, false, 1800, 20000, '2026-03-28T23:00:00Z', '2026-03-29T06:00:00Z'],
  [7, 'PHONE', 2, 3, 2, null, ['vip'], '2026-03-28T23:30:00Z', null, null, 0, 0, true, null, null, '2026-03-29T03:00:00Z', FAR],
  [8, 'CHAT', 1, 1, 1, 2, ['login'], '2026-03-29T00:59:00Z', '2026-03-29T01:01:00Z', '2026-03-29T01:30:00Z', 1, 0, false, null, null, '2026-03-29T02:00:00Z', null],
  [9, 'EMAIL', 1, 2, 2, 1, ['billing'], '2026-03-29T10:00:00Z', '2026-03-29T10:15:00Z', '2026-03-30T10:00:00Z', 2, 0, false, null, 30000, null, '2026-03-29T20:00:00Z'],
  [10, 'WEB', 2, 3, 1, 2, [], '2026-03-29T21:30:00Z', '2026-03-29T22:30:00Z', null, 1, 0, false, null, null, null, '2026-03-30T12:00:00Z'],
  [11, 'EMAIL', 1, 1, 2, 1, ['billing'], '2026-03-29T22:00:00Z', '2026-03-29T22:05:00Z', '2026-03-29T23:00:00Z', 1, 0, false, null, null, null, null],
  [12, 'CHAT', 2, 3, 2, 2, ['vip'], '2026-03-30T03:00:00Z', '2026-03-30T05:00:00Z', '2026-03-30T20:00:00Z', 1, 2, false, null, null, '2026-03-30T04:00:00Z', null],
  [13, 'API', null, null, null, null, [], '2026-03-30T12:00:00Z', null, '2026-03-30T13:00:00Z', 0, 0, false, null, null, '2026-03-30T14:00:00Z', null],
  [14, 'EMAIL', 1, 1, 1, 1, [], '2026-03-30T21:59:00Z', '2026-03-30T22:30:00Z', null, 1, 0, false, null, null, null, null],
  [15, 'EMAIL', 1, 1, 1, 1, [], '2026-03-30T22:00:00Z', null, '2026-03-30T23:00:00Z', 0, 0, false, null, null, null, null],
  // October: Berlin 24, 25 (25h) and 26 October = [2026-10-23T22:00Z, 2026-10-26T23:00Z)
  [16, 'CHAT', 1, 1, 1, 2, ['vip'], '2026-10-24T21:30:00Z', '2026-10-24T22:30:00Z', '2026-10-25T00:30:00Z', 1, 0, false, null, null, null, null],
  [17, 'EMAIL', 2, 3, 2, 1, [], '2026-10-25T00:30:00Z', '2026-10-25T01:30:00Z', '2026-10-25T22:30:00Z', 2, 0, false, null, null, null, null],
  [18, 'EMAIL', 1, 2, 2, 1, [], '2026-10-25T22:59:00Z', null, null, 0, 0, false, null, null, null, null],
  [19, 'PHONE', 2, 3, 1, null, [], '2026-10-25T23:00:00Z', '2026-10-26T00:00:00Z', '2026-10-26T02:00:00Z', 1, 0, false, null, null, null, null],
  [20, 'WEB', 1, 1, 2, 2, [], '2026-10-26T12:00:00Z', '2026-10-26T12:10:00Z', '2026-10-26T12:30:00Z', 1, 0, false, null, null, null, null],
  [21, 'EMAIL', 1, 1, 1, 1, [], '2026-10-22T12:00:00Z', null, '2026-10-26T10:00:00Z', 0, 0, false, null, null, null, null],
];

// [id, kind, score, createdAt, ticket, agent (only without a ticket), customer]
// prettier-ignore
const FEEDBACK: [number, 'CSAT' | 'NPS' | 'CES', number, string, number | null, number | null, number | null][] = [
  [1, 'CSAT', 5, '2026-03-28T10:00:00Z', 5, null, 2],
  [2, 'CSAT', 3, '2026-03-28T23:10:00Z', 4, null, 1],
  [3, 'CSAT', 4, '2026-03-29T12:00:00Z', 6, null, 1],
  [4, 'NPS', 10, '2026-03-29T12:00:00Z', 8, null, 1],
  [5, 'NPS', 6, '2026-03-29T23:00:00Z', 11, null, 2],
  [6, 'NPS', 8, '2026-03-30T09:00:00Z', null, 3, null], // no ticket: Cy and team Beta
  [7, 'CES', 2, '2026-03-30T09:30:00Z', 9, null, 2],
  [8, 'CES', 5, '2026-03-30T10:00:00Z', null, 2, null], // no ticket: Bo and team Alpha
  [9, 'CSAT', 1, '2026-03-30T21:00:00Z', null, 1, 1], // no ticket: Ada and team Alpha
  [10, 'CSAT', 5, '2026-03-25T10:00:00Z', 2, null, 2], // before the range
  [11, 'CSAT', 4, '2026-10-25T12:00:00Z', 17, null, 2],
  [12, 'CSAT', 2, '2026-10-26T20:00:00Z', 19, null, 1],
];

const R = { from: '2026-03-27T23:00:00Z', to: '2026-03-30T22:00:00Z' };
const OCT = { from: '2026-10-23T22:00:00Z', to: '2026-10-26T23:00:00Z' };
const id = (type: string, n: number) => encodeGlobalID(type, n);

let db: TestDatabase;
let client: GqlClient;

beforeAll(async () => {
  db = await openTestDatabase();
  const p = db.prisma;
  await p.team.createMany({ data: [{ id: 1, externalId: 'alpha', name: 'Alpha' }, { id: 2, externalId: 'beta', name: 'Beta' }] });
  await p.agent.createMany({
    data: [
      { id: 1, externalId: 'ada', name: 'Ada', teamId: 1 },
      { id: 2, externalId: 'bo', name: 'Bo', teamId: 1 },
      { id: 3, externalId: 'cy', name: 'Cy', teamId: 2 },
    ],
  });
  await p.customer.createMany({ data: [{ id: 1, externalId: 'c1', tier: 'ENTERPRISE' }, { id: 2, externalId: 'c2', tier: 'FREE' }] });
  await p.category.createMany({ data: [{ id: 1, externalId: 'billing', name: 'Billing' }, { id: 2, externalId: 'login', name: 'Login' }] });
  const at = (s: string | null) => (s ? new Date(s) : null);
  await p.ticket.createMany({
    data: TICKETS.map(([n, channel, teamId, assigneeId, customerId, categoryId, tags, c, fr, s, agentReplies, reopenCount, escalated, frb, rb, frd, rd]) => ({
      id: n,
      externalId: `T${String(n).padStart(2, '0')}`,
      channel: channel as 'EMAIL',
      status: s ? 'SOLVED' : 'OPEN',
      teamId,
      assigneeId,
      customerId,
      categoryId,
      tags,
      createdAt: new Date(c),
      firstResponseAt: at(fr),
      solvedAt: at(s),
      agentReplies,
      reopenCount,
      escalated,
      firstResponseBusinessSeconds: frb,
      resolutionBusinessSeconds: rb,
      firstResponseDueAt: at(frd),
      resolutionDueAt: at(rd),
    })),
  });
  await p.feedback.createMany({
    data: FEEDBACK.map(([n, kind, score, c, ticketId, agentId, customerId]) => ({
      id: n,
      externalId: `F${n}`,
      kind,
      score,
      createdAt: new Date(c),
      ticketId,
      agentId,
      customerId,
    })),
  });
  // Every answer computed (and its statements counted); the response cache has its own test.
  client = gqlClient(db, { responseCache: false });
});

afterAll(async () => {
  await db?.destroy();
});

const ALL = /* GraphQL */ `
  fragment D on DurationStats { count avg median p90 min max }
  fragment All on Metrics {
    ticketsCreated ticketsSolved backlog
    firstResponseTime { ...D } firstResponseBusinessTime { ...D } resolutionTime { ...D } resolutionBusinessTime { ...D }
    reopenRate oneTouchRate firstContactResolutionRate escalationRate
    sla { firstResponse { achieved breached attainment } resolution { achieved breached attainment } }
    csat { score average responses }
    nps { score promoters passives detractors responses }
    ces { average responses }
  }
`;

async function ok(document: string, variables?: Record<string, unknown>): Promise<any> {
  const result = await client.query(document, variables);
  expect(result.errors).toBeUndefined();
  return result.data;
}

async function fails(document: string, variables?: Record<string, unknown>): Promise<GqlResult> {
  const result = await client.query(document, variables);
  expect(result.errors?.length).toBeGreaterThan(0);
  return result;
}

/** Compares numbers to 6 decimals and everything else exactly, key by key. */
function expectMetrics(actual: unknown, expected: unknown, path = 'metrics'): void {
  if (typeof expected === 'number') {
    expect(typeof actual, path).toBe('number');
    expect(actual as number, path).toBeCloseTo(expected, 6);
  } else if (expected && typeof expected === 'object') {
    for (const [key, value] of Object.entries(expected)) expectMetrics((actual as Record<string, unknown>)?.[key], value, `${path}.${key}`);
  } else {
    expect(actual, path).toBe(expected);
  }
}

const d = (count: number, avg: number | null, median: number | null, p90: number | null, min: number | null, max: number | null) => ({
  count, avg, median, p90, min, max,
});
const sla = (achieved: number, breached: number) => ({
  achieved, breached, attainment: achieved + breached === 0 ? null : achieved / (achieved + breached),
});

// Every metric of each Berlin day in R, by hand from the rows above.
const BERLIN_DAYS = [
  {
    label: '2026-03-28', // [27T23:00Z, 28T23:00Z), 24h
    start: '2026-03-27T23:00:00.000Z',
    end: '2026-03-28T23:00:00.000Z',
    metrics: {
      ticketsCreated: 3, // T04 T05 T06
      ticketsSolved: 3, // T02 T04 T05
      backlog: 3, // at 28T23:00Z: T01 T03 T06 (T07 is created at 23:30)
      firstResponseTime: d(2, 900, 900, 1140, 600, 1200), // T04 600, T05 1200; p90 = 600 + 0.9*600
      firstResponseBusinessTime: d(2, 900, 900, 1140, 600, 1200), // no business seconds: calendar
      resolutionTime: d(3, 94800, 14400, 213120, 7200, 262800), // 7200 14400 262800; p90 = 14400 + 0.8*248400
      resolutionBusinessTime: d(3, 121600 / 3, 14400, 82880, 7200, 100000), // T02 100000 instead of 262800
      reopenRate: 1 / 3, // T05
      oneTouchRate: 2 / 3, // T04 T05 (T02 has 2 replies)
      firstContactResolutionRate: 1 / 3, // T04 (T05 reopened)
      escalationRate: 1 / 3, // T05
      sla: {
        firstResponse: sla(1, 1), // T04 met at 27T23:40; T05 missed, decided at its deadline 08:10
        resolution: sla(2, 1), // T04, T05 met; T02 missed at 28T09:00
      },
      csat: { score: 100, average: 5, responses: 1 }, // F1 5
      nps: { score: null, promoters: 0, passives: 0, detractors: 0, responses: 0 },
      ces: { average: null, responses: 0 },
    },
  },
  {
    label: '2026-03-29', // [28T23:00Z, 29T22:00Z), 23h
    start: '2026-03-28T23:00:00.000Z',
    end: '2026-03-29T22:00:00.000Z',
    metrics: {
      ticketsCreated: 4, // T07 T08 T09 T10
      ticketsSolved: 2, // T06 T08
      backlog: 5, // at 29T22:00Z: T01 T03 T07 T09 T10 (T11 created exactly at the end)
      firstResponseTime: d(3, 1540, 900, 3060, 120, 3600), // T06 3600, T08 120, T09 900; p90 = 900 + 0.8*2700
      firstResponseBusinessTime: d(3, 940, 900, 1620, 120, 1800), // T06 counts 1800 business seconds
      resolutionTime: d(2, 19830, 19830, 34206, 1860, 37800), // T06 37800, T08 1860; p90 = 1860 + 0.9*35940
      resolutionBusinessTime: d(2, 10930, 10930, 18186, 1860, 20000), // T06 20000
      reopenRate: 0,
      oneTouchRate: 0.5, // T08
      firstContactResolutionRate: 0.5,
      escalationRate: 0.25, // T07
      sla: {
        firstResponse: sla(1, 2), // T06 missed (decided 28T23:00Z = local midnight), T07 missed at 03:00, T08 met
        resolution: sla(0, 2), // T06 missed at 06:00, T09 missed at 20:00
      },
      csat: { score: 50, average: 3.5, responses: 2 }, // F2 3 (00:10 local), F3 4
      nps: { score: 100, promoters: 1, passives: 0, detractors: 0, responses: 1 }, // F4 10
      ces: { average: null, responses: 0 },
    },
  },
  {
    label: '2026-03-30', // [29T22:00Z, 30T22:00Z)
    start: '2026-03-29T22:00:00.000Z',
    end: '2026-03-30T22:00:00.000Z',
    metrics: {
      ticketsCreated: 4, // T11 T12 T13 T14 (T15 at the range end is out)
      ticketsSolved: 4, // T09 T11 T12 T13
      backlog: 5, // T01 T03 T07 T10 T14
      firstResponseTime: d(3, 3700, 3600, 6480, 300, 7200), // T10 3600, T11 300, T12 7200
      firstResponseBusinessTime: d(3, 3700, 3600, 6480, 300, 7200),
      resolutionTime: d(4, 38700, 32400, 78840, 3600, 86400), // 3600 3600 61200 86400; p90 = 61200 + 0.7*25200
      resolutionBusinessTime: d(4, 24600, 16800, 51840, 3600, 61200), // T09 30000
      reopenRate: 0.25, // T12
      oneTouchRate: 0.5, // T11 T12
      firstContactResolutionRate: 0.25, // T11
      escalationRate: 0,
      sla: {
        firstResponse: sla(1, 1), // T13 met by its solve without reply; T12 missed at 04:00
        resolution: sla(0, 1), // T10 missed at 30T12:00 (T03's deadline 30T23:00 is after the range)
      },
      csat: { score: 0, average: 1, responses: 1 }, // F9 1 (no ticket, Ada)
      nps: { score: -50, promoters: 0, passives: 1, detractors: 1, responses: 2 }, // F5 6, F6 8
      ces: { average: 3.5, responses: 2 }, // F7 2, F8 5
    },
  },
];

// The whole of R: the union of the three days; percentiles over all rows.
const R_TOTALS = {
  ticketsCreated: 11,
  ticketsSolved: 9,
  backlog: 5, // at the end of R
  // 120 300 600 900 1200 3600 3600 7200: median (900+1200)/2, p90 = 3600 + 0.3*3600
  firstResponseTime: d(8, 2190, 1050, 4680, 120, 7200),
  firstResponseBusinessTime: d(8, 1965, 1050, 4680, 120, 7200),
  // 1860 3600 3600 7200 14400 37800 61200 86400 262800: p90 = 86400 + 0.2*176400
  resolutionTime: d(9, 478860 / 9, 14400, 121680, 1860, 262800),
  // 1860 3600 3600 7200 14400 20000 30000 61200 100000: p90 = 61200 + 0.2*38800
  resolutionBusinessTime: d(9, 241860 / 9, 14400, 68960, 1860, 100000),
  reopenRate: 2 / 9,
  oneTouchRate: 5 / 9,
  firstContactResolutionRate: 3 / 9,
  escalationRate: 2 / 11,
  sla: { firstResponse: sla(3, 4), resolution: sla(2, 4) },
  csat: { score: 50, average: 3.25, responses: 4 },
  nps: { score: 0, promoters: 1, passives: 1, detractors: 1, responses: 3 },
  ces: { average: 3.5, responses: 2 },
};

const SERIES = /* GraphQL */ `
  query ($range: DateTimeRange!, $g: Granularity!, $tz: TimeZone, $ws: Weekday, $filter: TicketFilter) {
    timeSeries(range: $range, granularity: $g, timeZone: $tz, weekStart: $ws, filter: $filter, exact: true) { label start end metrics { ...All } }
  }
  ${ALL}
`;
const series = async (range: { from: string; to: string }, g: string, tz = 'UTC', ws = 'MONDAY') =>
  (await ok(SERIES, { range, g, tz, ws })).timeSeries as { label: string; start: string; end: string; metrics: any }[];
const column = (buckets: { metrics: any }[], pick: (m: any) => unknown) => buckets.map((b) => pick(b.metrics));

describe('Query.metrics', () => {
  it('computes every metric over a range, each by its own event time', async () => {
    const data = await ok(`query ($range: DateTimeRange!) { metrics(range: $range, exact: true) { ...All } } ${ALL}`, { range: R });
    expectMetrics(data.metrics, R_TOTALS);
  });

  it('applies the filter to tickets and to their feedback; feedback without a ticket follows its agent', async () => {
    const q = `query ($range: DateTimeRange!, $filter: TicketFilter) { metrics(range: $range, filter: $filter) {
      ticketsCreated csat { score responses } nps { score responses } ces { average responses } } }`;
    // Alpha: T04 T05 T08 T09 T11 T14; CSAT F1 5, F2 3, F9 1 (Ada, no ticket); NPS F4 10, F5 6; CES F7 2, F8 5 (Bo)
    expectMetrics((await ok(q, { range: R, filter: { teamIds: [id('Team', 1)] } })).metrics, {
      ticketsCreated: 6,
      csat: { score: 100 / 3, responses: 3 },
      nps: { score: 0, responses: 2 },
      ces: { average: 3.5, responses: 2 },
    });
    // EMAIL: T04 T06 T09 T11 T14; feedback without a ticket has no channel, so it is left out.
    expectMetrics((await ok(q, { range: R, filter: { channels: ['EMAIL'] } })).metrics, {
      ticketsCreated: 5,
      csat: { score: 50, responses: 2 }, // F2 3, F3 4
      nps: { score: -100, responses: 1 }, // F5 6 (T11)
      ces: { average: 2, responses: 1 }, // F7 (T09)
    });
    // Customer 1: T04 T06 T08 T10 T14; CSAT F2 3, F3 4 and F9 1 (no ticket, its own customer)
    expectMetrics((await ok(q, { range: R, filter: { customerIds: [id('Customer', 1)] } })).metrics, {
      ticketsCreated: 5,
      csat: { score: 100 / 3, responses: 3 },
    });
    // Ada: T04 T08 T11 T14; CSAT F2 3 and F9 1 (named agent)
    expectMetrics((await ok(q, { range: R, filter: { agentIds: [id('Agent', 1)] } })).metrics, {
      ticketsCreated: 4,
      csat: { score: 0, responses: 2 },
      nps: { score: 0, responses: 2 }, // F4 10, F5 6
    });
  });

  it('applies the viewer scope to every source (engine level)', async () => {
    // Beta only: T06 T07 T10 T12; CSAT F3 4; NPS F6 8 (Cy, no ticket).
    const values = await computeTotals(db, {
      range: { from: new Date(R.from), to: new Date(R.to) },
      scope: { teamIds: [2] },
      measures: ['ticketsCreated', 'backlog', 'csat.score', 'nps.passives', 'sla.firstResponse.breached'],
    });
    expectMetrics(values, {
      ticketsCreated: 4,
      backlog: 3, // T03 T07 T10
      csat: { score: 100 },
      nps: { passives: 1 },
      sla: { firstResponse: { breached: 3 } }, // T06 T07 T12
    });
  });

  it('returns zeros and nulls for a range without tickets', async () => {
    const data = await ok(`query ($range: DateTimeRange!) { metrics(range: $range, exact: true) { ...All } } ${ALL}`, {
      range: { from: '2025-01-01T00:00:00Z', to: '2025-02-01T00:00:00Z' },
    });
    expectMetrics(data.metrics, {
      ticketsCreated: 0,
      ticketsSolved: 0,
      backlog: 0,
      firstResponseTime: d(0, null, null, null, null, null),
      reopenRate: null,
      escalationRate: null,
      sla: { firstResponse: sla(0, 0), resolution: sla(0, 0) },
      csat: { score: null, average: null, responses: 0 },
      nps: { score: null, promoters: 0, responses: 0 },
      ces: { average: null, responses: 0 },
    });
  });
});

describe('Query.timeSeries', () => {
  it('checks every metric per Berlin day across the March DST change (23-hour day)', async () => {
    const buckets = await series(R, 'DAY', 'Europe/Berlin');
    expect(buckets.map((b) => [b.label, b.start, b.end])).toEqual(BERLIN_DAYS.map((b) => [b.label, b.start, b.end]));
    buckets.forEach((bucket, i) => expectMetrics(bucket.metrics, BERLIN_DAYS[i].metrics, bucket.label));
  });

  it('buckets the same range by UTC days, clipping the first and last', async () => {
    const buckets = await series(R, 'DAY', 'UTC');
    expect(buckets.map((b) => [b.label, b.start, b.end])).toEqual([
      ['2026-03-27', '2026-03-27T23:00:00.000Z', '2026-03-28T00:00:00.000Z'],
      ['2026-03-28', '2026-03-28T00:00:00.000Z', '2026-03-29T00:00:00.000Z'],
      ['2026-03-29', '2026-03-29T00:00:00.000Z', '2026-03-30T00:00:00.000Z'],
      ['2026-03-30', '2026-03-30T00:00:00.000Z', '2026-03-30T22:00:00.000Z'],
    ]);
    expect(column(buckets, (m) => m.ticketsCreated)).toEqual([1, 3, 4, 3]); // T04 | T05-T07 | T08-T11 | T12-T14
    expect(column(buckets, (m) => m.ticketsSolved)).toEqual([0, 3, 3, 3]); // - | T02 T04 T05 | T06 T08 T11 | T09 T12 T13
    expect(column(buckets, (m) => m.backlog)).toEqual([4, 4, 5, 5]); // T01-T04 | T01 T03 T06 T07 | T01 T03 T07 T09 T10 | ...
    expect(column(buckets, (m) => m.firstResponseTime.median)).toEqual([600, 2400, 600, 7200]); // [600] [1200,3600] [120,300,900,3600] [7200]
    // The first bucket has a ticket but no survey: CSAT is null, not 0.
    expect(column(buckets, (m) => m.csat.score)).toEqual([null, 50, 100, 0]);
    expect(column(buckets, (m) => m.csat.responses)).toEqual([0, 2, 1, 1]);
    // Missed first responses by deadline: T05 08:10Z, T06 23:00Z | T07 29T03:00Z | T12 30T04:00Z
    expect(column(buckets, (m) => m.sla.firstResponse.breached)).toEqual([0, 2, 1, 1]);
  });

  it('buckets by New York days (UTC-4)', async () => {
    const buckets = await series(R, 'DAY', 'America/New_York');
    expect(buckets.map((b) => [b.label, b.start, b.end])).toEqual([
      ['2026-03-27', '2026-03-27T23:00:00.000Z', '2026-03-28T04:00:00.000Z'],
      ['2026-03-28', '2026-03-28T04:00:00.000Z', '2026-03-29T04:00:00.000Z'],
      ['2026-03-29', '2026-03-29T04:00:00.000Z', '2026-03-30T04:00:00.000Z'],
      ['2026-03-30', '2026-03-30T04:00:00.000Z', '2026-03-30T22:00:00.000Z'],
    ]);
    expect(column(buckets, (m) => m.ticketsCreated)).toEqual([1, 4, 4, 2]); // T04 | T05-T08 | T09-T12 | T13 T14
    expect(column(buckets, (m) => m.ticketsSolved)).toEqual([1, 3, 2, 3]); // T04 | T02 T05 T08 | T06 T11 | T09 T12 T13
    expect(column(buckets, (m) => m.backlog)).toEqual([3, 4, 6, 5]); // at 28T04Z: T01-T03; 29T04Z: T01 T03 T06 T07; 30T04Z: + T09 T10 T12 - T06
    expect(column(buckets, (m) => m.firstResponseTime.median)).toEqual([600, 1200, 900, 7200]); // [600] [120,1200,3600] [300,900,3600] [7200]
    expect(column(buckets, (m) => m.csat.score)).toEqual([null, 50, 100, 0]);
  });

  it('checks Berlin days across the October DST change (25-hour day)', async () => {
    const buckets = await series(OCT, 'DAY', 'Europe/Berlin');
    expect(buckets.map((b) => [b.label, b.start, b.end])).toEqual([
      ['2026-10-24', '2026-10-23T22:00:00.000Z', '2026-10-24T22:00:00.000Z'],
      ['2026-10-25', '2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z'],
      ['2026-10-26', '2026-10-25T23:00:00.000Z', '2026-10-26T23:00:00.000Z'],
    ]);
    expect(column(buckets, (m) => m.ticketsCreated)).toEqual([1, 2, 2]); // T16 | T17 T18 (22:59Z = 23:59 CET) | T19 T20
    expect(column(buckets, (m) => m.ticketsSolved)).toEqual([0, 2, 3]); // - | T16 T17 | T19 T20 T21
    // Still open from March: T01 T07 T10 T14; plus T21 T16 | T21 T18 | T18
    expect(column(buckets, (m) => m.backlog)).toEqual([6, 6, 5]);
    expect(column(buckets, (m) => m.firstResponseTime.count)).toEqual([0, 2, 2]);
    expect(column(buckets, (m) => m.firstResponseTime.median)).toEqual([null, 3600, 2100]); // T16 T17 | T19 3600, T20 600
    expect(column(buckets, (m) => m.resolutionTime.median)).toEqual([null, 45000, 10800]); // 10800 79200 | 1800 10800 424800
    expect(column(buckets, (m) => m.csat.score)).toEqual([null, 100, 0]); // a day with tickets and no survey: null
  });

  it('labels local hours around both DST changes', async () => {
    const spring = await series({ from: '2026-03-29T00:00:00Z', to: '2026-03-29T02:00:00Z' }, 'HOUR', 'Europe/Berlin');
    expect(spring.map((b) => b.label)).toEqual(['2026-03-29T01', '2026-03-29T03']); // 02:00-03:00 does not exist
    expect(column(spring, (m) => m.ticketsCreated)).toEqual([1, 0]); // T08 00:59Z
    expect(column(spring, (m) => m.firstResponseTime.count)).toEqual([0, 1]); // T08 01:01Z
    const fall = await series({ from: '2026-10-25T00:00:00Z', to: '2026-10-25T02:00:00Z' }, 'HOUR', 'Europe/Berlin');
    expect(fall.map((b) => b.label)).toEqual(['2026-10-25T02', '2026-10-25T02']); // 02:00 CEST, then 02:00 CET
    expect(column(fall, (m) => m.ticketsCreated)).toEqual([1, 0]); // T17 00:30Z
    expect(column(fall, (m) => m.firstResponseTime.count)).toEqual([0, 1]); // T17 01:30Z
    expect(column(fall, (m) => m.ticketsSolved)).toEqual([1, 0]); // T16 00:30Z
  });

  it('starts weeks on Monday or on Sunday', async () => {
    const range = { from: '2026-03-16T00:00:00Z', to: '2026-04-06T00:00:00Z' };
    const monday = await series(range, 'WEEK', 'UTC', 'MONDAY');
    expect(monday.map((b) => b.label)).toEqual(['2026-W12', '2026-W13', '2026-W14']);
    expect(column(monday, (m) => m.ticketsCreated)).toEqual([1, 10, 4]); // T01 | T02-T11 | T12-T15
    expect(column(monday, (m) => m.ticketsSolved)).toEqual([0, 6, 5]); // - | T02 T04 T05 T06 T08 T11 | T03 T09 T12 T13 T15
    expect(column(monday, (m) => m.backlog)).toEqual([1, 5, 4]); // T01 | T01 T03 T07 T09 T10 | T01 T07 T10 T14
    const sunday = await series(range, 'WEEK', 'UTC', 'SUNDAY');
    expect(sunday.map((b) => [b.label, b.start])).toEqual([
      ['2026-W12', '2026-03-16T00:00:00.000Z'], // clipped: the week began Sunday 15th
      ['2026-W13', '2026-03-22T00:00:00.000Z'],
      ['2026-W14', '2026-03-29T00:00:00.000Z'], // Sun 29th..Sat 4th: most days in ISO W14
      ['2026-W15', '2026-04-05T00:00:00.000Z'],
    ]);
    expect(column(sunday, (m) => m.ticketsCreated)).toEqual([1, 6, 8, 0]); // T01 | T02-T07 | T08-T15 | -
    expect(column(sunday, (m) => m.ticketsSolved)).toEqual([0, 3, 8, 0]);
    expect(column(sunday, (m) => m.backlog)).toEqual([1, 4, 4, 4]);
    // CSAT: - | F10 5, F1 5, F2 3 -> 2 of 3 | F3 4, F9 1 -> 1 of 2 | -
    expect(column(sunday, (m) => m.csat.score)).toEqual([null, expect.closeTo(200 / 3, 6), 50, null]);
  });

  it('uses calendar months, quarters and years', async () => {
    const year = { from: '2025-12-31T23:00:00Z', to: '2026-12-31T23:00:00Z' }; // 2026 in Berlin
    const months = await series(year, 'MONTH', 'Europe/Berlin');
    expect(months.map((b) => b.label)).toEqual(['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12'].map((m) => `2026-${m}`));
    // T15 (30T22:00Z) is 31 March 00:00 in Berlin; October: T16-T21.
    expect(column(months, (m) => m.ticketsCreated)).toEqual([0, 0, 15, 0, 0, 0, 0, 0, 0, 6, 0, 0]);
    // Open at month ends: T01 T07 T10 T14 from March, T18 from October.
    expect(column(months, (m) => m.backlog)).toEqual([0, 0, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5]);
    const quarters = await series(year, 'QUARTER', 'Europe/Berlin');
    expect(quarters.map((b) => [b.label, b.metrics.ticketsCreated])).toEqual([['2026-Q1', 15], ['2026-Q2', 0], ['2026-Q3', 0], ['2026-Q4', 6]]);
    const years = await series(year, 'YEAR', 'Europe/Berlin');
    expect(years.map((b) => [b.label, b.metrics.ticketsCreated, b.metrics.csat.responses])).toEqual([['2026', 21, 7]]);
  });

  it('zero-fills a range with no tickets', async () => {
    const buckets = await series({ from: '2025-01-01T00:00:00Z', to: '2025-01-04T00:00:00Z' }, 'DAY');
    expect(buckets.map((b) => b.label)).toEqual(['2025-01-01', '2025-01-02', '2025-01-03']);
    for (const b of buckets) {
      expectMetrics(b.metrics, {
        ticketsCreated: 0,
        backlog: 0,
        resolutionTime: d(0, null, null, null, null, null),
        oneTouchRate: null,
        csat: { score: null, responses: 0 },
      });
    }
  });
});

const BREAKDOWN = /* GraphQL */ `
  query ($by: [Dimension!]!, $range: DateTimeRange!, $g: Granularity, $tz: TimeZone, $order: MetricOrder, $limit: Int) {
    breakdown(by: $by, range: $range, granularity: $g, timeZone: $tz, orderBy: $order, limit: $limit) {
      key { channel priority status customerTier tag team { name } agent { name } category { name } }
      metrics { ticketsCreated ticketsSolved csat { score responses } }
      buckets { label metrics { ticketsCreated } }
    }
  }
`;
type Group = { key: Record<string, any>; metrics: any; buckets: { label: string; metrics: any }[] | null };
const breakdown = async (vars: Record<string, unknown>) => (await ok(BREAKDOWN, { range: R, ...vars })).breakdown as Group[];

describe('Query.breakdown', () => {
  it('groups by team, ordered by a metric, with a null group for tickets without a team', async () => {
    const groups = await breakdown({ by: ['TEAM'], order: { metric: 'TICKETS_CREATED', direction: 'DESC' } });
    expect(groups.map((g) => [g.key.team?.name ?? null, g.metrics.ticketsCreated, g.metrics.csat.score, g.metrics.csat.responses])).toEqual([
      ['Alpha', 6, expect.closeTo(100 / 3, 6), 3], // T04 T05 T08 T09 T11 T14; F1 5, F2 3, F9 1 (Ada)
      ['Beta', 4, 100, 1], // T06 T07 T10 T12; F3 4
      [null, 1, null, 0], // T13
    ]);
    expect(groups[0].key.channel).toBeNull(); // only the requested dimension is set
    expect(groups[0].buckets).toBeNull(); // no granularity
    const byCsat = await breakdown({ by: ['TEAM'], order: { metric: 'CSAT_SCORE', direction: 'DESC' } });
    expect(byCsat.map((g) => g.key.team?.name ?? null)).toEqual(['Beta', 'Alpha', null]); // null score last
    const asc = await breakdown({ by: ['TEAM'], order: { metric: 'CSAT_SCORE', direction: 'ASC' }, limit: 1 });
    expect(asc.map((g) => g.key.team?.name)).toEqual(['Alpha']);
  });

  it('breaks a ticket into each of its tags; no tags is the null group', async () => {
    const groups = await breakdown({ by: ['TAG'] });
    expect(groups.map((g) => [g.key.tag, g.metrics.ticketsCreated, g.metrics.ticketsSolved])).toEqual([
      ['billing', 3, 4], // created T04 T09 T11; solved T02 T04 T09 T11
      ['login', 2, 2], // T05 T08
      ['vip', 3, 2], // created T05 T07 T12; solved T05 T12
      [null, 4, 2], // created T06 T10 T13 T14; solved T06 T13
    ]);
  });

  it('groups by two dimensions per Berlin day, keeping the top groups', async () => {
    const groups = await breakdown({
      by: ['TEAM', 'CHANNEL'],
      g: 'DAY',
      tz: 'Europe/Berlin',
      order: { metric: 'TICKETS_CREATED', direction: 'DESC' },
      limit: 2,
    });
    expect(
      groups.map((g) => [g.key.team.name, g.key.channel, g.metrics.ticketsCreated, g.buckets?.map((b) => [b.label, b.metrics.ticketsCreated])]),
    ).toEqual([
      ['Alpha', 'EMAIL', 4, [['2026-03-28', 1], ['2026-03-29', 1], ['2026-03-30', 2]]], // T04 | T09 | T11 T14
      ['Alpha', 'CHAT', 2, [['2026-03-28', 1], ['2026-03-29', 1], ['2026-03-30', 0]]], // T05 | T08 | -
    ]);
  });

  it('groups by customer tier (enum order), agent, category and status', async () => {
    const tiers = await breakdown({ by: ['CUSTOMER_TIER'] });
    expect(tiers.map((g) => [g.key.customerTier, g.metrics.ticketsCreated])).toEqual([
      ['FREE', 5], // T05 T07 T09 T11 T12
      ['ENTERPRISE', 5], // T04 T06 T08 T10 T14
      [null, 1], // T13 has no customer
    ]);
    const agents = await breakdown({ by: ['AGENT'], order: { metric: 'TICKETS_SOLVED', direction: 'DESC' } });
    expect(agents.map((g) => [g.key.agent?.name ?? null, g.metrics.ticketsSolved])).toEqual([
      ['Ada', 3], // T04 T08 T11
      ['Bo', 3], // T02 T05 T09
      ['Cy', 2], // T06 T12
      [null, 1], // T13
    ]);
    const categories = await breakdown({ by: ['CATEGORY'] });
    expect(categories.map((g) => [g.key.category?.name ?? null, g.metrics.ticketsCreated, g.metrics.csat.responses])).toEqual([
      ['Billing', 5, 2], // T04 T06 T09 T11 T14; F2 F3
      ['Login', 4, 1], // T05 T08 T10 T12; F1
      [null, 2, 1], // T07 T13; F9 names no ticket, so no category
    ]);
    const statuses = await breakdown({ by: ['STATUS'] });
    expect(statuses.map((g) => [g.key.status, g.metrics.ticketsCreated])).toEqual([
      ['OPEN', 3], // T07 T10 T14
      ['SOLVED', 8], // T04-T06 T08 T09 T11-T13
      [null, 0], // feedback without a ticket (F6 F8 F9) has no status
    ]);
  });
});

describe('per-entity metrics', () => {
  it('computes metrics for a page of agents, teams and categories', async () => {
    const data = await ok(
      `query ($range: DateTimeRange!) {
        agents(first: 10) { nodes { name metrics(range: $range, exact: true) { ticketsSolved firstResponseTime { median } csat { score } } } }
        teams { name metrics(range: $range) { ticketsCreated csat { score } } }
        categories { name metrics(range: $range) { ticketsCreated csat { score } } }
      }`,
      { range: R },
    );
    expect(data.agents.nodes).toEqual([
      { name: 'Ada', metrics: { ticketsSolved: 3, firstResponseTime: { median: 300 }, csat: { score: 0 } } }, // 600 120 300; F2 3, F9 1
      { name: 'Bo', metrics: { ticketsSolved: 3, firstResponseTime: { median: 1050 }, csat: { score: 100 } } }, // 1200 900; F1 5
      { name: 'Cy', metrics: { ticketsSolved: 2, firstResponseTime: { median: 3600 }, csat: { score: 100 } } }, // 3600 3600 7200; F3 4
    ]);
    expectMetrics(data.teams, [
      { name: 'Alpha', metrics: { ticketsCreated: 6, csat: { score: 100 / 3 } } },
      { name: 'Beta', metrics: { ticketsCreated: 4, csat: { score: 100 } } },
    ]);
    expect(data.categories).toEqual([
      { name: 'Billing', metrics: { ticketsCreated: 5, csat: { score: 50 } } },
      { name: 'Login', metrics: { ticketsCreated: 4, csat: { score: 100 } } },
    ]);
  });
});

describe('errors', () => {
  it('refuses an empty or reversed range', async () => {
    const empty = await fails(`{ metrics(range: { from: "2026-03-01T00:00:00Z", to: "2026-03-01T00:00:00Z" }) { ticketsCreated } }`);
    expect(empty.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(empty.errors?.[0].message).toMatch(/must be before/);
    const reversed = await fails(`{ timeSeries(range: { from: "2026-03-02T00:00:00Z", to: "2026-03-01T00:00:00Z" }, granularity: DAY) { label } }`);
    expect(reversed.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('refuses too many buckets, saying how many were asked', async () => {
    const r = await fails(`{ timeSeries(range: { from: "2025-01-01T00:00:00Z", to: "2026-02-05T00:00:00Z" }, granularity: HOUR) { label } }`);
    expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0].message).toContain('granularity HOUR over 400 days gives 9600 buckets; the limit is 2000');
  });

  it('refuses an unknown time zone', async () => {
    const r = await fails(`query ($tz: TimeZone!) { timeSeries(range: { from: "2026-03-01T00:00:00Z", to: "2026-03-02T00:00:00Z" }, granularity: DAY, timeZone: $tz) { label } }`, {
      tz: 'Mars/Olympus_Mons',
    });
    expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('refuses bad dimensions and limits', async () => {
    const q = `query ($by: [Dimension!]!, $limit: Int) { breakdown(by: $by, range: { from: "2026-03-01T00:00:00Z", to: "2026-04-01T00:00:00Z" }, limit: $limit) {
      key { tag } metrics { ticketsCreated } } }`;
    for (const [by, message] of [
      [[], 'by needs at least one dimension'],
      [['TEAM', 'TAG', 'CHANNEL'], 'by has 3 dimensions; a breakdown takes at most 2'],
      [['TAG', 'CHANNEL', 'TAG'], 'by has 3 dimensions'],
      [['TAG', 'TAG'], 'by names TAG twice'],
    ] as const) {
      const r = await fails(q, { by, limit: 10 });
      expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(r.errors?.[0].message).toContain(message);
    }
    const r = await fails(q, { by: ['TEAM'], limit: 0 });
    expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('refuses a filter id of the wrong type or an unknown entity', async () => {
    const q = `query ($filter: TicketFilter) { metrics(range: { from: "2026-03-01T00:00:00Z", to: "2026-04-01T00:00:00Z" }, filter: $filter) { ticketsCreated } }`;
    const wrongType = await fails(q, { filter: { teamIds: [id('Agent', 1)] } });
    expect(wrongType.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(wrongType.errors?.[0].message).toMatch(/expected a Team id/);
    const unknown = await fails(q, { filter: { teamIds: [id('Team', 99)] } });
    expect(unknown.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('SQL statements per query shape', () => {
  const count = async (document: string, variables: Record<string, unknown>) => {
    const before = db.statementCount();
    await ok(document, variables);
    return db.statementCount() - before;
  };

  it('runs one statement for metrics, timeSeries or breakdown, whatever the selection', async () => {
    // Every leaf of the registry at once: still one statement.
    const every = (nodes: readonly MetricNode[]): string =>
      nodes.map((n) => (n.kind === 'leaf' ? n.name : `${n.name} { ${every(n.children)} }`)).join(' ');
    expect(MEASURES.length).toBeGreaterThan(47);
    expect(await count(`query ($range: DateTimeRange!) { metrics(range: $range) { ${every(METRICS)} } }`, { range: R })).toBe(1);
    expect(await count(`query ($range: DateTimeRange!) { metrics(range: $range) { ...All } } ${ALL}`, { range: R })).toBe(1);
    expect(await count(SERIES, { range: R, g: 'DAY', tz: 'Europe/Berlin' })).toBe(1);
    const plain = `query ($range: DateTimeRange!) { breakdown(by: [TAG, CHANNEL], range: $range, granularity: DAY, orderBy: { metric: CSAT_SCORE }, limit: 50) {
      key { tag channel } metrics { ...All } buckets { metrics { ...All } } } } ${ALL}`;
    expect(await count(plain, { range: R })).toBe(1);
    // Entity keys are loaded in one more statement for all groups.
    expect(await count(BREAKDOWN, { by: ['TEAM', 'AGENT'], range: R })).toBe(1 + 2);
    // A filter naming ids checks they exist: one statement per id list.
    expect(
      await count(`query ($range: DateTimeRange!, $f: TicketFilter) { metrics(range: $range, filter: $f) { ticketsCreated csat { score } } }`, {
        range: R,
        f: { teamIds: [id('Team', 1)], agentIds: [id('Agent', 1)] },
      }),
    ).toBe(1 + 2);
  });

  it('computes metrics for a page of 100 agents in one grouped statement', async () => {
    await db.prisma.team.create({ data: { id: 3, externalId: 'gamma', name: 'Gamma' } });
    await db.prisma.agent.createMany({
      data: Array.from({ length: 97 }, (_, i) => ({ id: 10 + i, externalId: `g${i}`, name: `Zed ${String(i).padStart(2, '0')}`, teamId: 3 })),
    });
    const page = (withMetrics: boolean) => `query ($range: DateTimeRange!) { agents(first: 100) { nodes { name ${
      withMetrics ? 'metrics(range: $range) { ticketsSolved firstResponseTime { median } csat { score } }' : 'n: name @skip(if: false)'
    } } } }`;
    const without = await count(page(false).replace('($range: DateTimeRange!) ', ''), {});
    const withMetrics = await count(page(true), { range: R });
    expect(withMetrics - without).toBe(1);
    const data = await ok(page(true), { range: R });
    expect(data.agents.nodes).toHaveLength(100);
    expect(data.agents.nodes[99].metrics).toEqual({ ticketsSolved: 0, firstResponseTime: { median: null }, csat: { score: null } });
  });
});
