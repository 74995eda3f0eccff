import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { gqlClient, type GqlClient } from '../helpers/graphql.ts';

// HOUR_OF_DAY and WEEKDAY read each metric's own event time in the query's zone.
// Berlin switches from CET (+1) to CEST (+2) at 2026-03-29T01:00Z. Local times by hand:
//   A created 2026-03-28T08:30Z = Sat 09:30 CET (6, 9);  solved 2026-03-30T07:10Z = Mon 09:10 CEST (1, 9)
//   B created 2026-03-30T07:45Z = Mon 09:45 CEST (1, 9);  first reply 08:05Z = Mon 10:05 (1, 10), 1200 s
//   C created 2026-03-29T00:30Z = Sun 01:30 CET (7, 1);   solved 01:30Z = Sun 03:30 CEST (7, 3)
//   D created 2026-03-29T22:30Z = Mon 00:30 CEST (1, 0)
//   CSAT response 2026-03-28T23:30Z = Sun 00:30 CET (7, 0)
// In UTC the same events fall in (6,8) (1,7) (1,7) (1,8) (7,0) (7,1) (7,22) and the CSAT in (6,23).
const R = { from: '2026-03-27T23:00:00Z', to: '2026-03-30T22:00:00Z' };

let db: TestDatabase;
let client: GqlClient;

beforeAll(async () => {
  db = await openTestDatabase();
  const p = db.prisma;
  const t = (externalId: string, createdAt: string, firstResponseAt: string | null, solvedAt: string | null) => ({
    externalId,
    channel: 'EMAIL' as const,
    status: solvedAt ? ('SOLVED' as const) : ('OPEN' as const),
    createdAt: new Date(createdAt),
    firstResponseAt: firstResponseAt ? new Date(firstResponseAt) : null,
    solvedAt: solvedAt ? new Date(solvedAt) : null,
  });
  await p.ticket.createMany({
    data: [
      t('A', '2026-03-28T08:30:00Z', null, '2026-03-30T07:10:00Z'),
      t('B', '2026-03-30T07:45:00Z', '2026-03-30T08:05:00Z', null),
      t('C', '2026-03-29T00:30:00Z', null, '2026-03-29T01:30:00Z'),
      t('D', '2026-03-29T22:30:00Z', null, null),
    ],
  });
  const a = await p.ticket.findUniqueOrThrow({ where: { externalId: 'A' } });
  await p.feedback.create({ data: { externalId: 'F1', kind: 'CSAT', score: 5, createdAt: new Date('2026-03-28T23:30:00Z'), ticketId: a.id } });
  client = gqlClient(db);
});

afterAll(async () => {
  await db?.destroy();
});

const HEATMAP = /* GraphQL */ `
  query ($by: [Dimension!]!, $tz: TimeZone, $range: DateTimeRange!, $order: MetricOrder, $limit: Int, $g: Granularity) {
    breakdown(by: $by, range: $range, timeZone: $tz, orderBy: $order, limit: $limit, granularity: $g) {
      key { weekday hourOfDay }
      metrics { ticketsCreated ticketsSolved firstResponseTime { count median } csat { responses } }
      buckets { label metrics { ticketsCreated } }
    }
    metrics(range: $range) { ticketsCreated ticketsSolved csat { responses } }
  }
`;
type Cell = { key: { weekday: number | null; hourOfDay: number | null }; metrics: any; buckets: any[] | null };

async function heatmap(vars: Record<string, unknown>) {
  const result = await client.query(HEATMAP, { range: R, ...vars });
  expect(result.errors).toBeUndefined();
  return result.data as { breakdown: Cell[]; metrics: any };
}

/** The non-empty cells as "weekday/hour" → [created, solved, csat responses]. */
function nonEmpty(cells: Cell[]) {
  const out: Record<string, number[]> = {};
  for (const c of cells) {
    const m = c.metrics;
    if (m.ticketsCreated + m.ticketsSolved + m.csat.responses > 0) {
      out[`${c.key.weekday}/${c.key.hourOfDay}`] = [m.ticketsCreated, m.ticketsSolved, m.csat.responses];
    }
  }
  return out;
}

