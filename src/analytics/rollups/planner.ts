import { Prisma } from '../../generated/prisma/client.ts';
import type { OpenOverride, OpenOverrideInput, SourceOverride, SourceOverrideInput } from '../compile.ts';
import type { TicketFilterSpec } from '../filter.ts';
import { feedbackKinds } from '../registry.ts';
import { binValueSql, FEEDBACK_KIND_COLUMN, HOUR_MS, ROLLUP_COLUMNS, ROLLUP_SOURCES, type QuantileRollup } from './definition.ts';

/** How the engine may use rollups for one request. */
export interface RollupPlanOptions {
  /** Percentiles exactly (raw path for the sources that have them); counts and sums stay on rollups, they are exact. */
  exact?: boolean;
}

const iso = (d: Date) => d.toISOString();
const join = (parts: readonly Prisma.Sql[], separator: string): Prisma.Sql =>
  parts.length === 0 ? Prisma.empty : Prisma.join([...parts], separator);

/** True when the filter holds nothing a rollup row does not carry (rollups are keyed by team only). */
export function filterCoveredByRollups(filter: TicketFilterSpec | null | undefined): boolean {
  if (!filter) return true;
  const lists = [filter.channels, filter.priorities, filter.statuses, filter.categoryIds, filter.agentIds, filter.customerIds, filter.tags];
  return lists.every((list) => !list || list.length === 0) && !filter.createdAt && !filter.createdLocal;
}

/**
 * The planner's rule, "can a rollup answer this source?": every bucket boundary is a
 * whole UTC hour (so zones with :30/:45 offsets, and ranges starting mid-hour, go raw),
 * the filter and dimensions use nothing but teams, and every measure asked of the source
 * has a rollup form (new registry metrics without one keep the whole source raw).
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
  const teamConditions = (column: Prisma.Sql): Prisma.Sql[] => {
    const out: Prisma.Sql[] = [];
    if (input.filter?.teamIds?.length) out.push(Prisma.sql`${column} = ANY(${input.filter.teamIds}::int[])`);
    if (input.scope.teamIds !== null) out.push(Prisma.sql`${column} = ANY(${input.scope.teamIds}::int[])`);
    if (input.keys) out.push(Prisma.sql`${column} = ANY(${[...input.keys]}::int[])`);
    return out;
  };
  const keyed = input.dimensions.length === 1;
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
      ${join(teamConditions(Prisma.sql`t."teamId"`).map((c) => Prisma.sql`AND ${c}`), ' ')}`;
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
  const range = Prisma.sql`r."hour" >= ${iso(from)}::timestamptz AND r."hour" < ${iso(to)}::timestamptz`;
  const keySelect = keyed ? [Prisma.sql`NULLIF(r."teamId", 0) AS k1`] : [];
  const where = [Prisma.sql`r."source" = ${def.code}::int`, range, ...teamConditions(Prisma.sql`r."teamId"`)];
  if (request.source === 'feedback') {
    // The raw path reads only the survey kinds asked for, so a group exists only with those.
    const kinds = feedbackKinds(request.measures.map((m) => m.entry.path));
    if (kinds.length > 0) where.push(Prisma.sql`(${join(kinds.map((k) => Prisma.raw(`r."${FEEDBACK_KIND_COLUMN[k]}" > 0`)), ' OR ')})`);
  }
  const rows = Prisma.sql`SELECT ${join([...keySelect, Prisma.sql`${request.bucketOf(Prisma.sql`r."hour"`)} AS b`, ...ROLLUP_COLUMNS.map((c) => Prisma.raw(`r."${c}"`))], ', ')}
    FROM "RollupHour" r WHERE ${join(where, ' AND ')}${tail ? Prisma.sql`\n    UNION ALL ${tail}` : Prisma.empty}`;

  const ctes: Prisma.Sql[] = [Prisma.sql`r0 AS (${rows})`];
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
  ctes.push(Prisma.sql`a AS (SELECT ${join([...keyCol, Prisma.raw('COALESCE(b, 0) AS b'), ...additive, ...bounds], ', ')} FROM r0 r ${groupBy([])})`);

  const select: Prisma.Sql[] = [...keyCol.map((k) => Prisma.sql`a.${k}`), Prisma.raw('a.b'), ...request.measures.filter((m, i) => plans[i]?.kind !== 'quantile').map((m) => Prisma.raw(`a.m${m.index}`))];
  const joins: Prisma.Sql[] = [];
  for (const [metric, wanted] of quantiles) {
    const h = Prisma.raw(`h${metric}`);
    const c = Prisma.raw(`c${metric}`);
    const q = Prisma.raw(`q${metric}`);
    const hKey = keyed ? [Prisma.sql`NULLIF(r."teamId", 0) AS k1`] : [];
    ctes.push(Prisma.sql`${h} AS (
      SELECT ${join([...keyCol, Prisma.raw('COALESCE(b, 0) AS b'), Prisma.raw('bin'), Prisma.raw('sum(n) AS n')], ', ')}
      FROM (SELECT ${join([...hKey, Prisma.sql`${request.bucketOf(Prisma.sql`r."hour"`)} AS b`, Prisma.raw('r."bin"'), Prisma.raw('r."n"')], ', ')}
            FROM "RollupHistogram" r
            WHERE ${join([Prisma.sql`r."metric" = ${metric}::int`, range, ...teamConditions(Prisma.sql`r."teamId"`)], ' AND ')}) x
      ${groupBy([Prisma.raw('bin')])})`);
    const part = join([...keyCol, Prisma.raw('b')], ', ');
    ctes.push(Prisma.sql`${c} AS (
      SELECT ${join([...keyCol, Prisma.raw('b')], ', ')}, bin, n,
             sum(n) OVER (PARTITION BY ${part} ORDER BY bin) AS cum,
             (sum(n) OVER (PARTITION BY ${part}))::float8 - 1 AS last
      FROM ${h})`);
    // percentile_cont: position q * (N - 1), interpolated between the values at its floor
    // and ceiling ranks; each rank's value is its bin's representative.
    const values = wanted.map(({ index, q }) => {
      const pos = Prisma.sql`(${q}::float8 * last)`;
      const at = (rank: Prisma.Sql) => Prisma.sql`min(${binValueSql(Prisma.raw('bin'))}) FILTER (WHERE cum - n <= ${rank} AND ${rank} < cum)`;
      const lo = at(Prisma.sql`floor(${pos})`);
      const hi = at(Prisma.sql`ceil(${pos})`);
      return Prisma.sql`(${lo} + (${pos} - floor(${pos})) * (${hi} - ${lo})) AS ${Prisma.raw(`m${index}`)}`;
    });
    ctes.push(Prisma.sql`${q} AS (SELECT ${join([...keyCol, Prisma.raw('b'), ...values], ', ')} FROM ${c} GROUP BY ${join([...keyCol, Prisma.raw('b'), Prisma.raw('last')], ', ')})`);
    for (const { index, d } of wanted) select.push(Prisma.raw(`LEAST(GREATEST(q${metric}.m${index}, a.${d}_lo), a.${d}_hi) AS m${index}`));
    joins.push(
      Prisma.sql`LEFT JOIN ${q} ON ${q}.b = a.b${keyed ? Prisma.sql` AND ${q}.k1 IS NOT DISTINCT FROM a.k1` : Prisma.empty}`,
    );
  }
  return Prisma.sql`WITH ${join(ctes, ',\n  ')}
  SELECT ${join(select, ', ')} FROM a ${join(joins, ' ')}`;
}

/**
 * A stock's open-at-start count from rollups: rows that entered before the range minus
 * rows that left before it (a row leaves after it enters, so those are the ones still
 * open), summed over every hour before the range start per team. Needs a whole-hour start
 * and the same team-only filters as a source; null otherwise.
 */
