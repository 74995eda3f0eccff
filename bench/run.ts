import { runForecastBenchmark } from './forecast.ts';
import { runIngestBenchmark } from './ingest.ts';
import { runKpiBenchmark } from './kpi.ts';
import { runReuseBenchmark } from './reuse.ts';

// `npm run bench`: the KPI benchmark, closed-bucket reuse on its database, the forecast
// backtest and the ingestion benchmark
// (see bench/README.md); `npm run bench -- ingest` runs only the last.
// Other benchmarks live in their own files next to this one and can be run with
// `npx tsx bench/<file>.ts`.
if (process.argv[2] === 'ingest') {
  await runIngestBenchmark();
} else {
  await runKpiBenchmark();
  await runReuseBenchmark();
  if (!(await runForecastBenchmark())) process.exitCode = 1;
  await runIngestBenchmark();
}
