import { Prisma } from '../../generated/prisma/client.ts';
import type { OpenOverride, OpenOverrideInput, SourceOverride, SourceOverrideInput } from '../compile.ts';
import type { TicketFilterSpec } from '../filter.ts';
import { feedbackKinds } from '../registry.ts';
import { binValueSql, FEEDBACK_KIND_COLUMN, HOUR_MS, ROLLUP_COLUMNS, ROLLUP_SOURCES, SHARED_METRIC, type QuantileRollup } from './definition.ts';

/** How the engine may use rollups for one request. */
export interface RollupPlanOptions {
  /** Percentiles exactly (raw path for the sources that have them); counts and sums stay on rollups, they are exact. */
  exact?: boolean;
}

const iso = (d: Date) => d.toISOString();
const join = (parts: readonly Prisma.Sql[], separator: string): Prisma.Sql =>
  parts.length === 0 ? Prisma.empty : Prisma.join([...parts], separator);

/**
 * The statement's guard against rollup rows a deferred import has not rebuilt yet
 * (migration 0013): a one-time check that raises ROLLUPS_PENDING_SQLSTATE when an hour
 * before `to` is pending, so the engine answers again from the rows. Every span a range
 * reads lies before its end, and its backlog counts everything before its start, so no
 * later hour matters. An empty "RollupPending" costs one index probe, not a statement.
 */
const rollupsCurrent = (to: Date) => Prisma.sql`supportgraph_rollups_current(${iso(to)}::timestamptz)`;

/** The SQLSTATE of supportgraph_rollups_current's error. */
export const ROLLUPS_PENDING_SQLSTATE = 'SGR01';

