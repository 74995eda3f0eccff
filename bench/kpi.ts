import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import pg from 'pg';
import { RELATIVE_ERROR } from '../src/analytics/rollups/definition.ts';
import { createServer } from '../src/server.ts';
import { benchRanges, differences, KPI_QUERIES, type KpiQuery } from './kpi-queries.ts';
import { benchDatabaseUrl, openBenchDatabase } from './load.ts';

/** Timings of one query, in milliseconds: GraphQL without rollups (before), with them (after), hand-written SQL. */
export interface QueryTimings {
  name: string;
  description: string;
  before: number[];
  after: number[];
  sql: number[];
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  return sorted[lo] + (pos - lo) * ((sorted[Math.ceil(pos)] ?? sorted[lo]) - sorted[lo]);
};

/** A markdown table of p50/p95 per side and the ratios of the medians (after/before, after/SQL). */
export function timingTable(results: QueryTimings[]): string {
  const lines = [
    '| query | before p50 (raw path) | after p50 (rollups) | after p95 | hand SQL p50 | after / before | after / SQL | before / SQL |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    const b50 = percentile(r.before, 0.5);
    const a50 = percentile(r.after, 0.5);
    const a95 = percentile(r.after, 0.95);
    const s50 = percentile(r.sql, 0.5);
    lines.push(
      `| ${r.name}: ${r.description} | ${b50.toFixed(1)} ms | ${a50.toFixed(1)} ms | ${a95.toFixed(1)} ms | ${s50.toFixed(1)} ms | ${(a50 / b50).toFixed(3)} | ${(a50 / s50).toFixed(3)} | ${(b50 / s50).toFixed(2)} |`,
    );
  }
  return lines.join('\n');
}

/**
 * The KPI benchmark: loads (or reuses) a million demo tickets in PostgreSQL, then times
 * each dashboard query through the GraphQL server over HTTP and as hand-written SQL
 * through `pg`, alternating the two, and prints p50/p95 and their ratio.
 */
export async function runKpiBenchmark(options: { iterations?: number; warmup?: number } = {}): Promise<QueryTimings[]> {
  const iterations = options.iterations ?? Number(process.env.BENCH_ITERATIONS ?? 20);
  const rawRuns = Number(process.env.BENCH_RAW_RUNS ?? iterations);
  const warmup = options.warmup ?? 3;
  const url = benchDatabaseUrl();
  const db = await openBenchDatabase(url);
  // The production stack (token check, limits, masking) as deployed; the rate limit and
  // timeout are raised so they do not interfere with back-to-back timing runs.
  const token = randomBytes(24).toString('hex');
  // Two servers on the same database: "before" reads every source from the rows (the
  // engine without rollups), "after" is the default (rollups where they answer).
  const serve = async (analyticsRollups: boolean) => {
    const yoga = createServer({
      db,
      production: true,
      graphiql: false,
      analyticsRollups,
      // Timings of computing answers: the response cache would answer repeats from memory.
      responseCache: false,
      config: { adminToken: token, rateLimitPerMinute: 1_000_000, queryTimeoutMs: 600_000 },
    });
    const http = createHttpServer(yoga);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    return { http, endpoint: `http://127.0.0.1:${(http.address() as AddressInfo).port}/graphql` };
  };
  const servers = { before: await serve(false), after: await serve(true) };
  // The hand-written SQL uses two-argument date_trunc, which truncates in the session's
  // zone: UTC here (the three-argument form is over twice as slow and flattered us).
  const raw = new pg.Pool({ connectionString: url, max: 2, options: '-c TimeZone=UTC' });
  try {
    const [{ newest }] = (await raw.query('SELECT max("createdAt") AS newest FROM "Ticket"')).rows as { newest: Date }[];
    const ranges = benchRanges(newest);
    const [{ server_version: version }] = (await raw.query('SHOW server_version')).rows as { server_version: string }[];
    process.stderr.write(
      `machine: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}, PostgreSQL ${version}\n`,
    );

    const graphql = async (q: KpiQuery, side: 'before' | 'after') => {
      const response = await fetch(servers[side].endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: q.graphql, variables: q.variables(ranges) }),
      });
      const body = (await response.json()) as { data?: unknown; errors?: { message: string }[] };
      if (body.errors?.length) throw new Error(`${q.name}: ${body.errors.map((e) => e.message).join('; ')}`);
      return body.data;
    };
    const sql = async (q: KpiQuery) => {
      let rows: Record<string, unknown>[] = [];
      for (const statement of q.raw) rows = (await raw.query(statement.sql, statement.params(ranges, rows))).rows;
      return rows;
    };
    const time = async (work: () => Promise<unknown>) => {
      const began = performance.now();
      await work();
      return performance.now() - began;
    };

    const results: QueryTimings[] = [];
    const only = process.env.BENCH_QUERIES?.split(',');
    for (const q of KPI_QUERIES.filter((k) => !only || only.includes(k.name))) {
      const expected = q.fromRaw(await sql(q));
      const before = differences(q.fromGraphql(await graphql(q, 'before')), expected);
      if (before.length > 0) throw new Error(`${q.name}: GraphQL (raw path) and SQL answers differ:\n  ${before.join('\n  ')}`);
      const after = differences(q.fromGraphql(await graphql(q, 'after')), expected, 5, q.percentiles ?? [], RELATIVE_ERROR);
      if (after.length > 0) throw new Error(`${q.name}: GraphQL (rollups) and SQL answers differ:\n  ${after.join('\n  ')}`);
      for (let i = 0; i < warmup; i++) {
        await graphql(q, 'after');
        if (i >= rawRuns) continue;
        await graphql(q, 'before');
        await sql(q);
      }
      const timings: QueryTimings = { name: q.name, description: q.description, before: [], after: [], sql: [] };
      // Rotate the three sides so drift (cache, other load) hits all alike.
      const sides = [
        async () => timings.before.push(await time(() => graphql(q, 'before'))),
        async () => timings.after.push(await time(() => graphql(q, 'after'))),
        async () => timings.sql.push(await time(() => sql(q))),
      ];
      for (let i = 0; i < iterations; i++) {
        for (let j = 0; j < sides.length; j++) {
          const side = (i + j) % sides.length;
          // Past BENCH_RAW_RUNS only the rollup side runs (at 10 M a raw run takes ~30 s).
          if (i < rawRuns || side === 1) await sides[side]();
        }
      }
      process.stderr.write(`${q.name}: answers agree (percentiles from rollups within ${RELATIVE_ERROR * 100} %); ${iterations} runs of rollups, ${Math.min(rawRuns, iterations)} of each raw side\n`);
      results.push(timings);
      // Each query's row as soon as it is measured, so a later failure loses nothing.
      process.stderr.write(`${timingTable([timings]).split('\n').pop()}\n`);
    }
    process.stdout.write(`\n${timingTable(results)}\n`);
    return results;
  } finally {
    await raw.end();
    for (const { http } of Object.values(servers)) await new Promise((resolve) => http.close(resolve));
    await db.close();
  }
}
