import { cpus } from 'node:os';
import { computeSeries } from '../src/analytics/engine.ts';
import { openDatabase } from '../src/db/client.ts';
import { benchRanges } from './kpi-queries.ts';
import { benchDatabaseUrl, openBenchDatabase } from './load.ts';

// PostgreSQL settings against the weekly dashboard (bench/README.md, "PostgreSQL
// settings"): each setting is applied with ALTER DATABASE … SET (new connections get it),
// then the dashboard's engine call is timed on the raw path and on rollups, RUNS each,
// alternating. The database's settings are reset at the end.
//   npx tsx bench/settings.ts

const RUNS = Number(process.env.BENCH_ITERATIONS ?? 5);
const url = benchDatabaseUrl();
const admin = await openBenchDatabase(url);
const name = new URL(url).pathname.slice(1);
const SETTINGS: { label: string; set: string[] }[] = [
  { label: 'defaults (work_mem 4MB, JIT on, 2 parallel workers per gather)', set: [] },
  { label: 'jit = off', set: ['jit = off'] },
  { label: "work_mem = '64MB'", set: ["work_mem = '64MB'"] },
  { label: 'max_parallel_workers_per_gather = 0', set: ['max_parallel_workers_per_gather = 0'] },
  { label: "jit = off, work_mem = '64MB'", set: ['jit = off', "work_mem = '64MB'"] },
];
const measures = [
  'ticketsCreated', 'ticketsSolved', 'backlog', 'firstResponseTime.median', 'firstResponseTime.p90',
  'resolutionTime.median', 'csat.score', 'sla.firstResponse.attainment', 'sla.resolution.attainment',
];
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const [{ newest }] = await admin.driver.query<{ newest: Date }>('SELECT max("createdAt") AS newest FROM "Ticket"');
const range = benchRanges(new Date(newest)).weeks52;
const lines: string[] = [];
try {
  for (const setting of SETTINGS) {
    await admin.driver.query(`ALTER DATABASE "${name}" RESET ALL`);
    for (const s of setting.set) await admin.driver.query(`ALTER DATABASE "${name}" SET ${s}`);
    const db = await openDatabase({ kind: 'postgres', url }, { poolSize: 2 });
    const times = { raw: [] as number[], rollups: [] as number[] };
    try {
      for (let i = 0; i <= RUNS; i++) {
        for (const path of ['raw', 'rollups'] as const) {
          const began = performance.now();
          await computeSeries(db, { range, granularity: 'WEEK', timeZone: 'UTC', scope: { teamIds: null }, measures, rollups: path === 'rollups' });
          if (i > 0) times[path].push(performance.now() - began); // the first run warms up
        }
      }
    } finally {
      await db.close();
    }
    lines.push(`| ${setting.label} | ${median(times.raw).toFixed(0)} ms | ${median(times.rollups).toFixed(1)} ms |`);
    process.stderr.write(`${lines[lines.length - 1]}\n`);
  }
} finally {
  await admin.driver.query(`ALTER DATABASE "${name}" RESET ALL`);
  await admin.close();
}
console.log(`weekly dashboard (52 weeks, 9 metrics), engine call, median of ${RUNS} runs, ${cpus().length} cores`);
console.log('| setting | raw path p50 | rollups p50 |\n|---|---:|---:|');
for (const line of lines) console.log(line);
