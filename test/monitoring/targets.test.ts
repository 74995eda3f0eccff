import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareWithThreshold, amountInMeasureUnit } from '../../src/monitoring/amounts.ts';
import { intersectFilters } from '../../src/monitoring/filters.ts';
import { measureAt } from '../../src/analytics/registry.ts';
import { gqlClient, type GqlClient } from '../helpers/graphql.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';

let db: TestDatabase;
let api: GqlClient;

// Two Berlin weeks around the spring DST change (Sun 2026-03-29 02:00 CET -> 03:00 CEST).
// Week 2026-W13 runs Mon 03-23 00:00 CET (03-22T23:00Z) to Mon 03-30 00:00 CEST
// (03-29T22:00Z); W14 from there to 04-06 00:00 CEST (04-05T22:00Z).
// First responses (placed by firstResponseAt):
// | ticket | channel | created (UTC)     | first response (UTC) | local          | FRT     | week |
// | e1     | EMAIL   | 03-24 09:00       | 09:30                | Tue 10:30 CET  | 1800 s  | W13  |
// | e2     | EMAIL   | 03-25 09:00       | 09:50                | Wed 10:50 CET  | 3000 s  | W13  |
// | e3     | EMAIL   | 03-29 20:50       | 21:30                | Sun 23:30 CEST | 2400 s  | W13  |
// | e4     | EMAIL   | 03-29 20:30       | 22:30                | Mon 00:30 CEST | 7200 s  | W14  |
// | e5     | EMAIL   | 03-31 08:00       | 09:30                | Tue 11:30 CEST | 5400 s  | W14  |
// | c1     | CHAT    | 03-24 08:00       | 13:00                | Tue            | 18000 s | W13  |
// Target "E-mail first response": firstResponseTime.median AT_MOST PT1H (3600 s), EMAIL.
// W13: median(1800, 2400, 3000) = 2400 -> MET, gap 2400 - 3600 = -1200.
// W14: median(5400, 7200) = 6300 -> MISSED, gap 6300 - 3600 = 2700.
// (A fixed +01:00 offset would put e4 in W13: medians 2700 and 5400 instead.)
// W15 (04-06..04-13) has no first responses -> NO_DATA. Chat (c1) never counts.
const TICKETS = [
  ['e1', 'EMAIL', '2026-03-24T09:00:00Z', '2026-03-24T09:30:00Z'],
  ['e2', 'EMAIL', '2026-03-25T09:00:00Z', '2026-03-25T09:50:00Z'],
  ['e3', 'EMAIL', '2026-03-29T20:50:00Z', '2026-03-29T21:30:00Z'],
  ['e4', 'EMAIL', '2026-03-29T20:30:00Z', '2026-03-29T22:30:00Z'],
  ['e5', 'EMAIL', '2026-03-31T08:00:00Z', '2026-03-31T09:30:00Z'],
  ['c1', 'CHAT', '2026-03-24T08:00:00Z', '2026-03-24T13:00:00Z'],
] as const;

const RANGE = { from: '2026-03-22T23:00:00Z', to: '2026-04-12T22:00:00Z' };

beforeAll(async () => {
  db = await openTestDatabase();
  api = gqlClient(db);
  for (const [externalId, channel, createdAt, firstResponseAt] of TICKETS) {
    await db.prisma.ticket.create({
      data: { externalId, channel, status: 'OPEN', createdAt: new Date(createdAt), firstResponseAt: new Date(firstResponseAt), agentReplies: 1 },
    });
  }
});
afterAll(async () => db?.destroy());

const UPSERT = `mutation($input: TargetInput!) { upsertTarget(input: $input) { id name metric threshold unit comparison granularity timeZone } }`;

