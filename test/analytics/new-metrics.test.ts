import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recomputeUncomputedTickets } from '../../src/sla/recompute.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { gqlClient, type GqlClient } from '../helpers/graphql.ts';
import { R, seedNewMetricsFixture, TZ } from './new-metrics-fixture.ts';

// The hand-built history (R1-R5, Berlin days D1-D3) is described in ./new-metrics-fixture.ts.

let db: TestDatabase;
let client: GqlClient;
let ada = 0;
let bo = 0;

async function ok(document: string, variables?: Record<string, unknown>): Promise<any> {
  const result = await client.query(document, variables);
  expect(result.errors).toBeUndefined();
  return result.data;
}

beforeAll(async () => {
  db = await openTestDatabase();
  client = gqlClient(db);
  ({ ada, bo } = await seedNewMetricsFixture(db, client));
});

afterAll(async () => {
  await db?.destroy();
});

const D = 'count avg median p90 max';
const SELECTION = /* GraphQL */ `
  ticketsCreated ticketsSolved backlog replies repliesPerSolvedTicket
  reopenedTickets oneTouchTickets firstContactResolvedTickets escalatedTickets
  firstResolutionTime { ${D} } requesterWaitTime { ${D} } onHoldTime { ${D} }
  nextReplyTime { ${D} } firstReplyAfterReopenTime { ${D} } backlogAge { ${D} }
  backlogAging { underOneDay oneToThreeDays threeToSevenDays overSevenDays } unassignedBacklog
  sla { notComputed
    firstResponse { achieved breached pending atRisk overrun { count max } }
    resolution { achieved breached pending atRisk overrun { count max } } }
  surveys { sent responded responseRate }
`;

const dur = (count: number, avg: number | null, median: number | null, p90: number | null, max: number | null) => ({ count, avg, median, p90, max });
const NONE = dur(0, null, null, null, null);
const slaT = (achieved: number, breached: number, pending: number, atRisk: number, overrun: { count: number; max: number | null }) => ({
  achieved, breached, pending, atRisk, overrun,
});
const NO_OVERRUN = { count: 0, max: null };

// Expected per Berlin day, by hand from the tickets above.
const DAYS = [
  {
    label: '2026-03-28',
    metrics: {
      ticketsCreated: 2, ticketsSolved: 0, backlog: 3, replies: 3, repliesPerSolvedTicket: null, // R1 08:30 10:20, R4 20:10
      reopenedTickets: 0, oneTouchTickets: 0, firstContactResolvedTickets: 0, escalatedTickets: 1, // R4
      firstResolutionTime: dur(1, 12600, 12600, 12600, 12600), // R1's first solve 11:30
      requesterWaitTime: NONE, onHoldTime: NONE,
      nextReplyTime: dur(1, 1200, 1200, 1200, 1200), // customer 10:00 → ada 10:20
      firstReplyAfterReopenTime: NONE,
      // at 28T23:00Z: R4 3 h, R1 15 h, R3 3 d 13 h; p90 = 54000 + 0.8 × 252000
      backlogAge: dur(3, 123600, 54000, 255600, 306000),
      backlogAging: { underOneDay: 2, oneToThreeDays: 0, threeToSevenDays: 1, overSevenDays: 0 },
      unassignedBacklog: 1, // R3
      sla: {
        notComputed: 0,
        firstResponse: slaT(1, 0, 0, 0, NO_OVERRUN), // R1 met at 08:30
        resolution: slaT(0, 0, 1, 0, NO_OVERRUN), // R1's resolution (due 29T08:00) still open at the end
      },
      surveys: { sent: 0, responded: 0, responseRate: null },
    },
  },
  {
    label: '2026-03-29',
    metrics: {
      ticketsCreated: 1, ticketsSolved: 2, backlog: 2, replies: 2, repliesPerSolvedTicket: 2, // (3 + 1) / 2
      reopenedTickets: 1, oneTouchTickets: 1, firstContactResolvedTickets: 1, escalatedTickets: 0,
      firstResolutionTime: dur(1, 5400, 5400, 5400, 5400), // R2
      requesterWaitTime: dur(2, 14400, 14400, 21600, 23400), // 23400, 5400; p90 = 5400 + 0.9 × 18000
      onHoldTime: dur(2, 2700, 2700, 4860, 5400), // 5400, 0
      nextReplyTime: dur(1, 3600, 3600, 3600, 3600), // customer 29T09:00 → ada 10:00
      firstReplyAfterReopenTime: dur(1, 3600, 3600, 3600, 3600),
      // at 29T22:00Z: R4 26 h, R3 4 d 12 h; p90 = 93600 + 0.9 × 295200
      backlogAge: dur(2, 241200, 241200, 359280, 388800),
      backlogAging: { underOneDay: 0, oneToThreeDays: 1, threeToSevenDays: 1, overSevenDays: 0 },
      unassignedBacklog: 1,
      sla: {
        notComputed: 0,
        firstResponse: slaT(1, 0, 0, 0, NO_OVERRUN), // R2 met at its deadline 01:30
        resolution: slaT(1, 1, 0, 0, { count: 1, max: 14400 }), // R2 met; R1 missed at 08:00, solved 12:00
      },
      surveys: { sent: 2, responded: 1, responseRate: 0.5 }, // R2 answered, R1 not
    },
  },
  {
    label: '2026-03-30',
    metrics: {
      ticketsCreated: 1, ticketsSolved: 0, backlog: 3, replies: 0, repliesPerSolvedTicket: null,
      reopenedTickets: 0, oneTouchTickets: 0, firstContactResolvedTickets: 0, escalatedTickets: 0,
      firstResolutionTime: NONE, requesterWaitTime: NONE, onHoldTime: NONE, nextReplyTime: NONE, firstReplyAfterReopenTime: NONE,
      // at 30T22:00Z: R5 40 min, R4 50 h, R3 5 d 12 h; p90 = 180000 + 0.8 × 295200
      backlogAge: dur(3, 219200, 180000, 416160, 475200),
      backlogAging: { underOneDay: 1, oneToThreeDays: 1, threeToSevenDays: 1, overSevenDays: 0 },
      unassignedBacklog: 2, // R3, R5
      sla: {
        notComputed: 0,
        firstResponse: slaT(0, 0, 1, 1, NO_OVERRUN), // R5 due 22:20, within the hour after 22:00
        resolution: slaT(0, 0, 1, 0, NO_OVERRUN), // R5 due 31T21:20
      },
      surveys: { sent: 0, responded: 0, responseRate: null },
    },
  },
];

