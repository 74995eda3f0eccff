import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeTotals, type MetricsRequest } from '../../src/analytics/engine.ts';
import { RELATIVE_ERROR } from '../../src/analytics/rollups/definition.ts';
import { collectAnalyticsPaths, type AnalyticsPathReport } from '../../src/analytics/rollups/report.ts';
import { upsertTickets } from '../../src/ingest/upsert.ts';
import { upsertBusinessCalendar, upsertSlaPolicy } from '../../src/sla/admin.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { rollupDriftOf } from '../helpers/rollups.ts';

// Migration 0016: a ticket whose business and calendar durations fall in one histogram
// bin has one row in the shared metric (5 first response, 6 resolution) instead of one
// in each of the pair; percentiles read a duration's own rows plus the shared ones.

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase();
  // Office hours Mon–Fri 09:00–17:00 UTC for NORMAL tickets; LOW tickets have no policy.
  await upsertBusinessCalendar(db, {
    externalId: 'office',
    name: 'Office',
    timeZone: 'UTC',
    hours: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '09:00', end: '17:00' })),
  });
  await upsertSlaPolicy(db, { externalId: 'std', name: 'Standard', priorities: ['NORMAL'], calendarExternalId: 'office', firstResponseMinutes: 600 });
  const at = (iso: string) => new Date(`2026-01-${iso}Z`);
  await upsertTickets(db, [
    // No policy: 1,800 s both ways.
    { externalId: 'a', channel: 'EMAIL', priority: 'LOW', status: 'OPEN', createdAt: at('05T10:00:00'), firstResponseAt: at('05T10:30:00') },
    // Mon 16:30 → Tue 09:30: 61,200 s on the calendar, 3,600 s of office hours.
    { externalId: 'b', channel: 'EMAIL', priority: 'NORMAL', status: 'OPEN', createdAt: at('05T16:30:00'), firstResponseAt: at('06T09:30:00') },
    // Inside office hours: 1,200 s both ways.
    { externalId: 'c', channel: 'EMAIL', priority: 'NORMAL', status: 'OPEN', createdAt: at('05T11:00:00'), firstResponseAt: at('05T11:20:00') },
  ]);
});
afterAll(async () => {
  await db?.destroy();
});

const MEASURES = ['firstResponseTime.median', 'firstResponseTime.p90', 'firstResponseBusinessTime.median', 'firstResponseBusinessTime.p90'];
const request: MetricsRequest = {
  range: { from: new Date('2026-01-05T00:00:00Z'), to: new Date('2026-01-12T00:00:00Z') },
  scope: { teamIds: null },
  measures: MEASURES,
  now: new Date('2026-02-01T00:00:00Z'),
};

describe('histograms shared by the calendar and business durations', () => {
  it('writes one row for a ticket whose two durations share a bin, and two for one whose differ', async () => {
    const rows = await db.driver.query<{ metric: number; n: number }>(
      `SELECT "metric", sum("n")::int AS n FROM "RollupHistogram" WHERE "metric" IN (1, 2, 5) GROUP BY 1 ORDER BY 1`,
    );
    expect(rows).toEqual([
      { metric: 1, n: 1 }, // b, calendar
      { metric: 2, n: 1 }, // b, business
      { metric: 5, n: 2 }, // a and c
    ]);
    expect(await rollupDriftOf(db, 'full')).toBe(0);
  });

  it('answers both percentiles from rollups within the error bound, equal to the rows within it', async () => {
    const reports: AnalyticsPathReport[] = [];
    const rolled = (await collectAnalyticsPaths(reports, () => computeTotals(db, request))) as Record<string, { median: number; p90: number }>;
    expect(reports[0]?.paths.firstResponse).toBe('rollup');
    // Calendar {1200, 1800, 61200}: median 1800, p90 at rank 1.8 = 1800 + 0.8 × 59400.
    // Business {1200, 1800, 3600}: median 1800, p90 = 1800 + 0.8 × 1800.
    const expected = { firstResponseTime: { median: 1800, p90: 49_320 }, firstResponseBusinessTime: { median: 1800, p90: 3240 } };
    const raw = (await computeTotals(db, { ...request, rollups: false })) as Record<string, { median: number; p90: number }>;
    for (const [metric, want] of Object.entries(expected)) {
      expect(raw[metric]).toEqual(want);
      for (const q of ['median', 'p90'] as const) {
        expect(Math.abs(rolled[metric][q] - want[q]) / want[q]).toBeLessThanOrEqual(RELATIVE_ERROR);
      }
    }
  });

  it('moves a ticket to the shared metric when its business duration comes to equal the calendar one', async () => {
    // The policy drops its calendar: it runs around the clock, so b's 61,200 s are all business time.
    await upsertSlaPolicy(db, { externalId: 'std', name: 'Standard', priorities: ['NORMAL'], firstResponseMinutes: 600 });
    const rows = await db.driver.query<{ metric: number; n: number }>(
      `SELECT "metric", sum("n")::int AS n FROM "RollupHistogram" WHERE "metric" IN (1, 2, 5) GROUP BY 1 ORDER BY 1`,
    );
    expect(rows).toEqual([{ metric: 5, n: 3 }]);
    expect(await rollupDriftOf(db, 'full')).toBe(0);
  });
});
