import type { Database } from '../db/client.ts';
import { computeSeries } from '../analytics/engine.ts';
import { GRANULARITIES, validTimeZone, type Granularity, type IsoWeekday } from '../analytics/buckets.ts';
import type { TicketFilterSpec, TimeRange, ViewerScope } from '../analytics/filter.ts';
import { badInput } from '../errors.ts';
import type { Target } from '../generated/prisma/client.ts';
import { amountInMeasureUnit, checkedMeasure, compareWithThreshold, type AmountUnit, type Comparison, type TargetStatus } from './amounts.ts';
import { intersectFilters, scopedFilter, storedFilter, type ScopeSpec } from './filters.ts';
import { computeBeside, valueAtPath, type MetricsOrigin } from './origins.ts';

/** A target as upsertTarget receives it, filter and scope ids already decoded. */
export interface TargetInputValue {
  name: string;
  metric: string;
  filter: TicketFilterSpec | null;
  scope: ScopeSpec;
  comparison: Comparison;
  threshold?: number | null;
  thresholdDuration?: string | null;
  unit?: AmountUnit | null;
  granularity?: Granularity | null;
  timeZone?: string | null;
}

/** The columns of a checked target. */
export type TargetData = Omit<Target, 'id' | 'createdAt' | 'updatedAt'>;

/** Checks a target and converts its threshold to the metric's own unit. */
export function validateTarget(input: TargetInputValue): TargetData {
  const name = input.name?.trim() ?? '';
  if (name === '' || name.length > 200) throw badInput('input.name must be 1 to 200 characters', { argument: 'input.name' });
  const entry = checkedMeasure(input.metric, 'input.metric');
  if (input.scope.teamId !== null && input.scope.agentId !== null) {
    throw badInput('input.scope: give a teamId or an agentId (or neither, for everyone), not both', { argument: 'input.scope' });
  }
  const threshold = amountInMeasureUnit(entry, { value: input.threshold, duration: input.thresholdDuration, unit: input.unit }, 'input.threshold');
  const granularity = input.granularity ?? 'WEEK';
  if (!GRANULARITIES.includes(granularity)) throw badInput(`input.granularity must be one of ${GRANULARITIES.join(', ')}`, { argument: 'input.granularity' });
  const timeZone = validTimeZone(input.timeZone ?? 'UTC', 'input.timeZone');
  return {
    name,
    metric: entry.path,
    filter: input.filter && Object.keys(input.filter).length > 0 ? (JSON.parse(JSON.stringify(input.filter)) as TargetData['filter']) : null,
    scopeTeamId: input.scope.teamId,
    scopeAgentId: input.scope.agentId,
    comparison: input.comparison,
    threshold,
    granularity,
    timeZone,
  };
}

/** The tickets a target covers: its filter plus its scope. */
export function targetFilter(target: Pick<Target, 'filter' | 'scopeTeamId' | 'scopeAgentId'>): TicketFilterSpec {
  return scopedFilter(storedFilter(target.filter), { teamId: target.scopeTeamId, agentId: target.scopeAgentId });
}

/** A target's actual value in one place of a read, and how it compares. */
export interface TargetReading {
  target: Target;
  actual: number | null;
  status: TargetStatus;
  gap: number | null;
}

/** The actual of a measure as an empty bucket reads it: 0 for counts, null otherwise. */
function emptyActual(metric: string): number | null {
  return checkedMeasure(metric, 'metric').leaf.empty === 'zero' ? 0 : null;
}

/**
 * Reads each target beside a Metrics object: the target's metric over the same place of
 * the same read (bucket, group, entity or totals), for the tickets matching both the
 * read's filter and the target's filter and scope. One engine statement per target and
 * read, shared by every bucket or group of it.
 */
export async function readTargets(origin: MetricsOrigin, targets: readonly Target[]): Promise<TargetReading[]> {
  return Promise.all(
    targets.map(async (target) => {
      const lookup = await computeBeside(origin.call, `target:${target.id}:${target.updatedAt.getTime()}`, [target.metric], targetFilter(target), () => ({}));
      const values = lookup(origin.at);
      const actual = values === null ? null : (valueAtPath(values, target.metric) ?? (Object.keys(values).length === 0 ? emptyActual(target.metric) : null));
      return { target, actual, ...compareWithThreshold(actual, target.comparison, target.threshold) };
    }),
  );
}

/** How often a target was met over a range, bucket by bucket. */
export interface TargetAttainment {
  target: Target;
  buckets: { start: Date; end: Date; label: string; actual: number | null; status: TargetStatus; gap: number | null }[];
  met: number;
  missed: number;
  noData: number;
  /** met / (met + missed); null when no bucket had data. */
  attainment: number | null;
}

/**
 * A target evaluated per bucket of its own granularity and zone over a range: one engine
 * statement. `filter` narrows it further (e.g. one channel); the viewer's scope applies.
 */
export async function targetAttainment(
  db: Pick<Database, 'prisma'>,
  target: Target,
  range: TimeRange,
  scope: ViewerScope,
  filter: TicketFilterSpec | null = null,
  weekStart: IsoWeekday = 1,
  exact = false,
): Promise<TargetAttainment> {
  const combined = intersectFilters(targetFilter(target), filter);
  const series = await computeSeries(db, {
    range,
    granularity: target.granularity as Granularity,
    timeZone: target.timeZone,
    weekStart,
    // A filter nothing matches still needs the bucket grid: ask for an id no row has.
    filter: combined ?? { teamIds: [-1] },
    scope,
    measures: [target.metric],
    exact,
  });
  const buckets = series.map((bucket) => {
    const actual = valueAtPath(bucket.metrics, target.metric);
    return { start: bucket.start, end: bucket.end, label: bucket.label, actual, ...compareWithThreshold(actual, target.comparison, target.threshold) };
  });
  const met = buckets.filter((b) => b.status === 'MET').length;
  const missed = buckets.filter((b) => b.status === 'MISSED').length;
  return { target, buckets, met, missed, noData: buckets.length - met - missed, attainment: met + missed === 0 ? null : met / (met + missed) };
}
