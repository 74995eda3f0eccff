import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import pg from 'pg';
import { createServer } from '../src/server.ts';
import { benchRanges, differences, KPI_QUERIES, type KpiQuery } from './kpi-queries.ts';
import { benchDatabaseUrl, openBenchDatabase } from './load.ts';

/** Timings of one query, in milliseconds. */
export interface QueryTimings {
  name: string;
  description: string;
  graphql: number[];
  sql: number[];
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  return sorted[lo] + (pos - lo) * ((sorted[Math.ceil(pos)] ?? sorted[lo]) - sorted[lo]);
};

/** A markdown table of p50/p95 per query and the GraphQL/SQL ratio of the medians. */
export function timingTable(results: QueryTimings[]): string {
  const lines = [
    '| query | GraphQL p50 | GraphQL p95 | raw SQL p50 | raw SQL p95 | ratio p50 | ratio p95 |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    const g50 = percentile(r.graphql, 0.5);
    const g95 = percentile(r.graphql, 0.95);
    const s50 = percentile(r.sql, 0.5);
    const s95 = percentile(r.sql, 0.95);
    lines.push(
      `| ${r.name}: ${r.description} | ${g50.toFixed(1)} ms | ${g95.toFixed(1)} ms | ${s50.toFixed(1)} ms | ${s95.toFixed(1)} ms | ${(g50 / s50).toFixed(2)} | ${(g95 / s95).toFixed(2)} |`,
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
  const warmup = options.warmup ?? 3;
  const url = benchDatabaseUrl();
  const db = await openBenchDatabase(url);
  // The production stack (token check, limits, masking) as deployed; the rate limit and
  // timeout are raised so they do not interfere with back-to-back timing runs.
  const token = randomBytes(24).toString('hex');
  const yoga = createServer({
    db,
    production: true,
    graphiql: false,
    config: { adminToken: token, rateLimitPerMinute: 1_000_000, queryTimeoutMs: 600_000 },
  });
  const http = createHttpServer(yoga);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(http.address() as AddressInfo).port}/graphql`;
  const raw = new pg.Pool({ connectionString: url, max: 2 });
  try {
    const [{ newest }] = (await raw.query('SELECT max("createdAt") AS newest FROM "Ticket"')).rows as { newest: Date }[];
    const ranges = benchRanges(newest);
    const [{ server_version: version }] = (await raw.query('SHOW server_version')).rows as { server_version: string }[];
    process.stderr.write(
      `machine: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}, PostgreSQL ${version}\n`,
    );

    const graphql = async (q: KpiQuery) => {
      const response = await fetch(endpoint, {
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
    for (const q of KPI_QUERIES) {
      const diff = differences(q.fromGraphql(await graphql(q)), q.fromRaw(await sql(q)));
      if (diff.length > 0) throw new Error(`${q.name}: GraphQL and SQL answers differ:\n  ${diff.join('\n  ')}`);
      for (let i = 0; i < warmup; i++) {
        await graphql(q);
        await sql(q);
      }
      const timings: QueryTimings = { name: q.name, description: q.description, graphql: [], sql: [] };
      // Alternate the two sides so drift (cache, other load) hits both alike.
      for (let i = 0; i < iterations; i++) {
        if (i % 2 === 0) {
          timings.graphql.push(await time(() => graphql(q)));
          timings.sql.push(await time(() => sql(q)));
        } else {
          timings.sql.push(await time(() => sql(q)));
          timings.graphql.push(await time(() => graphql(q)));
        }
      }
      process.stderr.write(`${q.name}: answers agree; ${iterations} runs each\n`);
      results.push(timings);
    }
    process.stdout.write(`\n${timingTable(results)}\n`);
    return results;
  } finally {
    await raw.end();
    await new Promise((resolve) => http.close(resolve));
    await db.close();
  }
}