/** Compares numbers to 6 decimals and everything else exactly. */
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

describe('new metrics on a hand-built history', () => {
  it('derives who solved and who first replied from the events, not from the current assignee', async () => {
    const rows = await db.driver.query<Record<string, unknown>>(
      `SELECT "externalId" AS id, "assigneeId", "solvedById", "firstResponderId", "requesterWaitSeconds", "onHoldSeconds",
              "firstSolvedAt", "reopenReplyAt", "agentReplies", "reopenCount"
         FROM "Ticket" ORDER BY "externalId"`,
    );
    expect(rows.map((r) => [r.id, r.assigneeId, r.solvedById, r.firstResponderId, r.requesterWaitSeconds, r.onHoldSeconds])).toEqual([
      ['R1', bo, ada, ada, 23400, 5400], // reassigned to bo after ada solved it
      ['R2', bo, bo, bo, 5400, 0],
      ['R3', null, null, null, null, null],
      ['R4', ada, null, ada, null, null], // unsolved: no solver, no waits yet
      ['R5', null, null, null, null, null],
    ]);
    expect(rows[0].firstSolvedAt).toEqual(new Date('2026-03-28T11:30:00Z'));
    expect(rows[0].reopenReplyAt).toEqual(new Date('2026-03-29T10:00:00Z'));
  });

  it('computes every new metric per Berlin day (DST day of 23 hours), totals equal to the range', async () => {
    const data = await ok(
      `query ($range: DateTimeRange!, $tz: TimeZone) {
        timeSeries(range: $range, granularity: DAY, timeZone: $tz) { label metrics { ${SELECTION} } }
        metrics(range: $range) { ${SELECTION} }
      }`,
      { range: R, tz: TZ },
    );
    expect(data.timeSeries.map((b: { label: string }) => b.label)).toEqual(DAYS.map((d) => d.label));
    DAYS.forEach((day, i) => expectMetrics(data.timeSeries[i].metrics, day.metrics, day.label));
    // Totals: flows over the whole range, states at its end (= the last day's).
    expectMetrics(data.metrics, {
      ticketsCreated: 4, ticketsSolved: 2, replies: 5, repliesPerSolvedTicket: 2,
      reopenedTickets: 1, oneTouchTickets: 1, firstContactResolvedTickets: 1, escalatedTickets: 1,
      firstResolutionTime: dur(2, 9000, 9000, 11880, 12600), // 5400, 12600
      requesterWaitTime: DAYS[1].metrics.requesterWaitTime,
      nextReplyTime: dur(2, 2400, 2400, 3360, 3600), // 1200, 3600
      backlog: 3, backlogAge: DAYS[2].metrics.backlogAge, backlogAging: DAYS[2].metrics.backlogAging, unassignedBacklog: 2,
      sla: { firstResponse: slaT(2, 0, 1, 1, NO_OVERRUN), resolution: slaT(1, 1, 1, 0, { count: 1, max: 14400 }) },
      surveys: { sent: 2, responded: 1, responseRate: 0.5 },
    });
  });

  it('attributes per-agent metrics to the solver and the reply authors; cards = series sums = breakdown sums', async () => {
    const data = await ok(
      `query ($range: DateTimeRange!, $tz: TimeZone) {
        breakdown(by: [AGENT], range: $range, timeZone: $tz, granularity: DAY) {
          key { agent { name } }
          metrics { ticketsSolved replies backlog firstResponseTime { count avg } nextReplyTime { count } reopenedTickets surveys { sent } }
          buckets { metrics { replies ticketsSolved } }
        }
        agents(first: 10) { nodes { name metrics(range: $range) { ticketsSolved replies firstResponseTime { count } } } }
      }`,
      { range: R, tz: TZ },
    );
    const byAgent = Object.fromEntries(data.breakdown.map((g: any) => [g.key.agent?.name ?? 'none', g.metrics]));
    expect(byAgent).toEqual({
      // ada solved R1 (now assigned to bo) and wrote 4 replies; R4 is her open ticket.
      Ada: { ticketsSolved: 1, replies: 4, backlog: 1, firstResponseTime: { count: 2, avg: 1200 }, nextReplyTime: { count: 2 }, reopenedTickets: 1, surveys: { sent: 0 } },
      // bo: R2; R1 entered and left bo's backlog (current assignee) in the range.
      Bo: { ticketsSolved: 1, replies: 1, backlog: 0, firstResponseTime: { count: 1, avg: 3600 }, nextReplyTime: { count: 0 }, reopenedTickets: 0, surveys: { sent: 2 } },
      none: { ticketsSolved: 0, replies: 0, backlog: 2, firstResponseTime: { count: 0, avg: null }, nextReplyTime: { count: 0 }, reopenedTickets: 0, surveys: { sent: 0 } },
    });
    const sum = (f: (m: any) => number) => data.breakdown.reduce((s: number, g: any) => s + f(g.metrics), 0);
    const bucketSum = (f: (m: any) => number) =>
      data.breakdown.reduce((s: number, g: any) => s + g.buckets.reduce((t: number, b: any) => t + f(b.metrics), 0), 0);
    expect([sum((m) => m.replies), bucketSum((m) => m.replies)]).toEqual([5, 5]);
    expect([sum((m) => m.ticketsSolved), bucketSum((m) => m.ticketsSolved)]).toEqual([2, 2]);
    expect([sum((m) => m.nextReplyTime.count), sum((m) => m.reopenedTickets), sum((m) => m.surveys.sent)]).toEqual([2, 1, 2]);
    const agents = Object.fromEntries(data.agents.nodes.map((n: any) => [n.name, n.metrics]));
    expect(agents).toEqual({
      Ada: { ticketsSolved: 1, replies: 4, firstResponseTime: { count: 2 } },
      Bo: { ticketsSolved: 1, replies: 1, firstResponseTime: { count: 1 } },
    });
    // The agentIds filter means the same agent: ada's solved, replies and backlog.
    const filtered = await ok(`query ($range: DateTimeRange!, $f: TicketFilter) { metrics(range: $range, filter: $f) { ticketsSolved replies backlog } }`, {
      range: R,
      f: { agentIds: [encodeGlobalID('Agent', ada)] },
    });
    expect(filtered.metrics).toEqual({ ticketsSolved: 1, replies: 4, backlog: 1 });
  });

  it('refuses state metrics with a cyclic dimension', async () => {
    const result = await client.query(`query ($range: DateTimeRange!) { breakdown(by: [WEEKDAY], range: $range) { metrics { backlogAge { median } } } }`, { range: R });
    expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('tells "not computed" from "no policy", counts it, and computes it at the next catch-up', async () => {
    await db.prisma.ticket.create({
      data: { externalId: 'RAW', channel: 'EMAIL', priority: 'NORMAL', status: 'OPEN', createdAt: new Date('2026-04-02T10:00:00Z') },
    });
    const April = { from: '2026-04-01T00:00:00Z', to: '2026-04-03T00:00:00Z' };
    const read = () =>
      ok(`query ($range: DateTimeRange!) {
        metrics(range: $range) { ticketsCreated sla { notComputed } }
        tickets(first: 10, orderBy: { field: CREATED_AT, direction: ASC }) { nodes { externalId slaState } }
      }`, { range: April });
    const before = await read();
    expect(before.metrics).toEqual({ ticketsCreated: 1, sla: { notComputed: 1 } });
    expect(before.tickets.nodes.map((n: any) => [n.externalId, n.slaState])).toEqual([
      ['R3', 'COVERED'], ['R1', 'COVERED'], ['R4', 'NO_POLICY'], ['R2', 'COVERED'], ['R5', 'COVERED'], ['RAW', 'NOT_COMPUTED'],
    ]);
    expect(await recomputeUncomputedTickets(db)).toBe(1);
    const after = await read();
    expect(after.metrics.sla.notComputed).toBe(0);
    expect(after.tickets.nodes.at(-1)).toEqual({ externalId: 'RAW', slaState: 'COVERED' });
  });
});
