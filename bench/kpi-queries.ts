/**
 * The dashboard queries the KPI benchmark times: each as a GraphQL document and as the
 * SQL a developer would write by hand for the same numbers, plus a function that reads
 * both answers into one comparable shape (so the run can check they agree).
 */

/** Ranges the queries use, aligned to UTC weeks and months before the newest ticket. */
export interface BenchRanges {
  weeks52: { from: Date; to: Date };
  months12: { from: Date; to: Date };
  days28: { from: Date; to: Date };
}

/** Comparable rows: a label (bucket/group) and its numbers. */
export type Comparable = Map<string, (number | null)[]>;

/** A statement of the hand-written side: SQL and positional parameters. */
export interface RawStatement {
  sql: string;
  params: (ranges: BenchRanges, previous: Record<string, unknown>[]) => unknown[];
}

/** One benchmark query. */
export interface KpiQuery {
  name: string;
  description: string;
  graphql: string;
  variables: (ranges: BenchRanges) => Record<string, unknown>;
  /** Run in order; each may use the rows of the previous one (a page, then its metrics). */
  raw: RawStatement[];
  /** Columns that are percentiles: from histogram rollups they may differ by RELATIVE_ERROR. */
  percentiles?: number[];
  fromGraphql: (data: any) => Comparable;
  fromRaw: (rows: Record<string, unknown>[]) => Comparable;
}

const DAY = 86_400_000;
const iso = (d: Date) => d.toISOString();
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const range = (r: { from: Date; to: Date }) => ({ from: iso(r.from), to: iso(r.to) });

/** Ranges ending at the UTC week / month start before `newest`. */
export function benchRanges(newest: Date): BenchRanges {
  const day = new Date(Date.UTC(newest.getUTCFullYear(), newest.getUTCMonth(), newest.getUTCDate()));
  const monday = new Date(day.getTime() - ((day.getUTCDay() + 6) % 7) * DAY);
  const month = new Date(Date.UTC(newest.getUTCFullYear(), newest.getUTCMonth(), 1));
  return {
    weeks52: { from: new Date(monday.getTime() - 52 * 7 * DAY), to: monday },
    months12: { from: new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() - 12, 1)), to: month },
    days28: { from: new Date(day.getTime() - 28 * DAY), to: day },
  };
}