export function rollupOpenCte(request: OpenOverrideInput): Prisma.Sql | null {
  const enter = ROLLUP_SOURCES[request.entering];
  const leave = ROLLUP_SOURCES[request.leaving];
  const { input } = request;
  if (!enter || !leave || enter.decision || leave.decision) return null;
  if (input.range.from.getTime() % HOUR_MS !== 0) return null;
  if (!filterCoveredByRollups(input.filter) || !input.dimensions.every((d) => d === 'TEAM')) return null;
  const keyed = input.dimensions.length === 1;
  const where = [Prisma.sql`r."source" IN (${enter.code}::int, ${leave.code}::int)`, Prisma.sql`r."hour" < ${iso(input.range.from)}::timestamptz`];
  if (input.filter?.teamIds?.length) where.push(Prisma.sql`r."teamId" = ANY(${input.filter.teamIds}::int[])`);
  if (input.scope.teamIds !== null) where.push(Prisma.sql`r."teamId" = ANY(${input.scope.teamIds}::int[])`);
  if (input.keys) where.push(Prisma.sql`r."teamId" = ANY(${[...input.keys]}::int[])`);
  const open = Prisma.sql`(COALESCE(sum(r."n") FILTER (WHERE r."source" = ${enter.code}::int), 0) - COALESCE(sum(r."n") FILTER (WHERE r."source" = ${leave.code}::int), 0))`;
  // No row for a zero, as the raw count grouped by team gives none.
  return Prisma.sql`SELECT ${join([...(keyed ? [Prisma.sql`NULLIF(r."teamId", 0) AS k1`] : []), Prisma.sql`1 AS b`, Prisma.sql`${open}::int AS ${Prisma.raw(`m${request.index}`)}`], ', ')}
  FROM "RollupHour" r WHERE ${join(where, ' AND ')}
  ${keyed ? Prisma.sql`GROUP BY NULLIF(r."teamId", 0)` : Prisma.empty} HAVING ${open} <> 0`;
}

/** The compiler's open-at-start override: rollups where they answer. */
export function rollupOpenOverride(): OpenOverride {
  return rollupOpenCte;
}

/** The compiler's source override for one request: rollups where they answer, raw elsewhere. */
export function rollupSourceOverride(options: RollupPlanOptions = {}): SourceOverride {
  return (request) => rollupCte(request, options);
}
