import { fileURLToPath } from 'node:url';
import { computeSeries, type SeriesRequest } from '../src/analytics/engine.ts';
import { SeriesMemo } from '../src/analytics/series-memo.ts';
import { collectAnalyticsPaths, type AnalyticsPathReport } from '../src/analytics/rollups/report.ts';
import { upsertTickets } from '../src/ingest/upsert.ts';
import { benchDatabaseUrl, lastYearOfWeeks, openBenchDatabase } from './load.ts';

// Closed-bucket reuse (bench/README.md, "Reusing closed buckets"), on the KPI benchmark's
// database (BENCH_DATABASE_URL, loaded by `npm run bench` if absent):
//   npx tsx bench/reuse.ts
// A dashboard's 52-week weekly series is asked again after each write, as a dashboard
// that refreshes while tickets arrive does. Per round: one write, then the series through
// the memo (recomputing only what the write reaches) and the same series computed whole;
// both answers are compared. Two writes: a new ticket in the last week, and a change to a
// ticket created ten weeks before the end. UTC reads rollups; Asia/Kolkata (+05:30) reads
// the rows. BENCH_ITERATIONS rounds per case (default 12), p50 printed. The tickets it
// writes are removed at the end.

const MEASURES = ['ticketsCreated', 'ticketsSolved', 'backlog', 'firstResponseTime.median', 'firstResponseTime.p90', 'resolutionTime.median', 'csat.score', 'sla.firstResponse.attainment'];

/** One case's p50s. */
export interface ReuseResult {
  timeZone: string;
  write: string;
  memoP50: number;
  wholeP50: number;
  /** Weeks taken from the memo (p50 over the rounds). */
  reused: number;
}

const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs the cases; prints and returns their p50s. */
export async function runReuseBenchmark(): Promise<ReuseResult[]> {
  const db = await openBenchDatabase(benchDatabaseUrl());
  const iterations = Number(process.env.BENCH_ITERATIONS ?? 12);
  const results: ReuseResult[] = [];
  try {
    const { from, to } = await lastYearOfWeeks(db);
    const now = new Date(to.getTime() + 86_400_000);
    const writes: Record<string, (i: number) => Date> = {
      'new ticket in the last week': () => new Date(to.getTime() - 2 * 86_400_000),
      'ticket created 10 weeks before the end': () => new Date(to.getTime() - 70 * 86_400_000),
    };
    for (const timeZone of ['UTC', 'Asia/Kolkata']) {
      for (const [write, createdAt] of Object.entries(writes)) {
        const memo = new SeriesMemo();
        const req: SeriesRequest = { range: { from, to }, granularity: 'WEEK', timeZone, scope: { teamIds: null }, measures: MEASURES, now };
        await computeSeries(db, { ...req, memo });
        const memoTimes: number[] = [];
        const wholeTimes: number[] = [];
        const reusedCounts: number[] = [];
        for (let i = 0; i < iterations; i++) {
          const created = createdAt(i);
          await upsertTickets(db, [
            {
              externalId: `bench-reuse-${i % 3}`,
              channel: 'EMAIL',
              status: 'SOLVED',
              createdAt: created,
              firstResponseAt: new Date(created.getTime() + (600 + i) * 1000),
              solvedAt: new Date(created.getTime() + (7200 + i) * 1000),
            },
          ]);
          const reports: AnalyticsPathReport[] = [];
          const t0 = performance.now();
          const viaMemo = await collectAnalyticsPaths(reports, () => computeSeries(db, { ...req, memo }));
          const t1 = performance.now();
          const whole = await computeSeries(db, req);
          const t2 = performance.now();
          if (JSON.stringify(viaMemo) !== JSON.stringify(whole)) throw new Error(`reuse differs from the whole series (${timeZone}, ${write})`);
          memoTimes.push(t1 - t0);
          wholeTimes.push(t2 - t1);
          reusedCounts.push(reports[0]?.reusedBuckets ?? 0);
        }
        results.push({ timeZone, write, memoP50: p50(memoTimes), wholeP50: p50(wholeTimes), reused: p50(reusedCounts) });
      }
    }
  } finally {
    await db.driver.query(`DELETE FROM "Ticket" WHERE "externalId" LIKE 'bench-reuse-%'`);
    await db.close();
  }
  console.log(`weekly series, 52 weeks x ${MEASURES.join(', ')}; ${iterations} rounds of write + read per case`);
  for (const r of results) {
    console.log(
      `  ${r.timeZone.padEnd(13)} ${r.write.padEnd(40)} reused ${String(r.reused).padStart(2)} weeks (p50)  memo p50 ${r.memoP50.toFixed(1).padStart(7)} ms  whole p50 ${r.wholeP50.toFixed(1).padStart(7)} ms  (${(r.wholeP50 / r.memoP50).toFixed(1)}x)`,
    );
  }
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runReuseBenchmark();