describe('pure rules', () => {
  it('compares with a threshold on either side, gap positive when missed', () => {
    expect(compareWithThreshold(2400, 'AT_MOST', 3600)).toEqual({ status: 'MET', gap: -1200 });
    expect(compareWithThreshold(3600, 'AT_MOST', 3600)).toEqual({ status: 'MET', gap: 0 });
    expect(compareWithThreshold(0.7, 'AT_LEAST', 0.8).status).toBe('MISSED');
    expect(compareWithThreshold(0.7, 'AT_LEAST', 0.8).gap).toBeCloseTo(0.1, 12);
    expect(compareWithThreshold(null, 'AT_LEAST', 0.8)).toEqual({ status: 'NO_DATA', gap: null });
  });

  it('converts thresholds to the metric unit', () => {
    const frt = measureAt('firstResponseTime.median')!;
    const fcr = measureAt('firstContactResolutionRate')!;
    expect(amountInMeasureUnit(frt, { duration: 'PT24H' }, 'x')).toBe(86_400);
    expect(amountInMeasureUnit(frt, { duration: 'P1DT30M' }, 'x')).toBe(88_200);
    expect(amountInMeasureUnit(frt, { value: 15, unit: 'MINUTES' }, 'x')).toBe(900);
    expect(amountInMeasureUnit(fcr, { value: 85, unit: 'PERCENT' }, 'x')).toBeCloseTo(0.85, 12);
    expect(() => amountInMeasureUnit(fcr, { duration: 'PT1H' }, 'x')).toThrow(/not seconds/);
    expect(() => amountInMeasureUnit(frt, { value: 1, unit: 'PERCENT' }, 'x')).toThrow(/SECONDS, MINUTES, HOURS, DAYS/);
    expect(() => amountInMeasureUnit(frt, {}, 'x')).toThrow(/exactly one/);
  });

  it('intersects filters; disjoint lists match nothing', () => {
    expect(intersectFilters({ channels: ['EMAIL', 'CHAT'] }, { channels: ['CHAT'], teamIds: [3] })).toEqual({ channels: ['CHAT'], teamIds: [3] });
    expect(intersectFilters({ channels: ['EMAIL'] }, { channels: ['CHAT'] })).toBeNull();
    expect(intersectFilters({}, null)).toEqual({});
  });
});