export const KPI_QUERIES: KpiQuery[] = [
  {
    name: 'weekly-dashboard',
    description: "issue 16's dashboard: 52 weeks x created, solved, backlog, FRT median+p90, resolution median, CSAT, SLA attainment x2",
    graphql: `query WeeklyDashboard($range: DateTimeRange!) {
  timeSeries(range: $range, granularity: WEEK) {
    start label
    metrics {
      ticketsCreated ticketsSolved backlog
      firstResponseTime { median p90 } resolutionTime { median } csat { score }
      sla { firstResponse { attainment } resolution { attainment } }
    }
  }
}`,
    variables: (r) => ({ range: range(r.weeks52) }),
    percentiles: [3, 4, 5],
    raw: [
      {
        params: (r) => [iso(r.weeks52.from), iso(r.weeks52.to)],
        sql: `
WITH weeks AS (
  SELECT g AS week FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 week', interval '1 week') g
),
created AS (
  SELECT date_trunc('week', "createdAt") AS week, count(*) AS n
  FROM "Ticket" WHERE "createdAt" >= $1 AND "createdAt" < $2 GROUP BY 1
),
solved AS (
  SELECT date_trunc('week', "solvedAt") AS week, count(*) AS n,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM "solvedAt" - "createdAt")) AS resolution_median
  FROM "Ticket" WHERE "solvedAt" >= $1 AND "solvedAt" < $2 GROUP BY 1
),
first_response AS (
  SELECT date_trunc('week', "firstResponseAt") AS week,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM "firstResponseAt" - "createdAt")) AS median,
         percentile_cont(0.9) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM "firstResponseAt" - "createdAt")) AS p90
  FROM "Ticket" WHERE "firstResponseAt" >= $1 AND "firstResponseAt" < $2 GROUP BY 1
),
csat AS (
  SELECT date_trunc('week', "createdAt") AS week,
         100.0 * count(*) FILTER (WHERE score >= 4) / count(*) AS score
  FROM "Feedback" WHERE kind = 'CSAT' AND "createdAt" >= $1 AND "createdAt" < $2 GROUP BY 1
),
sla_fr AS (
  SELECT date_trunc('week', LEAST("firstResponseAt", "solvedAt", "firstResponseDueAt")) AS week,
         (count(*) FILTER (WHERE LEAST("firstResponseAt", "solvedAt") <= "firstResponseDueAt"))::float8 / count(*) AS attainment
  FROM "Ticket"
  WHERE "firstResponseDueAt" >= $1 AND LEAST("firstResponseAt", "solvedAt", "firstResponseDueAt") >= $1
    AND LEAST("firstResponseAt", "solvedAt", "firstResponseDueAt") < $2 AND LEAST("firstResponseAt", "solvedAt", "firstResponseDueAt") <= now()
  GROUP BY 1
),
sla_res AS (
  SELECT date_trunc('week', LEAST("solvedAt", "resolutionDueAt")) AS week,
         (count(*) FILTER (WHERE "solvedAt" <= "resolutionDueAt"))::float8 / count(*) AS attainment
  FROM "Ticket"
  WHERE "resolutionDueAt" >= $1 AND LEAST("solvedAt", "resolutionDueAt") >= $1
    AND LEAST("solvedAt", "resolutionDueAt") < $2 AND LEAST("solvedAt", "resolutionDueAt") <= now()
  GROUP BY 1
),
open_before AS (
  SELECT (SELECT count(*) FROM "Ticket" WHERE "createdAt" < $1 AND "solvedAt" IS NULL)
       + (SELECT count(*) FROM "Ticket" WHERE "createdAt" < $1 AND "solvedAt" >= $1) AS n
)
SELECT w.week, COALESCE(c.n, 0) AS created, COALESCE(s.n, 0) AS solved,
       (SELECT n FROM open_before) + sum(COALESCE(c.n, 0) - COALESCE(s.n, 0)) OVER (ORDER BY w.week) AS backlog,
       f.median, f.p90, s.resolution_median, cs.score, fr.attainment AS fr_attainment, rs.attainment AS res_attainment
FROM weeks w
LEFT JOIN created c USING (week) LEFT JOIN solved s USING (week)
LEFT JOIN first_response f USING (week) LEFT JOIN csat cs USING (week)
LEFT JOIN sla_fr fr USING (week) LEFT JOIN sla_res rs USING (week)
ORDER BY w.week`,
      },
    ],
    fromGraphql: (data) =>
      new Map(
        data.timeSeries.map((b: any) => [
          new Date(b.start).toISOString(),
          [
            b.metrics.ticketsCreated, b.metrics.ticketsSolved, b.metrics.backlog,
            b.metrics.firstResponseTime.median, b.metrics.firstResponseTime.p90, b.metrics.resolutionTime.median,
            b.metrics.csat.score, b.metrics.sla.firstResponse.attainment, b.metrics.sla.resolution.attainment,
          ],
        ]),
      ),
    fromRaw: (rows) =>
      new Map(
        rows.map((r) => [
          new Date(r.week as string).toISOString(),
          [
            num(r.created), num(r.solved), num(r.backlog), num(r.median), num(r.p90), num(r.resolution_median),
            num(r.score), num(r.fr_attainment), num(r.res_attainment),
          ],
        ]),
      ),
  },
  {
    name: 'weekly-series',
    description: 'timeSeries: 52 weekly buckets x 6 metrics',
    graphql: `query Weekly($range: DateTimeRange!) {
  timeSeries(range: $range, granularity: WEEK) {
    start label
    metrics { ticketsCreated ticketsSolved backlog firstResponseTime { median } resolutionTime { avg } csat { score } }
  }
}`,
    variables: (r) => ({ range: range(r.weeks52) }),
    percentiles: [3],
    raw: [
      {
        params: (r) => [iso(r.weeks52.from), iso(r.weeks52.to)],
        sql: `
WITH weeks AS (
  SELECT g AS week FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 week', interval '1 week') g
),
created AS (
  SELECT date_trunc('week', "createdAt") AS week, count(*) AS n
  FROM "Ticket" WHERE "createdAt" >= $1 AND "createdAt" < $2 GROUP BY 1
),
solved AS (
  SELECT date_trunc('week', "solvedAt") AS week, count(*) AS n,
         avg(EXTRACT(EPOCH FROM "solvedAt" - "createdAt")) AS resolution_avg
  FROM "Ticket" WHERE "solvedAt" >= $1 AND "solvedAt" < $2 GROUP BY 1
),
first_response AS (
  SELECT date_trunc('week', "firstResponseAt") AS week,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM "firstResponseAt" - "createdAt")) AS median
  FROM "Ticket" WHERE "firstResponseAt" >= $1 AND "firstResponseAt" < $2 GROUP BY 1
),
csat AS (
  SELECT date_trunc('week', "createdAt") AS week,
         100.0 * count(*) FILTER (WHERE score >= 4) / count(*) AS score
  FROM "Feedback" WHERE kind = 'CSAT' AND "createdAt" >= $1 AND "createdAt" < $2 GROUP BY 1
),
open_before AS (
  SELECT count(*) AS n FROM "Ticket" WHERE "createdAt" < $1 AND ("solvedAt" IS NULL OR "solvedAt" >= $1)
)
SELECT w.week, COALESCE(c.n, 0) AS created, COALESCE(s.n, 0) AS solved,
       (SELECT n FROM open_before) + sum(COALESCE(c.n, 0) - COALESCE(s.n, 0)) OVER (ORDER BY w.week) AS backlog,
       f.median, s.resolution_avg, cs.score
FROM weeks w
LEFT JOIN created c USING (week) LEFT JOIN solved s USING (week)
LEFT JOIN first_response f USING (week) LEFT JOIN csat cs USING (week)
ORDER BY w.week`,
      },
    ],
    fromGraphql: (data) =>
      new Map(
        data.timeSeries.map((b: any) => [
          new Date(b.start).toISOString(),
          [b.metrics.ticketsCreated, b.metrics.ticketsSolved, b.metrics.backlog, b.metrics.firstResponseTime.median, b.metrics.resolutionTime.avg, b.metrics.csat.score],
        ]),
      ),
    fromRaw: (rows) =>
      new Map(
        rows.map((r) => [
          new Date(r.week as string).toISOString(),
          [num(r.created), num(r.solved), num(r.backlog), num(r.median), num(r.resolution_avg), num(r.score)],
        ]),
      ),
  },
  {
    name: 'team-by-month',
    description: 'breakdown: by TEAM x 12 months, 4 metrics + team names',
    graphql: `query TeamMonths($range: DateTimeRange!) {
  breakdown(by: [TEAM], range: $range, granularity: MONTH) {
    key { team { name } }
    buckets { label metrics { ticketsCreated ticketsSolved firstResponseTime { median } csat { score } } }
  }
}`,
    variables: (r) => ({ range: range(r.months12) }),
    percentiles: [2],
    raw: [
      {
        params: (r) => [iso(r.months12.from), iso(r.months12.to)],
        sql: `
WITH months AS (
  SELECT g AS month FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 month', interval '1 month') g
),
created AS (
  SELECT "teamId" AS team, date_trunc('month', "createdAt") AS month, count(*) AS n
  FROM "Ticket" WHERE "createdAt" >= $1 AND "createdAt" < $2 GROUP BY 1, 2
),
solved AS (
  SELECT "teamId" AS team, date_trunc('month', "solvedAt") AS month, count(*) AS n
  FROM "Ticket" WHERE "solvedAt" >= $1 AND "solvedAt" < $2 GROUP BY 1, 2
),
first_response AS (
  SELECT "teamId" AS team, date_trunc('month', "firstResponseAt") AS month,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM "firstResponseAt" - "createdAt")) AS median
  FROM "Ticket" WHERE "firstResponseAt" >= $1 AND "firstResponseAt" < $2 GROUP BY 1, 2
),
csat AS (
  SELECT CASE WHEN f."ticketId" IS NULL THEN a."teamId" ELSE t."teamId" END AS team,
         date_trunc('month', f."createdAt") AS month,
         100.0 * count(*) FILTER (WHERE f.score >= 4) / count(*) AS score
  FROM "Feedback" f LEFT JOIN "Ticket" t ON t.id = f."ticketId" LEFT JOIN "Agent" a ON a.id = f."agentId"
  WHERE f.kind = 'CSAT' AND f."createdAt" >= $1 AND f."createdAt" < $2 GROUP BY 1, 2
),
teams AS (SELECT team FROM created UNION SELECT team FROM solved UNION SELECT team FROM first_response UNION SELECT team FROM csat)
SELECT tm.team, tt.name, m.month, COALESCE(c.n, 0) AS created, COALESCE(s.n, 0) AS solved, fr.median, cs.score
FROM teams tm CROSS JOIN months m
LEFT JOIN "Team" tt ON tt.id = tm.team
LEFT JOIN created c ON c.team IS NOT DISTINCT FROM tm.team AND c.month = m.month
LEFT JOIN solved s ON s.team IS NOT DISTINCT FROM tm.team AND s.month = m.month
LEFT JOIN first_response fr ON fr.team IS NOT DISTINCT FROM tm.team AND fr.month = m.month
LEFT JOIN csat cs ON cs.team IS NOT DISTINCT FROM tm.team AND cs.month = m.month
ORDER BY tm.team NULLS LAST, m.month`,
      },
    ],
    fromGraphql: (data) => {
      const out: Comparable = new Map();
      for (const g of data.breakdown) {
        g.buckets.forEach((b: any, i: number) =>
          out.set(`${g.key.team?.name ?? '-'} #${i}`, [b.metrics.ticketsCreated, b.metrics.ticketsSolved, b.metrics.firstResponseTime.median, b.metrics.csat.score]),
        );
      }
      return out;
    },
    fromRaw: (rows) => {
      const out: Comparable = new Map();
      const seen = new Map<string, number>();
      for (const r of rows) {
        const team = (r.name as string | null) ?? '-';
        const i = seen.get(team) ?? 0;
        seen.set(team, i + 1);
        out.set(`${team} #${i}`, [num(r.created), num(r.solved), num(r.median), num(r.score)]);
      }
      return out;
    },
  },
  {
    name: 'agent-page',
    description: 'agents(first: 50) with metrics over 28 days (2 statements each side)',
    graphql: `query AgentPage($range: DateTimeRange!) {
  agents(first: 50) {
    nodes { name metrics(range: $range) { ticketsSolved firstResponseTime { median } csat { score } } }
  }
}`,
    variables: (r) => ({ range: range(r.days28) }),
    percentiles: [1],
    raw: [
      { params: () => [], sql: 'SELECT id, name FROM "Agent" ORDER BY name, id LIMIT 50' },
      {
        params: (r, page) => [iso(r.days28.from), iso(r.days28.to), page.map((row) => row.id)],
        // Per-agent attribution as metrics.md defines it (section "Agents"): a
        // solve belongs to the assignee at solve time ("solvedById"), a first response to
        // the author of the first public reply ("firstResponderId"), CSAT to the ticket's
        // current assignee. Both columns are derived from events on ingest; the seed
        // derives them for every ticket. (Crediting first responses to the current
        // assignee moved ~6 % of them to the wrong agent.)
        sql: `
WITH page AS (SELECT id, ord FROM unnest($3::int[]) WITH ORDINALITY AS p(id, ord)),
solved AS (
  SELECT "solvedById" AS id, count(*) AS n FROM "Ticket"
  WHERE "solvedById" = ANY($3) AND "solvedAt" >= $1 AND "solvedAt" < $2 GROUP BY 1
),
first_response AS (
  SELECT "firstResponderId" AS id,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM "firstResponseAt" - "createdAt")) AS median
  FROM "Ticket" WHERE "firstResponderId" = ANY($3) AND "firstResponseAt" >= $1 AND "firstResponseAt" < $2 GROUP BY 1
),
csat AS (
  SELECT CASE WHEN f."ticketId" IS NULL THEN f."agentId" ELSE t."assigneeId" END AS id,
         100.0 * count(*) FILTER (WHERE f.score >= 4) / count(*) AS score
  FROM "Feedback" f LEFT JOIN "Ticket" t ON t.id = f."ticketId"
  WHERE f.kind = 'CSAT' AND f."createdAt" >= $1 AND f."createdAt" < $2 GROUP BY 1
)
SELECT p.id, COALESCE(s.n, 0) AS solved, fr.median, c.score
FROM page p LEFT JOIN solved s USING (id) LEFT JOIN first_response fr USING (id) LEFT JOIN csat c USING (id)
ORDER BY p.ord`,
      },
    ],
    fromGraphql: (data) => new Map(data.agents.nodes.map((a: any, i: number) => [`#${i}`, [a.metrics.ticketsSolved, a.metrics.firstResponseTime.median, a.metrics.csat.score]])),
    fromRaw: (rows) => new Map(rows.map((r, i) => [`#${i}`, [num(r.solved), num(r.median), num(r.score)]])),
  },
];

/**
 * Differences between two comparable answers (relative tolerance 1e-6; `loose` columns,
 * percentiles from histograms, within `looseTolerance` relative), at most `max` of them.
 */
export function differences(a: Comparable, b: Comparable, max = 5, loose: number[] = [], looseTolerance = 0): string[] {
  const out: string[] = [];
  const keys = new Set([...a.keys(), ...b.keys()]);
  for (const key of keys) {
    const x = a.get(key);
    const y = b.get(key);
    const same =
      x !== undefined &&
      y !== undefined &&
      x.length === y.length &&
      x.every((v, i) =>
        v === null || y[i] === null
          ? v === y[i]
          : Math.abs(v - (y[i] as number)) <= (loose.includes(i) ? looseTolerance : 1e-6) * Math.max(1, Math.abs(y[i] as number)),
      );
    if (!same) out.push(`${key}: graphql ${JSON.stringify(x)} vs sql ${JSON.stringify(y)}`);
    if (out.length >= max) break;
  }
  return out;
}