describe('breakdown by WEEKDAY × HOUR_OF_DAY', () => {
  it('places each metric by its own event time in the query zone, across a DST change', async () => {
    const { breakdown, metrics } = await heatmap({ by: ['WEEKDAY', 'HOUR_OF_DAY'], tz: 'Europe/Berlin' });
    // Every cell of the 7 × 24 grid, ordered by weekday then hour.
    expect(breakdown).toHaveLength(168);
    expect(breakdown[0].key).toEqual({ weekday: 1, hourOfDay: 0 });
    expect(breakdown[167].key).toEqual({ weekday: 7, hourOfDay: 23 });
    expect(nonEmpty(breakdown)).toEqual({
      '1/0': [1, 0, 0], // D created Mon 00:30 CEST
      '1/9': [1, 1, 0], // B created Mon 09:45, A solved Mon 09:10
      '6/9': [1, 0, 0], // A created Sat 09:30 CET
      '7/0': [0, 0, 1], // the CSAT response Sun 00:30 CET
      '7/1': [1, 0, 0], // C created Sun 01:30 CET
      '7/3': [0, 1, 0], // C solved Sun 03:30 CEST
    });
    const fr = breakdown.find((c) => c.key.weekday === 1 && c.key.hourOfDay === 10)!;
    expect(fr.metrics.firstResponseTime).toEqual({ count: 1, median: 1200 }); // B: 08:05Z - 07:45Z
    // An empty cell reads like an empty bucket: counts 0, statistics null.
    expect(breakdown[5].metrics).toEqual({ ticketsCreated: 0, ticketsSolved: 0, firstResponseTime: { count: 0, median: null }, csat: { responses: 0 } });
    // Cards = breakdown sums.
    const sum = (f: (m: any) => number) => breakdown.reduce((s, c) => s + f(c.metrics), 0);
    expect([sum((m) => m.ticketsCreated), sum((m) => m.ticketsSolved), sum((m) => m.csat.responses)]).toEqual([4, 2, 1]);
    expect(metrics).toEqual({ ticketsCreated: 4, ticketsSolved: 2, csat: { responses: 1 } });
  });

  it('follows the zone: the same events in UTC land in other cells', async () => {
    const { breakdown } = await heatmap({ by: ['WEEKDAY', 'HOUR_OF_DAY'], tz: 'UTC' });
    expect(nonEmpty(breakdown)).toEqual({
      '1/7': [1, 1, 0], // B created 07:45Z, A solved 07:10Z
      '6/8': [1, 0, 0], // A created
      '6/23': [0, 0, 1], // CSAT
      '7/0': [1, 0, 0], // C created
      '7/1': [0, 1, 0], // C solved
      '7/22': [1, 0, 0], // D created
    });
  });

  it('takes one cyclic dimension alone, ordered and limited like any breakdown', async () => {
    const { breakdown } = await heatmap({
      by: ['HOUR_OF_DAY'],
      tz: 'Europe/Berlin',
      order: { metric: 'TICKETS_CREATED', direction: 'DESC' },
      limit: 3,
    });
    // Created by Berlin hour: 9 → 2 (A, B), 0 → 1 (D), 1 → 1 (C); ties go by key.
    expect(breakdown.map((c) => [c.key.hourOfDay, c.metrics.ticketsCreated])).toEqual([[9, 2], [0, 1], [1, 1]]);
    expect(breakdown[0].key.weekday).toBeNull();
    const days = await heatmap({ by: ['WEEKDAY'], tz: 'Europe/Berlin', g: 'DAY' });
    expect(days.breakdown).toHaveLength(7);
    // Monday (1): D and B created, both on Berlin 30 March (29 March 22:30Z is already the 30th there).
    expect(days.breakdown[0].buckets!.map((b) => [b.label, b.metrics.ticketsCreated])).toEqual([
      ['2026-03-28', 0],
      ['2026-03-29', 0],
      ['2026-03-30', 2],
    ]);
  });

  it('refuses backlog, a state with no hour, with a message saying what to change', async () => {
    const result = await client.query(
      `query ($range: DateTimeRange!) { breakdown(by: [HOUR_OF_DAY], range: $range) { metrics { backlog } } }`,
      { range: R },
    );
    expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0].message).toMatch(/backlog is a state .* HOUR_OF_DAY/);
  });
});
