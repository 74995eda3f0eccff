import { runForecastBenchmark } from './forecast.ts';
import { runKpiBenchmark } from './kpi.ts';

// `npm run bench`: the KPI benchmark and the forecast backtest (see bench/README.md).
// Other benchmarks live in their own files next to this one and can be run with
// `npx tsx bench/<file>.ts`.
await runKpiBenchmark();
if (!(await runForecastBenchmark())) process.exitCode = 1;