/** True when a statement failed because rollup rows it read were pending a rebuild. */
export function isRollupsPendingError(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message} ${JSON.stringify((error as { meta?: unknown }).meta ?? null)}` : String(error);
  return text.includes(ROLLUPS_PENDING_SQLSTATE) || text.includes('supportgraph: rollup rows pending');
}

/** True when the filter holds nothing a rollup row does not carry (rollups are keyed by team only). */
export function filterCoveredByRollups(filter: TicketFilterSpec | null | undefined): boolean {
  if (!filter) return true;
  const lists = [filter.channels, filter.priorities, filter.statuses, filter.categoryIds, filter.agentIds, filter.customerIds, filter.tags];
  return lists.every((list) => !list || list.length === 0) && !filter.createdAt && !filter.createdLocal;
}

const DAY_MS = 24 * HOUR_MS;
const WEEK_MS = 7 * DAY_MS;
// Monday 1970-01-05 00:00 UTC: weeks of grain 2 start 4 days after the epoch, modulo 7 days.
const MONDAY_MS = 4 * DAY_MS;
const mod = (a: number, m: number) => ((a % m) + m) % m;

/** A piece of a bucket answered by one span row: grain 0 a UTC hour (all teams only), 1 a UTC day, 2 a Monday-based UTC week. */
export interface SpanPiece {
  grain: 0 | 1 | 2;
  start: number;
  /** The bucket number (1-based; 0 = range totals). */
  b: number;
  /** -1: the row's counts are taken away (an hour outside the bucket, of a day counted whole). Absent: added. */
  sign?: -1;
}

/** A run of whole UTC hours of a bucket, answered by the hourly rows `[lo, hi)`. */
export interface HourPiece {
  lo: number;
  hi: number;
  b: number;
}

/** How rollup rows cover a set of buckets: the fewest span rows, hourly rows at the edges. */
export interface Cover {
  spans: SpanPiece[];
  hours: HourPiece[];
}

/**
 * Cuts `[from, to)` (whole UTC hours) into whole UTC weeks, whole UTC days and runs of
 * hours, largest first: hours up to the first midnight, days up to the first Monday,
 * weeks while they fit, then days and hours again. Every piece lies inside the interval,
 * so its rows belong to bucket `b` exactly (whole-hour zones only: the caller checks).
 */
export function coverInterval(from: number, to: number, b: number, out: Cover = { spans: [], hours: [] }): Cover {
  let t = from;
  while (t < to) {
    if (mod(t, DAY_MS) === 0) {
      if (mod(t - MONDAY_MS, WEEK_MS) === 0 && t + WEEK_MS <= to) {
        out.spans.push({ grain: 2, start: t, b });
        t += WEEK_MS;
        continue;
      }
      if (t + DAY_MS <= to) {
        out.spans.push({ grain: 1, start: t, b });
        t += DAY_MS;
        continue;
      }
    }
    const next = Math.min(to, t - mod(t, DAY_MS) + DAY_MS);
    const last = out.hours[out.hours.length - 1];
    if (last && last.hi === t && last.b === b) last.hi = next;
    else out.hours.push({ lo: t, hi: next, b });
    t = next;
  }
  return out;
}

/**
 * The cover of every bucket clipped to `[from, to)`; with `totals` every piece again as
 * bucket 0; with `allTeams` the hours as span rows of grain 0 (which exist for all teams only).
 * With `complement` too (histogram counts, which subtract exactly; a min or max would
 * not), a run of k hours of one UTC day with 25 − k < k is read as the whole day minus its
 * other 24 − k hours: a weekly bucket in Europe/Berlin then reads 3 pieces at its edges
 * instead of 24, one in America/New_York 11.
 */
export function coverBuckets(
  buckets: readonly { start: Date; end: Date }[],
  from: Date,
  to: Date,
  options: { totals: boolean; allTeams: boolean; complement?: boolean },
): Cover {
  const out: Cover = { spans: [], hours: [] };
  buckets.forEach((bucket, i) => {
    const lo = Math.max(bucket.start.getTime(), from.getTime());
    const hi = Math.min(bucket.end.getTime(), to.getTime());
    if (lo < hi) coverInterval(lo, hi, buckets.length > 1 ? i + 1 : 1, out);
  });
  if (options.allTeams) {
    const hours = (lo: number, hi: number, b: number, sign?: -1) => {
      for (let t = lo; t < hi; t += HOUR_MS) out.spans.push(sign ? { grain: 0, start: t, b, sign } : { grain: 0, start: t, b });
    };
    for (const run of out.hours) {
      // Day by day: a run may go on past midnight.
      for (let lo = run.lo; lo < run.hi; ) {
        const day = lo - mod(lo, DAY_MS);
        const hi = Math.min(run.hi, day + DAY_MS);
        const k = (hi - lo) / HOUR_MS;
        if (options.complement && 25 - k < k) {
          out.spans.push({ grain: 1, start: day, b: run.b });
          hours(day, lo, run.b, -1);
          hours(hi, day + DAY_MS, run.b, -1);
        } else hours(lo, hi, run.b);
        lo = hi;
      }
    }
    out.hours = [];
  }
  const totals = options.totals;
  if (totals) {
    out.spans.push(...out.spans.map((p) => ({ ...p, b: 0 })));
    out.hours.push(...out.hours.map((p) => ({ ...p, b: 0 })));
  }
  return out;
}

const isoMs = (ms: number) => new Date(ms).toISOString();
/** The span pieces as a relation p(grain, start, b, sign). */
const spanRelation = (spans: SpanPiece[]) =>
  Prisma.sql`unnest(${spans.map((p) => p.grain)}::int[], ${spans.map((p) => isoMs(p.start))}::timestamptz[], ${spans.map((p) => p.b)}::int[], ${spans.map((p) => p.sign ?? 1)}::int[]) AS p(grain, start, b, sign)`;
/**
 * The hours of the runs as a relation p(hour, b), one row per hour: joined by equality,
 * the planner estimates the rows right (a range join it guessed 100× too high, and went
 * parallel for a few thousand rows).
 */
const hourRelation = (hours: HourPiece[]) => {
  const starts: string[] = [];
  const bs: number[] = [];
  for (const run of hours) {
    for (let t = run.lo; t < run.hi; t += HOUR_MS) {
      starts.push(isoMs(t));
      bs.push(run.b);
    }
  }
  return {
    relation: Prisma.sql`unnest(${starts}::timestamptz[], ${bs}::int[]) AS p(hour, b)`,
    // Repeated as an index condition on the rows: joined alone, the planner hashed every
    // row of the source instead of probing the few thousand hours.
    where: Prisma.sql`r."hour" = ANY(${[...new Set(starts)]}::timestamptz[])`,
  };
};

/** Which team rows a request reads: the all-teams span rows, or team rows under conditions. */
interface TeamRule {
  /** No team condition and no TEAM key: span rows of teamId -1, hourly rows of every team. */
  all: boolean;
  keyed: boolean;
  /** Conditions on a team column (empty when `all`). */
  conditions: (column: Prisma.Sql) => Prisma.Sql[];
}

function teamRule(input: SourceOverrideInput['input']): TeamRule {
  const keyed = input.dimensions.length === 1;
  const conditions = (column: Prisma.Sql): Prisma.Sql[] => {
    const out: Prisma.Sql[] = [];
    // Team 0 in a rollup row means "no team", which no team id of a filter matches.
    if (input.filter?.teamIds?.length) out.push(Prisma.sql`${column} = ANY(${input.filter.teamIds}::int[]) AND ${column} > 0`);
    if (input.scope.teamIds !== null) out.push(Prisma.sql`${column} = ANY(${input.scope.teamIds}::int[]) AND ${column} > 0`);
    if (input.keys) out.push(Prisma.sql`${column} = ANY(${[...input.keys]}::int[])`);
    return out;
  };
  const all = !keyed && conditions(Prisma.raw('x')).length === 0;
  return { all, keyed, conditions };
}

/** Team conditions on span rows `alias` (which also hold the all-teams rows, teamId -1). */
const spanTeams = (rule: TeamRule, alias = 'r'): Prisma.Sql[] => {
  const column = Prisma.raw(`${alias}."teamId"`);
  return rule.all ? [Prisma.sql`${column} = -1`] : [Prisma.sql`${column} >= 0`, ...rule.conditions(column)];
};
const hourTeams = (rule: TeamRule): Prisma.Sql[] => rule.conditions(Prisma.sql`r."teamId"`);

/**
 * The planner's rule, "can a rollup answer this source?": every bucket boundary is a
 * whole UTC hour (so zones with :30/:45 offsets, and ranges starting mid-hour, go raw),
 * the filter and dimensions use nothing but teams, and every measure asked of the source
 * has a rollup form (new registry metrics without one keep the whole source raw).
 * Each bucket is read from the fewest rows that cover it exactly: weekly and daily span
 * rows (all teams together when nothing asks for teams), hourly rows at its edges.
 * Percentiles come from histograms unless `exact`. Returns the CTE body, or null.
 */
export function rollupCte(request: SourceOverrideInput, options: RollupPlanOptions = {}): Prisma.Sql | null {
  const def = ROLLUP_SOURCES[request.source];
  const { input } = request;
  if (!def) return null;
  if (!input.buckets.every((b) => b.start.getTime() % HOUR_MS === 0 && b.end.getTime() % HOUR_MS === 0)) return null;
  if (!filterCoveredByRollups(input.filter)) return null;
  if (!input.dimensions.every((d) => d === 'TEAM')) return null;
  const plans = request.measures.map((m) => (m.role === 'value' ? def.measures[m.entry.path] : { kind: 'stock' as const }));
  if (plans.some((p) => p === undefined || (options.exact && p.kind === 'quantile'))) return null;

  const from = input.range.from;
  let to = input.range.to;
  // SLA rows are decided by "now": whole hours before it come from the rollup, the rest
  // (the current hour onwards) from the rows, as the raw path reads them.
  const cut = new Date(Math.floor(input.now.getTime() / HOUR_MS) * HOUR_MS);
  let tail: Prisma.Sql | null = null;
  const rule = teamRule(input);
  const { keyed } = rule;
  if (def.decision) {
    if (cut.getTime() <= from.getTime()) return null;
    if (cut.getTime() < to.getTime()) {
      const { fulfilled, due } = def.decision;
      const decided = Prisma.sql`LEAST(${fulfilled}, ${due})`;
      const lo = Prisma.sql`${iso(cut)}::timestamptz`;
      const cols = ROLLUP_COLUMNS.map((c) =>
        c === 'n' ? Prisma.sql`1::bigint AS "n"` : c === 'c1' ? Prisma.sql`(${fulfilled} IS NOT NULL AND ${fulfilled} <= ${due})::int::bigint AS "c1"` : Prisma.raw(`NULL::${c.endsWith('min') || c.endsWith('max') ? 'float8' : 'bigint'} AS "${c}"`),
      );
      tail = Prisma.sql`SELECT ${join([...(keyed ? [Prisma.sql`t."teamId" AS k1`] : []), Prisma.sql`${request.bucketOf(decided)} AS b`, ...cols], ', ')}
    FROM "Ticket" t
    WHERE ${due} >= ${lo} AND ${decided} >= ${lo} AND ${decided} < ${iso(to)}::timestamptz AND ${decided} <= ${iso(input.now)}::timestamptz
      ${join(rule.conditions(Prisma.sql`t."teamId"`).map((c) => Prisma.sql`AND ${c}`), ' ')}`;
      to = cut;
    }
  }

  const keyCol = keyed ? [Prisma.raw('k1')] : [];
  const groupBy = (extra: Prisma.Sql[]) => {
    const inner = join([...keyCol, Prisma.raw('b'), ...extra], ', ');
    if (!request.totals) return Prisma.sql`GROUP BY ${inner}`;
    const outer = [...keyCol, ...extra];
    return Prisma.sql`GROUP BY GROUPING SETS ((${inner}), (${join(outer, ', ')}))`;
  };
  const keySelect = keyed ? [Prisma.sql`NULLIF(r."teamId", 0) AS k1`] : [];
  const kinds = request.source === 'feedback' ? feedbackKinds(request.measures.map((m) => m.entry.path)) : [];
  // The raw path reads only the survey kinds asked for, so a group exists only with those.
  const kindFilter = kinds.length > 0 ? [Prisma.sql`(${join(kinds.map((k) => Prisma.raw(`r."${FEEDBACK_KIND_COLUMN[k]}" > 0`)), ' OR ')})`] : [];
  const cover = coverBuckets(input.buckets, from, to, { totals: false, allTeams: rule.all });
  const columns = ROLLUP_COLUMNS.map((c) => Prisma.raw(`r."${c}"`));
  const parts: Prisma.Sql[] = [];
  if (cover.spans.length > 0) {
    const where = [Prisma.sql`r."source" = ${def.code}::int`, ...spanTeams(rule), ...kindFilter];
    parts.push(Prisma.sql`SELECT ${join([...keySelect, Prisma.sql`p.b AS b`, ...columns], ', ')}
    FROM ${spanRelation(cover.spans)} JOIN "RollupSpan" r ON r."grain" = p.grain AND r."start" = p.start
    WHERE ${join(where, ' AND ')}`);
  }
  if (cover.hours.length > 0) {
    const hours = hourRelation(cover.hours);
    const where = [Prisma.sql`r."source" = ${def.code}::int`, hours.where, ...hourTeams(rule), ...kindFilter];
    parts.push(Prisma.sql`SELECT ${join([...keySelect, Prisma.sql`p.b AS b`, ...columns], ', ')}
    FROM ${hours.relation} JOIN "RollupHour" r ON r."hour" = p.hour
    WHERE ${join(where, ' AND ')}`);
  }
  if (tail) parts.push(tail);
  if (parts.length === 0) return null;

  const ctes: Prisma.Sql[] = [Prisma.sql`r0 AS (${join(parts, '\n    UNION ALL ')})`];
  const additive: Prisma.Sql[] = [];
  const quantiles = new Map<number, { index: number; q: number; d: string }[]>();
  request.measures.forEach((m, i) => {
    const plan = plans[i];
    const col = Prisma.raw(`m${m.index}`);
    if (m.role === 'enter') additive.push(Prisma.sql`${def.count} AS ${col}`);
    else if (m.role === 'leave') additive.push(Prisma.sql`(-(${def.count}))::int AS ${col}`);
    else if (plan?.kind === 'additive') additive.push(Prisma.sql`${plan.sql} AS ${col}`);
    else if (plan?.kind === 'quantile') {
      const q = plan as QuantileRollup;
      quantiles.set(q.metric, [...(quantiles.get(q.metric) ?? []), { index: m.index, q: q.q, d: q.d }]);
    }
  });
  // The exact min and max of each duration with percentiles: estimates are clamped to them.
  const bounds = [...new Set([...quantiles.values()].flat().map((w) => w.d))].flatMap((d) => [
    Prisma.raw(`min(r."${d}min") AS ${d}_lo`),
    Prisma.raw(`max(r."${d}max") AS ${d}_hi`),
  ]);
  ctes.push(Prisma.sql`a AS (SELECT ${join([...keyCol, Prisma.raw('COALESCE(b, 0) AS b'), ...additive, ...bounds], ', ')} FROM r0 r WHERE ${rollupsCurrent(input.range.to)} ${groupBy([])})`);

  const select: Prisma.Sql[] = [...keyCol.map((k) => Prisma.sql`a.${k}`), Prisma.raw('a.b'), ...request.measures.filter((m, i) => plans[i]?.kind !== 'quantile').map((m) => Prisma.raw(`a.m${m.index}`))];
  const joins: Prisma.Sql[] = [];
  if (quantiles.size > 0) {
    // Percentiles read their pieces per bucket, with bucket 0 (totals) as pieces of its own.
    const qcover = coverBuckets(input.buckets, from, to, { totals: request.totals, allTeams: rule.all, complement: true });
    for (const [metric, wanted] of quantiles) {
      ctes.push(...quantileCtes(metric, wanted, qcover, rule, def.code));
      const q = Prisma.raw(`q${metric}`);
      for (const { index, d } of wanted) select.push(Prisma.raw(`LEAST(GREATEST(q${metric}.m${index}, a.${d}_lo), a.${d}_hi) AS m${index}`));
      joins.push(Prisma.sql`LEFT JOIN ${q} ON ${q}.b = a.b${keyed ? Prisma.sql` AND ${q}.k1 IS NOT DISTINCT FROM a.k1` : Prisma.empty}`);
    }
  }
  return Prisma.sql`WITH ${join(ctes, ',\n  ')}
  SELECT ${join(select, ', ')} FROM a ${join(joins, ' ')}`;
}

/**
 * The CTEs of one histogram metric's percentiles, q<metric>(k1?, b, m<index>…), in two
 * steps so a bucket reads a few dozen rows instead of every fine bin: the coarse bins
 * (16 fine bins each) of the bucket's pieces give each wanted rank's coarse bin and its
 * rank inside it; then only the fine bins of those coarse bins are read (index range
 * probes per piece). Hourly edge pieces have no coarse rows: their fine rows are read
 * once and coarsened on the fly. The answer equals percentile_cont over the merged fine
 * histogram: position q·(N−1) interpolated between the representatives of the bins
 * holding its floor and ceiling ranks.
 */
function quantileCtes(metric: number, wanted: { index: number; q: number }[], cover: Cover, rule: TeamRule, source: number): Prisma.Sql[] {
  const name = (prefix: string) => Prisma.raw(`${prefix}${metric}`);
  const [hh, hc, cc, tg, pr, fl, fc, pv, q] = ['hh', 'hc', 'cc', 'tg', 'pr', 'fl', 'fc', 'pv', 'q'].map(name);
  // Inside, a keyed request carries the raw team id `tk` (0 = no team), so joins need no null logic.
  const tk = rule.keyed ? [Prisma.raw('tk')] : [];
  const tkOf = (alias: string) => (rule.keyed ? [Prisma.raw(`${alias}.tk`)] : []);
  const on = (a: string, b: string) => (rule.keyed ? Prisma.raw(` AND ${a}.tk = ${b}.tk`) : Prisma.empty);
  const rTk = rule.keyed ? [Prisma.sql`r."teamId" AS tk`] : [];
  // Its own rows and the ones it shares with its twin, summed per bin below.
  const metrics = Prisma.sql`(${metric}::int, ${SHARED_METRIC[metric]}::int)`;
  const out: Prisma.Sql[] = [];
  const hasHours = cover.hours.length > 0;
  const hasSpans = cover.spans.length > 0;
  if (hasHours) {
    const hours = hourRelation(cover.hours);
    out.push(Prisma.sql`${hh} AS MATERIALIZED (
      SELECT ${join([...rTk, Prisma.raw('p.b'), Prisma.raw('r."bin" AS bin'), Prisma.raw('sum(r."n") AS n')], ', ')}
      FROM ${hours.relation} JOIN "RollupHistogram" r ON r."hour" = p.hour
      WHERE ${join([Prisma.sql`r."metric" IN ${metrics}`, hours.where, ...hourTeams(rule)], ' AND ')}
      GROUP BY ${join([...(rule.keyed ? [Prisma.raw('r."teamId"')] : []), Prisma.raw('p.b'), Prisma.raw('r."bin"')], ', ')})`);
  }
  const coarseParts: Prisma.Sql[] = [];
  if (hasSpans) {
    const cols = join([...rTk, Prisma.raw('p.b'), Prisma.raw('r."bin" AS cbin'), Prisma.raw('r."n" * p.sign AS n')], ', ');
    if (rule.all) {
      coarseParts.push(Prisma.sql`SELECT ${cols}
        FROM ${spanRelation(cover.spans)} JOIN "RollupSpanHistogram" r ON r."grain" = p.grain AND r."start" = p.start
        WHERE ${join([Prisma.sql`r."metric" IN ${metrics}`, Prisma.sql`r."level" = 1`, ...spanTeams(rule)], ' AND ')}`);
    } else {
      // Per team, the primary key (metric, grain, level, teamId, start, bin) is probed by
      // an equal "teamId": a range on it (teamId >= 0: every team) leaves "start" out of
      // the index condition, and PostgreSQL read the whole table (6.2 M rows at 1 M
      // tickets, for ~24 k coarse rows), whose cost also made it JIT-compile the statement.
      // The teams of each piece are those of its "RollupSpan" rows of the same source (a
      // histogram row always has one): a few thousand rows, then one probe per team and piece.
      coarseParts.push(Prisma.sql`SELECT ${cols}
        FROM ${spanRelation(cover.spans)}
        JOIN "RollupSpan" s ON s."source" = ${source}::int AND s."grain" = p.grain AND s."start" = p.start
        JOIN "RollupSpanHistogram" r ON r."metric" IN ${metrics} AND r."grain" = p.grain AND r."level" = 1 AND r."teamId" = s."teamId" AND r."start" = p.start
        WHERE ${join(spanTeams(rule, 's'), ' AND ')}`);
    }
  }
  if (hasHours) coarseParts.push(Prisma.sql`SELECT ${join([...tk, Prisma.raw('b'), Prisma.raw('bin >> 4 AS cbin'), Prisma.raw('n')], ', ')} FROM ${hh}`);
  const kb = join([...tk, Prisma.raw('b')], ', ');
  // float8 counts from here on (exact below 2^53): sums of bigint are numeric, and the
  // running sums and rank comparisons over numeric were a fifth of a dashboard's time.
  out.push(Prisma.sql`${hc} AS (SELECT ${kb}, cbin, sum(n)::float8 AS n FROM (${join(coarseParts, ' UNION ALL ')}) x GROUP BY ${kb}, cbin)`);
  out.push(Prisma.sql`${cc} AS (SELECT ${kb}, cbin, n, sum(n) OVER (PARTITION BY ${kb} ORDER BY cbin) AS cum,
      (sum(n) OVER (PARTITION BY ${kb}))::float8 - 1 AS last FROM ${hc})`);
  // Two ranks per percentile: floor and ceiling of q·(N−1).
  const ranks = wanted.flatMap(({ q: p }, i) => [
    Prisma.sql`(${Prisma.raw(String(2 * i))}, floor(${p}::float8 * c.last))`,
    Prisma.sql`(${Prisma.raw(String(2 * i + 1))}, ceil(${p}::float8 * c.last))`,
  ]);
  out.push(Prisma.sql`${tg} AS (SELECT ${join([...tkOf('c'), Prisma.raw('c.b'), Prisma.raw('c.last'), Prisma.raw('rk.j'), Prisma.raw('c.cbin'), Prisma.raw('rk.rank - (c.cum - c.n) AS rest')], ', ')}
      FROM ${cc} c CROSS JOIN LATERAL (VALUES ${join(ranks, ', ')}) rk(j, rank)
      WHERE c.cum - c.n <= rk.rank AND rk.rank < c.cum)`);
  const fineParts: Prisma.Sql[] = [];
  const targets = Prisma.sql`(SELECT DISTINCT ${kb}, cbin FROM ${tg}) t`;
  if (hasSpans) {
    // One row per probe (team, piece, coarse bin), so the index condition takes every key
    // column from one relation. Joined to the targets and the pieces as two relations,
    // PostgreSQL without statistics on the span tables (as right after migration 0011
    // filled them) probed by the piece alone and filtered team and bins afterwards:
    // every team's fine rows of each piece, 19 s instead of 0.2 s at 1 M tickets.
    out.push(Prisma.sql`${pr} AS MATERIALIZED (SELECT ${join([...tkOf('t'), Prisma.raw('t.b'), Prisma.raw('t.cbin'), Prisma.raw('p.grain'), Prisma.raw('p.start'), Prisma.raw('p.sign')], ', ')}
        FROM ${targets} JOIN ${spanRelation(cover.spans)} ON p.b = t.b)`);
    const team = rule.keyed ? [Prisma.sql`r."teamId" = x.tk`] : spanTeams(rule);
    fineParts.push(Prisma.sql`SELECT ${join([...tkOf('x'), Prisma.raw('x.b'), Prisma.raw('x.cbin'), Prisma.raw('r."bin" AS bin'), Prisma.raw('r."n" * x.sign AS n')], ', ')}
        FROM ${pr} x
        JOIN "RollupSpanHistogram" r ON r."metric" IN ${metrics} AND r."grain" = x.grain AND r."level" = 0 AND r."start" = x.start
         AND r."bin" BETWEEN x.cbin * 16 AND x.cbin * 16 + 15
        WHERE ${join(team, ' AND ')}`);
  }
  if (hasHours) {
    fineParts.push(Prisma.sql`SELECT ${join([...tkOf('t'), Prisma.raw('t.b'), Prisma.raw('t.cbin'), Prisma.raw('h.bin'), Prisma.raw('h.n')], ', ')}
        FROM ${targets} JOIN ${hh} h ON h.b = t.b${on('h', 't')} AND h.bin >> 4 = t.cbin`);
  }
  out.push(Prisma.sql`${fl} AS (SELECT ${kb}, cbin, bin, sum(n)::float8 AS n FROM (${join(fineParts, ' UNION ALL ')}) x GROUP BY ${kb}, cbin, bin)`);
  out.push(Prisma.sql`${fc} AS (SELECT ${kb}, cbin, bin, n, sum(n) OVER (PARTITION BY ${kb}, cbin ORDER BY bin) AS cum FROM ${fl})`);
  out.push(Prisma.sql`${pv} AS (SELECT ${join([...tkOf('t'), Prisma.raw('t.b'), Prisma.raw('t.last'), Prisma.raw('t.j')], ', ')}, ${binValueSql(Prisma.raw('f.bin'))} AS v
      FROM ${tg} t JOIN ${fc} f ON f.b = t.b${on('f', 't')} AND f.cbin = t.cbin AND f.cum - f.n <= t.rest AND t.rest < f.cum)`);
  const values = wanted.map(({ index, q: p }, i) => {
    const lo = Prisma.raw(`min(v) FILTER (WHERE j = ${2 * i})`);
    const hi = Prisma.raw(`min(v) FILTER (WHERE j = ${2 * i + 1})`);
    const pos = Prisma.sql`(${p}::float8 * last)`;
    return Prisma.sql`(${lo} + (${pos} - floor(${pos})) * (${hi} - ${lo})) AS ${Prisma.raw(`m${index}`)}`;
  });
  const keyOut = rule.keyed ? [Prisma.raw('NULLIF(tk, 0) AS k1')] : [];
  // MATERIALIZED: computed once; inlined, the planner re-ran it for every bucket of `a`.
  out.push(Prisma.sql`${q} AS MATERIALIZED (SELECT ${join([...keyOut, Prisma.raw('b'), ...values], ', ')} FROM ${pv} GROUP BY ${join([...tk, Prisma.raw('b'), Prisma.raw('last')], ', ')})`);
  return out;
}

/**
 * A stock's open-at-start count from rollups: rows that entered before the range minus
 * rows that left before it (a row leaves after it enters, so those are the ones still
 * open), summed over everything before the range start per team: weekly span rows before
 * the week of the start, daily ones up to its day, hourly ones up to its hour. Needs a
 * whole-hour start and the same team-only filters as a source; null otherwise.
 */
export function rollupOpenCte(request: OpenOverrideInput): Prisma.Sql | null {
  const enter = ROLLUP_SOURCES[request.entering];
  const leave = ROLLUP_SOURCES[request.leaving];
  const { input } = request;
  if (!enter || !leave || enter.decision || leave.decision) return null;
  const start = input.range.from.getTime();
  if (start % HOUR_MS !== 0) return null;
  if (!filterCoveredByRollups(input.filter) || !input.dimensions.every((d) => d === 'TEAM')) return null;
  const rule = teamRule(input);
  const day = start - mod(start, DAY_MS);
  const week = start - mod(start - MONDAY_MS, WEEK_MS);
  const sources = Prisma.sql`r."source" IN (${enter.code}::int, ${leave.code}::int)`;
  const keySelect = rule.keyed ? [Prisma.sql`r."teamId" AS tk`] : [];
  const rows = Prisma.sql`SELECT ${join([...keySelect, Prisma.raw('r."source"'), Prisma.raw('r."n"')], ', ')} FROM "RollupSpan" r
    WHERE ${join([sources, ...spanTeams(rule)], ' AND ')}
      AND ((r."grain" = 2 AND r."start" < ${isoMs(week)}::timestamptz)
        OR (r."grain" = 1 AND r."start" >= ${isoMs(week)}::timestamptz AND r."start" < ${isoMs(day)}::timestamptz))
    UNION ALL
    SELECT ${join([...keySelect, Prisma.raw('r."source"'), Prisma.raw('r."n"')], ', ')} FROM "RollupHour" r
    WHERE ${join([sources, ...hourTeams(rule)], ' AND ')}
      AND r."hour" >= ${isoMs(day)}::timestamptz AND r."hour" < ${isoMs(start)}::timestamptz`;
  const open = Prisma.sql`(COALESCE(sum(r."n") FILTER (WHERE r."source" = ${enter.code}::int), 0) - COALESCE(sum(r."n") FILTER (WHERE r."source" = ${leave.code}::int), 0))`;
  // No row for a zero, as the raw count grouped by team gives none.
  return Prisma.sql`SELECT ${join([...(rule.keyed ? [Prisma.sql`NULLIF(r.tk, 0) AS k1`] : []), Prisma.sql`1 AS b`, Prisma.sql`${open}::int AS ${Prisma.raw(`m${request.index}`)}`], ', ')}
  FROM (${rows}) r WHERE ${rollupsCurrent(input.range.to)}
  ${rule.keyed ? Prisma.sql`GROUP BY NULLIF(r.tk, 0)` : Prisma.empty} HAVING ${open} <> 0`;
}

/** The compiler's open-at-start override: rollups where they answer. */
export function rollupOpenOverride(): OpenOverride {
  return rollupOpenCte;
}

/** The compiler's source override for one request: rollups where they answer, raw elsewhere. */
export function rollupSourceOverride(options: RollupPlanOptions = {}): SourceOverride {
  return (request) => rollupCte(request, options);
}
