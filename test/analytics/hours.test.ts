import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { gqlClient, type GqlClient } from '../helpers/graphql.ts';

// Local clock hours through the API in zones whose offsets are not whole hours.
// Lord Howe jumps from 02:00 (+10:30) to 02:30 (+11) at 2026-10-03T15:30Z.
//   L1 created 15:20Z = 01:50 +10:30 → hour 01;  L2 created 15:45Z = 02:45 +11 → hour 02
//   L3 created 16:05Z = 03:05 +11 → hour 03
// Kathmandu is +05:45, Kolkata +05:30: L1 15:20Z is 21:05 in Kathmandu, 20:50 in Kolkata;
// L2 15:45Z is 21:30 / 21:15; L3 16:05Z is 21:50 / 21:35.
const RANGE = { from: '2026-10-03T14:30:00Z', to: '2026-10-03T16:30:00Z' };

let db: TestDatabase;
let client: GqlClient;

beforeAll(async () => {
  db = await openTestDatabase();
  await db.prisma.ticket.createMany({
    data: [
      ['L1', '2026-10-03T15:20:00Z'],
      ['L2', '2026-10-03T15:45:00Z'],
      ['L3', '2026-10-03T16:05:00Z'],
    ].map(([externalId, createdAt]) => ({ externalId, channel: 'CHAT' as const, status: 'OPEN' as const, createdAt: new Date(createdAt) })),
  });
  client = gqlClient(db);
});

afterAll(async () => {
  await db?.destroy();
});

const SERIES = /* GraphQL */ `
  query ($range: DateTimeRange!, $tz: TimeZone) {
    timeSeries(range: $range, granularity: HOUR, timeZone: $tz) { label start end metrics { ticketsCreated } }
    breakdown(by: [HOUR_OF_DAY], range: $range, timeZone: $tz) { key { hourOfDay } metrics { ticketsCreated } }
  }
`;

async function run(tz: string) {
  const result = await client.query(SERIES, { range: RANGE, tz });
  expect(result.errors).toBeUndefined();
  const data = result.data as { timeSeries: any[]; breakdown: any[] };
  return {
    series: data.timeSeries.map((b) => [b.label, b.start, b.end, b.metrics.ticketsCreated]),
    hours: data.breakdown.filter((g) => g.metrics.ticketsCreated > 0).map((g) => [g.key.hourOfDay, g.metrics.ticketsCreated]),
  };
}

describe('HOUR buckets and HOUR_OF_DAY in zones with 30- and 45-minute offsets', () => {
  it('Lord Howe on 2026-10-04: hour 02 is the 30 minutes after the jump, each hour labelled once', async () => {
    const { series, hours } = await run('Australia/Lord_Howe');
    expect(series).toEqual([
      ['2026-10-04T01', '2026-10-03T14:30:00.000Z', '2026-10-03T15:30:00.000Z', 1], // L1
      ['2026-10-04T02', '2026-10-03T15:30:00.000Z', '2026-10-03T16:00:00.000Z', 1], // L2
      ['2026-10-04T03', '2026-10-03T16:00:00.000Z', '2026-10-03T16:30:00.000Z', 1], // L3
    ]);
    expect(hours).toEqual([[1, 1], [2, 1], [3, 1]]);
  });

  it('Kathmandu (+05:45): hours start at :15 UTC', async () => {
    const { series, hours } = await run('Asia/Kathmandu');
    expect(series).toEqual([
      ['2026-10-03T20', '2026-10-03T14:30:00.000Z', '2026-10-03T15:15:00.000Z', 0], // clipped: 20:15-21:00
      ['2026-10-03T21', '2026-10-03T15:15:00.000Z', '2026-10-03T16:15:00.000Z', 3], // L1 L2 L3
      ['2026-10-03T22', '2026-10-03T16:15:00.000Z', '2026-10-03T16:30:00.000Z', 0],
    ]);
    expect(hours).toEqual([[21, 3]]);
  });

  it('Kolkata (+05:30): hours start at :30 UTC', async () => {
    const { series, hours } = await run('Asia/Kolkata');
    expect(series).toEqual([
      ['2026-10-03T20', '2026-10-03T14:30:00.000Z', '2026-10-03T15:30:00.000Z', 1], // L1 20:50
      ['2026-10-03T21', '2026-10-03T15:30:00.000Z', '2026-10-03T16:30:00.000Z', 2], // L2 21:15, L3 21:35
    ]);
    expect(hours).toEqual([[20, 1], [21, 2]]);
  });
});
