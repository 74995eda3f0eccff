import { PREPARE_MARK, type Database } from '../db/client.ts';
import { Prisma } from '../generated/prisma/client.ts';
import { badInput } from '../errors.ts';
import { bucketGrid, validTimeZone, wholeRange, type Bucket, type Granularity, type IsoWeekday } from './buckets.ts';
import { compileMetricsSql, type CompileInput, type Direction, type MetricsRow } from './compile.ts';
import { DIMENSION_KEY, validDimensions, type Dimension, type EntityDimension } from './dimensions.ts';
import type { TicketFilterSpec, TimeRange, ViewerScope } from './filter.ts';
import { measureAt, METRICS, type MetricNode } from './registry.ts';
import { isRollupsPendingError, rollupOpenOverride, rollupSourceOverride } from './rollups/planner.ts';
import { reportAnalyticsPaths, type AnalyticsPathReport } from './rollups/report.ts';
import { dataReach, seriesMemoKey, type MemoValues, type SeriesMemo } from './series-memo.ts';

/** Computed metrics, shaped like the GraphQL `Metrics` type (only selected leaves set). */
export interface MetricValues {
  [name: string]: number | null | MetricValues;
}

/** What every metrics request names: the range, filter, viewer scope and measures. */
export interface MetricsRequest {
  range: TimeRange;
  filter?: TicketFilterSpec | null;
  /** The viewer's team scope; applied to every statement. */
  scope: ViewerScope;
  /** Measure paths to compute, e.g. `ticketsSolved`, `firstResponseTime.median`. */
  measures: Iterable<string>;
  /** "Now" for SLA decisions; defaults to the current time. */
  now?: Date;
  /** Percentiles computed exactly from the rows instead of from histogram rollups. */
  exact?: boolean;
  /** false: every source from the rows (benchmarks and tests compare both paths). Default true. */
  rollups?: boolean;
}

/** A request for a time series. */
export interface SeriesRequest extends MetricsRequest {
  granularity: Granularity;
  timeZone: string;
  weekStart?: IsoWeekday;
  /**
   * Reuse the closed buckets of earlier answers kept here, recomputing only the buckets a
   * write since could have changed (src/analytics/series-memo.ts). Not for a selection
   * with an SLA overrun, which grows in past buckets as time passes (a breach still open).
   */
  memo?: SeriesMemo;
}

/** One bucket of a series with its metrics. */
export interface SeriesBucket extends Bucket {
  metrics: MetricValues;
}

/** A request for a breakdown by one or two dimensions, optionally per bucket. */
export interface BreakdownRequest extends MetricsRequest {
  by: readonly Dimension[];
  granularity?: Granularity | null;
  timeZone: string;
  weekStart?: IsoWeekday;
  orderBy?: { path: string; direction: Direction } | null;
  limit?: number | null;
  /** With a granularity: also compute each group's totals over the range (default true). */
  totals?: boolean;
  /** CATEGORY groups count their whole subtree (a ticket counts in its category and each ancestor). */
  rollUpCategories?: boolean;
}

/** The dimension values of a group; entity dimensions hold row ids, null = no value. */
export interface GroupKeyValues {
  channel?: string | null;
  priority?: string | null;
  status?: string | null;
  customerTier?: string | null;
  tag?: string | null;
  team?: number | null;
  agent?: number | null;
  category?: number | null;
  /** HOUR_OF_DAY: local hour 0-23 of the metric's event time in the query's zone. */
  hourOfDay?: number | null;
  /** WEEKDAY: ISO weekday (1 = Monday … 7 = Sunday) of the metric's event time in the query's zone. */
  weekday?: number | null;
}

/** One group of a breakdown: its key, totals over the range, and buckets if asked. */
export interface MetricsGroupResult {
  key: GroupKeyValues;
  metrics: MetricValues;
  buckets: SeriesBucket[] | null;
}

