import { fileURLToPath } from 'node:url';
import { computeSeries } from '../src/analytics/engine.ts';
import { collectAnalyticsPaths, type AnalyticsPathReport } from '../src/analytics/rollups/report.ts';
import { benchDatabaseUrl, lastYearOfWeeks, openBenchDatabase } from './load.ts';

// The same 52-week weekly series in several time zones (bench/README.md, "Percentiles in
// whole-hour zones"), on the KPI benchmark's database (BENCH_DATABASE_URL, loaded by
// `npm run bench` if absent):
//   npx tsx bench/zones.ts
// A week in UTC is one span row per source; in Europe/Berlin or America/New_York its
// edges are UTC hours; in Asia/Kolkata (+05:30) no rollup fits and the rows are read.
// Engine calls in-process, BENCH_ITERATIONS runs per zone (default 12), p50 printed with
// the path each source took.

const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata'];
const MEASURES = ['ticketsCreated', 'firstResponseTime.median', 'firstResponseTime.p90', 'resolutionTime.median'];

/** One zone's p50 and the paths its sources took. */
export interface ZoneResult {
  timeZone: string;
  p50: number;
  paths: Record<string, string>;
}

/** Runs the series in every zone; prints and returns the results. */
export async function runZonesBenchmark(): Promise<ZoneResult[]> {
  const db = await openBenchDatabase(benchDatabaseUrl());
  const iterations = Number(process.env.BENCH_ITERATIONS ?? 12);
  const results: ZoneResult[] = [];
  try {
    const { from, to } = await lastYearOfWeeks(db);
    for (const timeZone of ZONES) {
      const times: number[] = [];
      let paths: Record<string, string> = {};
      for (let i = 0; i < iterations; i++) {
        const reports: AnalyticsPathReport[] = [];
        const t0 = performance.now();
        await collectAnalyticsPaths(reports, () =>
          computeSeries(db, { range: { from, to }, granularity: 'WEEK', timeZone, scope: { teamIds: null }, measures: MEASURES, now: new Date() }),
        );
        times.push(performance.now() - t0);
        paths = reports[0]?.paths ?? {};
      }
      times.sort((a, b) => a - b);
      results.push({ timeZone, p50: times[Math.floor(times.length / 2)], paths });
    }
  } finally {
    await db.close();
  }
  console.log(`weekly series, 52 weeks x ${MEASURES.join(', ')}; ${iterations} runs per zone`);
  for (const r of results) console.log(`  ${r.timeZone.padEnd(18)} p50 ${r.p50.toFixed(1).padStart(7)} ms  ${JSON.stringify(r.paths)}`);
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runZonesBenchmark();
