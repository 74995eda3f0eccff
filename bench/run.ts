import { runKpiBenchmark } from './kpi.ts';

// `npm run bench`: the KPI benchmark (see bench/README.md). Other benchmarks live in
// their own files next to this one and can be run with `npx tsx bench/<file>.ts`.
await runKpiBenchmark();