/** Metrics of a set of entities (agents, teams or categories), one statement for all. */
export interface EntityMetricsRequest extends MetricsRequest {
  dimension: EntityDimension;
  ids: readonly number[];
  /** CATEGORY: each category counts its whole subtree. */
  rollUpCategories?: boolean;
}

/** Most groups a breakdown returns when `limit` is not given. */
export const DEFAULT_GROUP_LIMIT = 1000;

function checkedMeasures(paths: Iterable<string>): string[] {
  const out = [...new Set(paths)];
  for (const path of out) if (!measureAt(path)) throw new Error(`unknown measure ${path}`);
  return out;
}

/** A Metrics tree with every group present (so nested fields resolve) and no leaves. */
function emptyTree(nodes: readonly MetricNode[] = METRICS): MetricValues {
  const out: MetricValues = {};
  for (const node of nodes) if (node.kind === 'group') out[node.name] = emptyTree(node.children);
  return out;
}

/** Zero/null values for the selected measures, as an empty bucket reads. */
function emptyValues(paths: readonly string[]): MetricValues {
  const tree = emptyTree();
  for (const path of paths) setPath(tree, path, measureAt(path)?.leaf.empty === 'zero' ? 0 : null);
  return tree;
}

function setPath(tree: MetricValues, path: string, value: number | null): void {
  const parts = path.split('.');
  let node = tree;
  for (const part of parts.slice(0, -1)) node = node[part] as MetricValues;
  node[parts[parts.length - 1]] = value;
}

