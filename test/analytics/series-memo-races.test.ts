import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeSeries, type SeriesBucket, type SeriesRequest } from '../../src/analytics/engine.ts';
import { deferRollupsForTransaction, flushPendingRollups } from '../../src/analytics/rollups/maintain.ts';
import { collectAnalyticsPaths, type AnalyticsPathReport } from '../../src/analytics/rollups/report.ts';
import { SeriesMemo } from '../../src/analytics/series-memo.ts';
import { upsertTeams, upsertTickets, upsertTicketsIn } from '../../src/ingest/upsert.ts';
import type { TicketInput } from '../../src/ingest/types.ts';
import { upsertSlaPolicy } from '../../src/sla/admin.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { column } from '../helpers/series.ts';

// The memo against three ways to get a series wrong that no single request shows:
// requests of one series that overlap (an older one finishing last), a request whose
// "now" is earlier than the one that kept the buckets, and percentiles computed while
// an import's rollups were pending. Each answer is compared with the series computed whole.

let db: TestDatabase;
const at = (s: string) => new Date(`2026-03-${s}Z`);

const TICKETS: TicketInput[] = [
  { externalId: 'a', channel: 'EMAIL', status: 'SOLVED', teamExternalId: 'north', createdAt: at('02T10:00:00'), solvedAt: at('03T09:00:00') },
  { externalId: 'b', channel: 'EMAIL', status: 'OPEN', teamExternalId: 'north', createdAt: at('03T12:00:00') },
  { externalId: 'c', channel: 'CHAT', status: 'SOLVED', teamExternalId: 'north', createdAt: at('05T08:00:00'), solvedAt: at('05T20:00:00') },
  { externalId: 'd', channel: 'CHAT', status: 'SOLVED', teamExternalId: 'north', createdAt: at('06T09:00:00'), solvedAt: at('09T10:00:00') },
];

beforeAll(async () => {
  db = await openTestDatabase();
  await upsertTeams(db, [{ externalId: 'north', name: 'North' }]);
  await upsertTickets(db, TICKETS);
});
afterAll(async () => {
  await db?.destroy();
});

const request = (memo: SeriesMemo | undefined, overrides: Partial<SeriesRequest> = {}): SeriesRequest => ({
  range: { from: at('02T00:00:00'), to: at('10T00:00:00') },
  granularity: 'DAY',
  timeZone: 'UTC',
  scope: { teamIds: null },
  measures: ['ticketsCreated', 'backlog'],
  now: new Date('2026-04-01T00:00:00Z'),
  memo,
  ...overrides,
});

/** A database handle whose n-th $queryRaw runs at once but hands its rows back only when `release` is called. */
function gated(n: number) {
  let calls = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let ran!: () => void;
  const executed = new Promise<void>((r) => (ran = r));
  const prisma = {
    $queryRaw: async (...args: unknown[]) => {
      calls += 1;
      const rows = await (db.prisma.$queryRaw as (...a: unknown[]) => Promise<unknown>)(...args);
      if (calls === n) {
        ran();
        await gate;
      }
      return rows;
    },
  };
  return { db: { prisma } as unknown as Pick<TestDatabase, 'prisma'>, release, executed };
}

describe('overlapping requests of one series', () => {
  it('never keep the buckets of a request that started before a write under a later version (C slow, D fast, A slow)', async () => {
    const memo = new SeriesMemo();
    // C: no kept answer; its statement runs now (before the write) but its answer comes back late.
    const c = gated(2);
    const cDone = computeSeries(c.db, request(memo));
    await c.executed;
    // The write C's snapshot lacks: a ticket on 4 March (long ended).
    await upsertTickets(db, [{ externalId: 'w', channel: 'WEB', status: 'OPEN', teamExternalId: 'north', createdAt: at('04T12:00:00') }]);
    // D: computes everything after the write and keeps it (correct buckets, version v2).
    const d = await computeSeries(db, request(memo));
    expect(column(d, 'ticketsCreated')).toEqual([1, 1, 1, 1, 1, 0, 0, 0]);
    // A: the window moved by a day; reuses D's 3–9 March, computes the 10th, slowly.
    const a = gated(2);
    const aDone = computeSeries(a.db, request(memo, { range: { from: at('03T00:00:00'), to: at('11T00:00:00') } }));
    await a.executed;
    // C returns: keeps its pre-write buckets at its older version (v1) ...
    c.release();
    await cDone;
    // ... then A returns: it must not keep C's buckets under its own version (v2).
    a.release();
    await aDone;
    // Any later request: no write since v2, so every kept bucket is reused, and must be right.
    const reports: AnalyticsPathReport[] = [];
    const later = await collectAnalyticsPaths(reports, () => computeSeries(db, request(memo)));
    const whole = await computeSeries(db, request(undefined));
    expect(column(whole, 'ticketsCreated')).toEqual([1, 1, 1, 1, 1, 0, 0, 0]);
    expect(later).toEqual(whole);
  });
});

describe('the request\'s now', () => {
  it('reuses only buckets that had ended by it: SLA breaches are counted as of now', async () => {
    await upsertSlaPolicy(db, { externalId: 'fr', name: 'First reply', priorities: ['NORMAL'], firstResponseMinutes: 480 });
    const memo = new SeriesMemo();
    const sla = { measures: ['ticketsCreated', 'sla.firstResponse.breached'] };
    await computeSeries(db, request(memo, sla)); // now = 1 April: all 8 days ended, all kept
    const earlier = { ...sla, now: at('05T00:00:00') };
    const viaMemo = await computeSeries(db, request(memo, earlier));
    const whole = await computeSeries(db, request(undefined, earlier));
    expect(viaMemo).toEqual(whole);
  });
});

describe('rollups pending after an import', () => {
  it('keeps no bucket computed from the rows in their place, so percentiles match the rollups once caught up', async () => {
    const memo = new SeriesMemo();
    const m = { measures: ['resolutionTime.median', 'resolutionTime.p90'] };
    // A deferred write (pending hour on 9 March 23:00): the whole series answers from rows.
    await db.driver.transaction(async (tx) => {
      await deferRollupsForTransaction(tx);
      await upsertTicketsIn(tx, [{ externalId: 'p', channel: 'WEB', status: 'SOLVED', createdAt: at('09T23:00:00'), solvedAt: at('09T23:10:00') }]);
      await upsertTicketsIn(tx, [
        { externalId: 'q1', channel: 'WEB', status: 'SOLVED', createdAt: at('05T01:00:00'), solvedAt: at('05T01:17:13') },
        { externalId: 'q2', channel: 'WEB', status: 'SOLVED', createdAt: at('05T02:00:00'), solvedAt: at('05T05:41:07') },
      ]);
    });
    const during: AnalyticsPathReport[] = [];
    await collectAnalyticsPaths(during, () => computeSeries(db, request(memo, m)));
    await flushPendingRollups(db);
    const reports: AnalyticsPathReport[] = [];
    const viaMemo = await collectAnalyticsPaths(reports, () => computeSeries(db, request(memo, m)));
    const whole = await computeSeries(db, request(undefined, m));
    expect(viaMemo).toEqual(whole);
  });
});
