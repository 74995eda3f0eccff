import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { openDatabase } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import { UNRESTRICTED } from '../src/analytics/filter.ts';
import { computeForecastAccuracy, type AccuracyResult } from '../src/planning/backtest.ts';
import { isEmpty, seedDemo } from '../seeds/demo.ts';
import { ensureDatabase } from './load.ts';

/** The demo dataset the forecast is judged on: what `npm start` loads (seed 7, 50,000 tickets, 365 days), ending at a fixed instant so figures repeat. */
export const FORECAST_BENCH_SEED = { tickets: 50_000, days: 365, now: new Date('2026-11-25T00:00:00Z') } as const;

/** Zones the backtest runs in: UTC, and the demo's main calendar zone. */
const ZONES = ['UTC', 'Europe/Berlin'];

/** The PostgreSQL server the forecast bench creates its databases on. */
function serverUrl(): string {
  return process.env.FORECAST_BENCH_SERVER_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
}

const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)} %`);

/** One backtest row per granularity, in the README's table format. */
function rows(seed: number, zone: string, r: AccuracyResult, ms: number): string[] {
  return r.granularities.map(
    (g) =>
      `| ${seed} | ${zone} | ${g.granularity} | ${pct(g.model.wape)} | ${pct(g.baseline.wape)} | ${pct(g.wapeImprovement)} | ${pct(g.model.mape)} | ${pct(g.baseline.mape)} | ${pct(g.coverage80)} / ${pct(g.coverage95)} | ${ms} ms |`,
  );
}

/**
 * `npm run bench` (forecast part): loads the demo dataset into `sg_bench_forecast_<seed>`
 * once, runs `forecastAccuracy` (8 weekly folds before 2026-11-25) in each zone and prints
 * WAPE/MAPE of the model and the seasonal-naive baseline. Exit code 1 when the hourly
 * model does not beat the baseline's WAPE by 15 % on the demo seed (7).
 */
export async function runForecastBenchmark(seeds: number[] = [7]): Promise<boolean> {
  const out = [
    '| seed | zone | granularity | model WAPE | baseline WAPE | improvement | model MAPE | baseline MAPE | 80 % / 95 % coverage | time |',
    '|---:|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  let ok = true;
  for (const seed of seeds) {
    const url = new URL(serverUrl());
    url.pathname = `/sg_bench_forecast_${seed}`;
    await ensureDatabase(url.toString());
    const db = await openDatabase({ kind: 'postgres', url: url.toString() });
    try {
      await migrate(db.driver);
      if (await isEmpty(db)) {
        process.stderr.write(`loading demo data (seed ${seed}, ${FORECAST_BENCH_SEED.tickets} tickets)…\n`);
        await seedDemo(db, { ...FORECAST_BENCH_SEED, seed, events: false });
      }
      for (const zone of ZONES) {
        const started = Date.now();
        const result = await computeForecastAccuracy(db, { weeks: 8, timeZone: zone, scope: UNRESTRICTED, asOf: FORECAST_BENCH_SEED.now });
        out.push(...rows(seed, zone, result, Date.now() - started));
        const hour = result.granularities[0];
        if (seed === 7 && !(hour.wapeImprovement !== null && hour.wapeImprovement >= 0.15)) ok = false;
      }
    } finally {
      await db.close();
    }
  }
  process.stdout.write(`\nForecast backtest (8 weekly folds before ${FORECAST_BENCH_SEED.now.toISOString()}):\n${out.join('\n')}\n`);
  process.stdout.write(ok ? 'hourly WAPE beats the seasonal-naive baseline by ≥ 15 % on the demo seed\n' : 'FAILED: hourly WAPE does not beat the baseline by 15 % on the demo seed\n');
  return ok;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { seeds: { type: 'string', default: '7' } } });
  const seeds = (values.seeds ?? '7').split(',').map((s) => Number(s.trim()));
  const ok = await runForecastBenchmark(seeds);
  process.exitCode = ok ? 0 : 1;
}