function toNumber(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

async function run(db: Pick<Database, 'prisma'>, input: CompileInput, call: AnalyticsPathReport['call'], reusedBuckets?: number) {
  let compiled = compileMetricsSql(input);
  let rows: MetricsRow[];
  let fellBack = false;
  try {
    rows = await db.prisma.$queryRaw<MetricsRow[]>(compiled.rollupsOnly ? Prisma.sql`${Prisma.raw(PREPARE_MARK)}\n${compiled.sql}` : compiled.sql);
  } catch (error) {
    // A bulk import deferred the rollups of hours this range depends on and they are not
    // rebuilt yet (migration 0013): the rows answer instead, exactly, if more slowly.
    if (!isRollupsPendingError(error)) throw error;
    compiled = compileMetricsSql({ ...input, sourceOverride: undefined, openOverride: undefined });
    rows = await db.prisma.$queryRaw<MetricsRow[]>(compiled.sql);
    fellBack = true;
  }
  // SLA targets are decided by time passing as well as by writes (a deadline passes).
  const timeDependent = Object.keys(compiled.paths).some((s) => s.startsWith('sla')) && input.range.to.getTime() > input.now.getTime();
  reportAnalyticsPaths({ call, paths: compiled.paths, timeDependent, ...(reusedBuckets !== undefined ? { reusedBuckets } : {}) });
  const values = (row: MetricsRow): MetricValues => {
    const tree = emptyTree();
    compiled.measures.forEach((m, i) => setPath(tree, m.path, toNumber(row[`m${i}`])));
    return tree;
  };
  return { compiled, rows, values, fellBack };
}

const base = (req: MetricsRequest) => ({
  filter: req.filter ?? null,
  scope: req.scope,
  now: req.now ?? new Date(),
  range: req.range,
  // The seam to the rollup planner: it answers the sources it can, per source.
  sourceOverride: req.rollups === false ? undefined : rollupSourceOverride({ exact: req.exact === true }),
  openOverride: req.rollups === false ? undefined : rollupOpenOverride(),
});

/** Totals over `[from, to)`: one statement, whatever the selection. */
export async function computeTotals(db: Pick<Database, 'prisma'>, req: MetricsRequest): Promise<MetricValues> {
  const measures = checkedMeasures(req.measures);
  if (measures.length === 0) return emptyValues(measures);
  const { rows, values } = await run(db, {
    ...base(req),
    measures,
    buckets: wholeRange(req.range),
    totals: false,
    dimensions: [],
  }, 'totals');
  return rows.length > 0 ? values(rows[0]) : emptyValues(measures);
}

/** The selected metrics per time bucket, every bucket present: one statement. */
export async function computeSeries(db: Pick<Database, 'prisma'>, req: SeriesRequest): Promise<SeriesBucket[]> {
  const measures = checkedMeasures(req.measures);
  const buckets = bucketGrid(req.range, { granularity: req.granularity, timeZone: req.timeZone, weekStart: req.weekStart });
  if (measures.length === 0) return buckets.map((b) => ({ ...b, metrics: emptyValues(measures) }));
  if (req.memo && !measures.some(readsTheClock)) return computeSeriesReusing(db, req, req.memo, measures, buckets);
  const { metrics } = await seriesValues(db, req, measures, buckets);
  return buckets.map((bucket, i) => ({ ...bucket, metrics: metrics[i] }));
}

/** The metrics of each of `buckets` (every one present, empty ones zero-filled): one statement over their span. */
async function seriesValues(db: Pick<Database, 'prisma'>, req: MetricsRequest, measures: string[], buckets: Bucket[], reusedBuckets?: number) {
  const { rows, values, fellBack } = await run(db, { ...base(req), measures, buckets, totals: false, dimensions: [] }, 'series', reusedBuckets);
  const byBucket = new Map(rows.map((row) => [Number(row.b), row]));
  const metrics = buckets.map((_, i) => {
    const row = byBucket.get(i + 1);
    return row ? values(row) : emptyValues(measures);
  });
  return { metrics, fellBack };
}

/**
 * A measure whose value in a bucket that has ended still changes as time passes: the
 * overrun of an SLA breach that is still unfulfilled grows until it is fulfilled. (Other
 * SLA outcomes are decided by their bucket's end: a target is placed where it was met or
 * where its deadline passed.)
 */
const readsTheClock = (path: string): boolean => path.split('.').includes('overrun');

/**
 * computeSeries through the memo: the buckets kept from an earlier answer that no write
 * since reaches are reused; one statement computes the span from the first bucket that
 * needs it to the last (a bucket's values do not depend on the range around it: flows
 * are placed by their own times, states read each bucket's end).
 */
async function computeSeriesReusing(
  db: Pick<Database, 'prisma'>,
  req: SeriesRequest,
  memo: SeriesMemo,
  measures: string[],
  buckets: Bucket[],
): Promise<SeriesBucket[]> {
  const now = req.now ?? new Date();
  const key = seriesMemoKey([
    [...measures].sort(), req.filter ?? null, req.scope, req.granularity, req.timeZone, req.weekStart ?? 1, req.exact === true, req.rollups !== false,
  ]);
  const reach = await dataReach(db, memo.versionOf(key));
  const kept = memo.reusable(key, buckets, reach, now);
  const todo = kept.flatMap((v, i) => (v === undefined ? [i] : []));
  const metrics: MetricValues[] = kept.map((v) => v as MetricValues);
  let keep = true;
  if (todo.length === 0) {
    // No statement ran: the report has no paths, and every bucket was reused.
    reportAnalyticsPaths({ call: 'series', paths: {}, timeDependent: false, reusedBuckets: buckets.length });
  } else {
    const first = todo[0];
    const span = buckets.slice(first, todo[todo.length - 1] + 1);
    const computed = await seriesValues(db, { ...req, now, range: { from: span[0].start, to: span[span.length - 1].end } }, measures, span, buckets.length - span.length);
    metrics.splice(first, span.length, ...computed.metrics);
    // Rollups pending after an import: these percentiles are exact, the ones the rollups
    // give once caught up are not; kept, they would differ from the series computed
    // whole. (With `exact` the rows answer percentiles either way.)
    keep = !computed.fellBack || req.exact === true;
  }
  if (keep) memo.store(key, reach, buckets.map((bucket, i) => ({ bucket, values: metrics[i] as MemoValues })), now);
  return buckets.map((bucket, i) => ({ ...bucket, metrics: metrics[i] }));
}

function keyOf(row: MetricsRow, dims: readonly Dimension[]): GroupKeyValues {
  const key: Record<string, string | number | null> = {};
  dims.forEach((d, i) => {
    const raw = row[`k${i + 1}`];
    key[DIMENSION_KEY[d]] = raw === null || raw === undefined ? null : typeof raw === 'number' ? raw : String(raw);
  });
  return key as GroupKeyValues;
}

/**
 * The selected metrics per group of one or two dimensions, ordered by a measure's range
 * total (or by key), limited; with a granularity also per bucket. One statement.
 */
export async function computeBreakdown(db: Pick<Database, 'prisma'>, req: BreakdownRequest): Promise<MetricsGroupResult[]> {
  const dims = validDimensions(req.by);
  validTimeZone(req.timeZone);
  if (req.limit !== undefined && req.limit !== null && (!Number.isInteger(req.limit) || req.limit < 1)) {
    throw badInput(`limit must be a positive integer (got ${req.limit})`, { argument: 'limit' });
  }
  if (req.orderBy && !measureAt(req.orderBy.path)) throw new Error(`unknown measure ${req.orderBy.path}`);
  const buckets = req.granularity
    ? bucketGrid(req.range, { granularity: req.granularity, timeZone: req.timeZone, weekStart: req.weekStart })
    : null;
  let measures = checkedMeasures(req.measures);
  // Groups are found through the selected sources; with none selected, through creation.
  const asked = measures;
  if (measures.length === 0 && !req.orderBy) measures = ['ticketsCreated'];
  const { compiled, rows, values } = await run(db, {
    ...base(req),
    measures,
    buckets: buckets ?? wholeRange(req.range),
    totals: buckets !== null && req.totals !== false,
    dimensions: dims,
    order: req.orderBy ?? undefined,
    limit: req.limit ?? DEFAULT_GROUP_LIMIT,
    timeZone: req.timeZone,
    rollUpCategories: req.rollUpCategories ?? false,
  }, 'breakdown');
  const groups: MetricsGroupResult[] = [];
  let current: MetricsGroupResult | null = null;
  let currentId = '';
  for (const row of rows) {
    const key = keyOf(row, dims);
    const id = JSON.stringify(key);
    if (!current || id !== currentId) {
      current = { key, metrics: emptyValues(asked), buckets: buckets ? [] : null };
      currentId = id;
      groups.push(current);
    }
    const b = Number(row.b);
    if (b === compiled.totalsBucket) current.metrics = values(row);
    if (buckets && b >= 1) current.buckets?.push({ ...buckets[b - 1], metrics: values(row) });
  }
  return groups;
}

/**
 * The selected metrics of each given agent, team or category over the range, in one
 * grouped statement; entities without data read as an empty bucket (counts 0).
 */
export async function computeEntityMetrics(
  db: Pick<Database, 'prisma'>,
  req: EntityMetricsRequest,
): Promise<Map<number, MetricValues>> {
  const measures = checkedMeasures(req.measures);
  const ids = [...new Set(req.ids)];
  const out = new Map<number, MetricValues>();
  if (measures.length === 0 || ids.length === 0) {
    for (const id of ids) out.set(id, emptyValues(measures));
    return out;
  }
  const { rows, values } = await run(db, {
    ...base(req),
    measures,
    buckets: wholeRange(req.range),
    totals: false,
    dimensions: [req.dimension],
    keys: ids,
    rollUpCategories: req.rollUpCategories ?? false,
  }, 'entities');
  for (const row of rows) out.set(Number(row.k1), values(row));
  for (const id of ids) if (!out.has(id)) out.set(id, emptyValues(measures));
  return out;
}