describe('targets over GraphQL', () => {
  let targetId: string;

  it('upserts a target with an ISO duration threshold, stored in seconds', async () => {
    const res = await api.query(UPSERT, {
      input: {
        name: 'E-mail first response',
        metric: 'firstResponseTime.median',
        filter: { channels: ['EMAIL'] },
        comparison: 'AT_MOST',
        thresholdDuration: 'PT1H',
        granularity: 'WEEK',
        timeZone: 'Europe/Berlin',
      },
    });
    expect(res.errors).toBeUndefined();
    expect(res.data.upsertTarget).toMatchObject({ threshold: 3600, unit: 'seconds', comparison: 'AT_MOST', granularity: 'WEEK', timeZone: 'Europe/Berlin' });
    targetId = res.data.upsertTarget.id;
    // The same name updates, not duplicates.
    const again = await api.query(UPSERT, {
      input: { name: 'E-mail first response', metric: 'firstResponseTime.median', filter: { channels: ['EMAIL'] }, comparison: 'AT_MOST', threshold: 60, unit: 'MINUTES', timeZone: 'Europe/Berlin' },
    });
    expect(again.data.upsertTarget.id).toBe(targetId);
    expect(again.data.upsertTarget.threshold).toBe(3600);
    const list = await api.query(`{ targets { name } }`);
    expect(list.data.targets).toEqual([{ name: 'E-mail first response' }]);
  });

  it('reads the target per week beside timeSeries: met, then missed across DST, then no data', async () => {
    const res = await api.query(
      `query($range: DateTimeRange!) { timeSeries(range: $range, granularity: WEEK, timeZone: "Europe/Berlin", exact: true) {
        label metrics { firstResponseTime { median } } targets { target { name } actual status gap } } }`,
      { range: RANGE },
    );
    expect(res.errors).toBeUndefined();
    const rows = res.data.timeSeries.map((b: any) => [b.label, b.metrics.firstResponseTime.median, b.targets[0].actual, b.targets[0].status, b.targets[0].gap]);
    expect(rows).toEqual([
      // all channels: W13 median(1800, 2400, 3000, 18000) = 2700; the target counts e-mail only.
      ['2026-W13', 2700, 2400, 'MET', -1200],
      ['2026-W14', 6300, 6300, 'MISSED', 2700],
      ['2026-W15', null, null, 'NO_DATA', null],
    ]);
  });

  it('reads targets per breakdown group (chat has no e-mail tickets: no data) and on totals', async () => {
    const res = await api.query(
      `query($range: DateTimeRange!) {
        breakdown(by: [CHANNEL], range: $range, exact: true) { key { channel } targets { actual status } }
        metrics(range: $range, exact: true) { targets { actual status gap } } }`,
      { range: RANGE },
    );
    expect(res.errors).toBeUndefined();
    // Groups in key order (the Channel enum's order). EMAIL over the range: median(1800, 2400, 3000, 5400, 7200) = 3000 -> MET.
    expect(res.data.breakdown).toEqual([
      { key: { channel: 'EMAIL' }, targets: [{ actual: 3000, status: 'MET' }] },
      { key: { channel: 'CHAT' }, targets: [{ actual: null, status: 'NO_DATA' }] },
    ]);
    expect(res.data.metrics.targets).toEqual([{ actual: 3000, status: 'MET', gap: -600 }]);
  });

  it('targetAttainment: one week met, one missed, one without data', async () => {
    const res = await api.query(
      `query($id: ID!, $range: DateTimeRange!) { targetAttainment(target: $id, range: $range, exact: true) {
        met missed noData attainment buckets { label actual status } } }`,
      { id: targetId, range: RANGE },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.targetAttainment).toEqual({
      met: 1,
      missed: 1,
      noData: 1,
      attainment: 0.5,
      buckets: [
        { label: '2026-W13', actual: 2400, status: 'MET' },
        { label: '2026-W14', actual: 6300, status: 'MISSED' },
        { label: '2026-W15', actual: null, status: 'NO_DATA' },
      ],
    });
  });

  it('refuses bad input with BAD_USER_INPUT and a message saying what to change', async () => {
    const bad = async (input: Record<string, unknown>) => {
      const res = await api.query(UPSERT, { input: { name: 'x', comparison: 'AT_MOST', ...input } });
      expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      return res.errors?.[0].message;
    };
    expect(await bad({ metric: 'firstResponseTime.mean', threshold: 1 })).toMatch(/not a metric/);
    expect(await bad({ metric: 'reopenRate', thresholdDuration: 'PT1H' })).toMatch(/give a number, not a duration/);
    expect(await bad({ metric: 'reopenRate', threshold: 1, thresholdDuration: 'PT1H' })).toMatch(/exactly one/);
    expect(await bad({ metric: 'reopenRate', threshold: 0.1, scope: { teamId: 'VGVhbTo5OTk=' } })).toMatch(/no Team with id/);
    const { data } = await api.query(`{ targets { name } }`);
    expect(data.targets).toHaveLength(1);
  });

  it('deletes a target', async () => {
    const created = await api.query(UPSERT, { input: { name: 'tmp', metric: 'reopenRate', comparison: 'AT_MOST', threshold: 0.1 } });
    const del = await api.query(`mutation($id: ID!) { deleteTarget(id: $id) }`, { id: created.data.upsertTarget.id });
    expect(del.data.deleteTarget).toBe(true);
    const again = await api.query(`mutation($id: ID!) { deleteTarget(id: $id) }`, { id: created.data.upsertTarget.id });
    expect(again.data.deleteTarget).toBe(false);
  });
});

describe('targets per entity', () => {
  it('reads a target beside each team’s metrics, counted within the team', async () => {
    const team = await db.prisma.team.create({ data: { externalId: 'mail-team', name: 'Mail team' } });
    // e1 and e5 move to the team: median(1800, 5400) = 3600 over the range -> MET (gap 0).
    await db.prisma.ticket.updateMany({ where: { externalId: { in: ['e1', 'e5'] } }, data: { teamId: team.id } });
    const res = await api.query(
      `query($range: DateTimeRange!) { teams { name metrics(range: $range, exact: true) { targets { target { name } actual status gap } } } }`,
      { range: RANGE },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.teams).toEqual([{ name: 'Mail team', metrics: { targets: [{ target: { name: 'E-mail first response' }, actual: 3600, status: 'MET', gap: 0 }] } }]);
  });
});
