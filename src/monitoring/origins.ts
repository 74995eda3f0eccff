import type { Database } from '../db/client.ts';
import type { Granularity, IsoWeekday } from '../analytics/buckets.ts';
import type { Dimension, EntityDimension } from '../analytics/dimensions.ts';
import {
  computeBreakdown,
  computeEntityMetrics,
  computeSeries,
  computeTotals,
  type GroupKeyValues,
  type MetricValues,
} from '../analytics/engine.ts';
import type { TicketFilterSpec, TimeRange, ViewerScope } from '../analytics/filter.ts';
import { intersectFilters } from './filters.ts';

/**
 * One analytics read as the API received it (Query.metrics, timeSeries, breakdown, or
 * a page of Agent/Team/Category.metrics): what a target or score read beside its
 * metrics must be computed over. Results are cached on it, so every bucket, group or
 * entity of one read shares one engine statement per target or scorecard.
 */
export type MetricsCall = {
  db: Pick<Database, 'prisma'>;
  range: TimeRange;
  /** The read's filter, resolved on first use (reads without targets or scores never pay for it). */
  filter: () => Promise<TicketFilterSpec | null>;
  scope: ViewerScope;
  timeZone: string;
  now?: Date;
  /** The read's `exact` argument: percentiles from the rows rather than from rollup histograms. */
  exact: boolean;
  cache: Map<string, Promise<(at: Locator) => MetricValues | null>>;
} & (
  | { kind: 'totals' }
  | { kind: 'series'; granularity: Granularity; weekStart: IsoWeekday }
  | { kind: 'breakdown'; by: Dimension[]; granularity: Granularity | null; weekStart: IsoWeekday }
  | { kind: 'entity'; dimension: EntityDimension; ids: Set<number> }
);

/** Where in a read a Metrics object sits. */
export type Locator =
  | { kind: 'totals' }
  | { kind: 'bucket'; index: number }
  | { kind: 'group'; key: GroupKeyValues }
  | { kind: 'groupBucket'; key: GroupKeyValues; index: number }
  | { kind: 'entity'; id: number };

/** A Metrics object's read and place in it. */
export interface MetricsOrigin {
  call: MetricsCall;
  at: Locator;
}

const origins = new WeakMap<object, MetricsOrigin>();

/** Remembers where a result object (a Metrics tree, a bucket, a group) came from. */
export function tagOrigin(object: object, origin: MetricsOrigin): void {
  origins.set(object, origin);
}

/** The origin of a result object, if it came from an analytics read. */
export function originOf(object: object): MetricsOrigin | undefined {
  return origins.get(object);
}

const keyId = (key: GroupKeyValues) => JSON.stringify(key);

/**
 * Computes `measures` over the same read as `call` (same range, buckets, groups or
 * entities), for the tickets matching both the call's filter and `extra`. One engine
 * statement, cached on the call under `cacheKey`. Returns a lookup by locator; null
 * where the read has no such place (a group the extra filter leaves empty reads as an
 * empty bucket).
 */
export function computeBeside(
  call: MetricsCall,
  cacheKey: string,
  measures: string[],
  extra: TicketFilterSpec | null,
  empty: () => MetricValues,
): Promise<(at: Locator) => MetricValues | null> {
  const cached = call.cache.get(cacheKey);
  if (cached) return cached;
  const promise = (async (): Promise<(at: Locator) => MetricValues | null> => {
    const filter = intersectFilters(await call.filter(), extra);
    // No ticket can match both filters: every place reads as empty, without a statement.
    if (filter === null) return () => empty();
    const base = { range: call.range, filter, scope: call.scope, measures, now: call.now, exact: call.exact };
    switch (call.kind) {
      case 'totals': {
        const values = await computeTotals(call.db, base);
        return () => values;
      }
      case 'series': {
        const buckets = await computeSeries(call.db, { ...base, granularity: call.granularity, timeZone: call.timeZone, weekStart: call.weekStart });
        return (at) => (at.kind === 'bucket' ? (buckets[at.index]?.metrics ?? empty()) : null);
      }
      case 'breakdown': {
        const groups = await computeBreakdown(call.db, {
          ...base,
          by: call.by,
          granularity: call.granularity,
          timeZone: call.timeZone,
          weekStart: call.weekStart,
          totals: true,
        });
        const byKey = new Map(groups.map((g) => [keyId(g.key), g]));
        return (at) => {
          if (at.kind === 'group') return byKey.get(keyId(at.key))?.metrics ?? empty();
          if (at.kind === 'groupBucket') return byKey.get(keyId(at.key))?.buckets?.[at.index]?.metrics ?? empty();
          return null;
        };
      }
      case 'entity': {
        const values = await computeEntityMetrics(call.db, { ...base, dimension: call.dimension, ids: [...call.ids] });
        return (at) => (at.kind === 'entity' ? (values.get(at.id) ?? empty()) : null);
      }
    }
  })();
  call.cache.set(cacheKey, promise);
  return promise;
}

/** The value at a dotted path of a Metrics tree (null when absent). */
export function valueAtPath(tree: MetricValues | null, path: string): number | null {
  let node: unknown = tree;
  for (const part of path.split('.')) {
    if (!node || typeof node !== 'object') return null;
    node = (node as MetricValues)[part];
  }
  return typeof node === 'number' ? node : null;
}
