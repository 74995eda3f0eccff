import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeSeries, type MetricsRequest } from '../../src/analytics/engine.ts';
import { RELATIVE_ERROR } from '../../src/analytics/rollups/definition.ts';
import { collectAnalyticsPaths, type AnalyticsPathReport } from '../../src/analytics/rollups/report.ts';
import { openDatabase, PREPARE_MARK, type Database } from '../../src/db/client.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../src/db/scratch.ts';
import { upsertTickets } from '../../src/ingest/upsert.ts';

// A statement that reads rollups only is prepared once per connection and then bound and
// executed (src/db/client.ts, PREPARE_MARK); one that reads rows is never prepared, as
// its best plan depends on its range. One pooled connection, so the session that ran
// the statements is the one whose pg_prepared_statements we read.

const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
let scratch: ScratchDatabase;
let db: Database;
beforeAll(async () => {
  if (!onPostgres) return;
  scratch = await createScratchDatabase(process.env.TEST_DATABASE_URL as string);
  db = await openDatabase({ kind: 'postgres', url: scratch.url }, { poolSize: 1 });
  await migrate(db.driver);
  // Mon 5 Jan 2026: a at 09:00 (reply 30 min, solved 2 h), b at 10:00 (reply 1 h, solved Tue 10:00).
  await upsertTickets(db, [
    { externalId: 'a', channel: 'EMAIL', status: 'SOLVED', createdAt: new Date('2026-01-05T09:00:00Z'), firstResponseAt: new Date('2026-01-05T09:30:00Z'), solvedAt: new Date('2026-01-05T11:00:00Z') },
    { externalId: 'b', channel: 'CHAT', status: 'SOLVED', createdAt: new Date('2026-01-05T10:00:00Z'), firstResponseAt: new Date('2026-01-05T11:00:00Z'), solvedAt: new Date('2026-01-06T10:00:00Z') },
  ]);
});
afterAll(async () => {
  await db?.close();
  await scratch?.drop();
});

const request = (rollups: boolean): MetricsRequest & { granularity: 'DAY'; timeZone: string } => ({
  range: { from: new Date('2026-01-05T00:00:00Z'), to: new Date('2026-01-08T00:00:00Z') },
  scope: { teamIds: null },
  measures: ['ticketsCreated', 'ticketsSolved', 'firstResponseTime.median', 'resolutionTime.avg', 'backlog'],
  now: new Date('2026-02-01T00:00:00Z'),
  granularity: 'DAY',
  timeZone: 'UTC',
  rollups,
});

const prepared = async () =>
  (await db.driver.query<{ name: string; statement: string }>(`SELECT name, statement FROM pg_prepared_statements`)).filter((p) =>
    p.name.startsWith('sg_'),
  );

describe.skipIf(!onPostgres)('prepared analytics statements (PostgreSQL)', () => {
  it('prepares a rollup-only statement once and answers as the rows do on every run', async () => {
    const reports: AnalyticsPathReport[] = [];
    const raw = await computeSeries(db, request(false));
    // Monday: 2 created, 1 solved (a, 2 h), FRT median (1800 + 3600) / 2; Tuesday: b solved after 24 h.
    expect(raw.map((b) => [b.metrics.ticketsCreated, b.metrics.ticketsSolved, b.metrics.backlog])).toEqual([[2, 1, 1], [0, 1, 0], [0, 0, 0]]);
    expect(raw[0].metrics.firstResponseTime).toMatchObject({ median: 2700 });
    expect(await prepared()).toEqual([]);
    // Past the fifth run PostgreSQL may switch to a generic plan: the answers stay the same.
    // Percentiles from rollups are within RELATIVE_ERROR of the rows'; everything else equal.
    const exactPart = (series: typeof raw) => series.map((b) => ({ ...b, metrics: { ...b.metrics, firstResponseTime: {} } }));
    for (let run = 0; run < 8; run++) {
      const series = await collectAnalyticsPaths(reports, () => computeSeries(db, request(true)));
      expect(exactPart(series)).toEqual(exactPart(raw));
      const median = (series[0].metrics.firstResponseTime as { median: number }).median;
      expect(Math.abs(median - 2700) / 2700).toBeLessThanOrEqual(RELATIVE_ERROR);
    }
    expect(new Set(reports.flatMap((r) => Object.values(r.paths)))).toEqual(new Set(['rollup']));
    const statements = await prepared();
    expect(statements).toHaveLength(1);
    expect(statements[0].statement.startsWith(PREPARE_MARK)).toBe(true);
  });
});
