import DataLoader from 'dataloader';
import {
  getDirectiveValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  type FieldNode,
  type GraphQLResolveInfo,
  type SelectionSetNode,
} from 'graphql';
import { validTimeZone, type Granularity, type IsoWeekday } from '../analytics/buckets.ts';
import { type Dimension, type EntityDimension } from '../analytics/dimensions.ts';
import {
  computeBreakdown,
  computeEntityMetrics,
  computeSeries,
  computeTotals,
  type GroupKeyValues,
  type MetricsGroupResult,
  type MetricValues,
  type SeriesBucket,
} from '../analytics/engine.ts';
import type { TicketFilterSpec } from '../analytics/filter.ts';
import type { Channel, CustomerTier, Priority, TicketStatus } from '../generated/prisma/enums.ts';
import { MEASURES, METRICS, orderName, type MetricGroup, type MetricNode } from '../analytics/registry.ts';
import { AgentRef } from './agents.ts';
import { builder } from './builder.ts';
import { CategoryRef } from './categories.ts';
import { loaderFor, type Context } from './context.ts';
import { ChannelEnum, CustomerTierEnum, OrderDirectionEnum, PriorityEnum, TicketStatusEnum, WeekdayEnum } from './enums.ts';
import { DateTimeRangeInput, parseRange, resolveTicketFilter, TicketFilterInput, type DateTimeRangeArg, type TicketFilterArg } from './filters.ts';
import { viewerScope } from './scope.ts';
import { TeamRef } from './teams.ts';

// ---------------------------------------------------------------------------
// Types generated from the metric registry

const objectRefs = new Map<string, ReturnType<typeof builder.objectRef<MetricValues>>>();

function leafValue(parent: MetricValues, name: string): number | null {
  const value = parent[name];
  if (value === undefined) throw new Error(`metric ${name} was not computed: the selection parser missed it`);
  return value as number | null;
}

/** The GraphQL object type of a registry group (created once per type name). */
function groupType(group: MetricGroup | { typeName: string; typeDescription: string; children: readonly MetricNode[] }) {
  const existing = objectRefs.get(group.typeName);
  if (existing) return existing;
  const ref = builder.objectRef<MetricValues>(group.typeName);
  objectRefs.set(group.typeName, ref);
  ref.implement({
    description: group.typeDescription,
    fields: (t) =>
      Object.fromEntries(
        group.children.map((node) => {
          if (node.kind === 'group') {
            return [
              node.name,
              t.field({ type: groupType(node), description: node.description, resolve: (parent) => parent[node.name] as MetricValues }),
            ];
          }
          const description = node.description;
          const resolve = (parent: MetricValues) => leafValue(parent, node.name);
          // Counts read 0 in an empty bucket and are non-null; averages and rates read null.
          const field =
            node.empty === 'null'
              ? node.type === 'Int'
                ? t.int({ description, nullable: true, resolve })
                : t.float({ description, nullable: true, resolve })
              : node.type === 'Int'
                ? t.int({ description, resolve: (parent) => resolve(parent) ?? 0 })
                : t.float({ description, resolve: (parent) => resolve(parent) ?? 0 });
          return [node.name, field];
        }),
      ),
  });
  return ref;
}

/** The `Metrics` type: one field per registry entry. */
export const MetricsRef = groupType({
  typeName: 'Metrics',
  typeDescription:
    'KPIs over a range or a bucket. Select only what you show: the server computes the selected fields alone. Each field says what it counts, its unit, and which timestamp places it in a bucket (see metrics.md).',
  children: METRICS,
});

/** Bucket sizes. */
export const GranularityEnum = builder.enumType('Granularity', {
  description: 'Size of a time bucket, in the requested time zone (local midnight; calendar weeks, months, quarters and years).',
  values: {
    HOUR: {
      description:
        'Local clock hours (label 2026-03-29T14): the instants sharing one local date, hour and UTC offset. A skipped hour is missing; a repeated one appears twice; in a zone with a 30-minute DST change (Australia/Lord_Howe) the hour of the change is 30 minutes long.',
    },
    DAY: { description: 'Local calendar days, 23 or 25 hours on DST changes (label 2026-03-29).' },
    WEEK: {
      description:
        'Weeks starting on weekStart (label 2026-W13: the ISO week; a week not starting on Monday gets the ISO week of its fourth day, the one holding most of its days).',
    },
    MONTH: { description: 'Calendar months (label 2026-03).' },
    QUARTER: { description: 'Calendar quarters (label 2026-Q1).' },
    YEAR: { description: 'Calendar years (label 2026).' },
  } satisfies Record<Granularity, { description: string }>,
});

/** Breakdown dimensions. */
export const DimensionEnum = builder.enumType('Dimension', {
  description: 'What a breakdown groups by. Feedback is grouped through its ticket (or, without one, the agent it names).',
  values: {
    CHANNEL: { description: 'Ticket channel.' },
    PRIORITY: { description: 'Ticket priority.' },
    CATEGORY: { description: 'Ticket category.' },
    TEAM: { description: "Ticket team (feedback without a ticket: the named agent's team)." },
    AGENT: { description: 'Ticket assignee (feedback without a ticket: the named agent).' },
    CUSTOMER_TIER: { description: "The customer's tier." },
    TAG: { description: 'Ticket tag: a ticket counts once in each of its tags; tickets without tags form the null group.' },
    STATUS: { description: 'Current ticket status.' },
    HOUR_OF_DAY: {
      description:
        "Local clock hour 0-23 of each metric's own event time (created tickets by createdAt, solved by solvedAt, feedback by its createdAt, …) in the query's timeZone. All 24 values are returned, zero-filled. Not available for backlog (a state, not an event).",
    },
    WEEKDAY: {
      description:
        "ISO weekday 1 (Monday) to 7 (Sunday) of each metric's own event time in the query's timeZone. All 7 values are returned, zero-filled; with HOUR_OF_DAY it gives a weekday × hour heatmap.",
    },
  } satisfies Record<Dimension, { description: string }>,
});

const ORDER_VALUES = Object.fromEntries(
  MEASURES.map(({ path, leaf }) => [orderName(path), { value: path, description: `Order by ${path}: ${leaf.description}` }]),
);

/** Orderable metrics: every leaf of Metrics by its path. */
export const MetricOrderFieldEnum = builder.enumType('MetricOrderField', {
  description: 'A metric to order breakdown groups by, named by its path in Metrics (csat.score → CSAT_SCORE). Groups are compared on their totals over the range.',
  values: ORDER_VALUES,
});

/** Ordering of breakdown groups. */
export const MetricOrderInput = builder.inputType('MetricOrder', {
  description: 'Order breakdown groups by a metric over the whole range; nulls last, ties by key.',
  fields: (t) => ({
    metric: t.field({ type: MetricOrderFieldEnum, required: true, description: 'The metric to compare.' }),
    direction: t.field({ type: OrderDirectionEnum, required: true, defaultValue: 'DESC', description: 'DESC (default): largest first.' }),
  }),
});

/** One time bucket. */
export const MetricsBucketRef = builder.objectRef<SeriesBucket>('MetricsBucket').implement({
  description: 'One time bucket [start, end) and its metrics. Every bucket of the range is present; the first and last are clipped to the range.',
  fields: (t) => ({
    start: t.expose('start', { type: 'DateTime', description: 'First instant of the bucket (inclusive).' }),
    end: t.expose('end', { type: 'DateTime', description: 'End of the bucket (exclusive).' }),
    label: t.exposeString('label', {
      description:
        'Local label in the requested zone: 2026-03-29T14, 2026-03-29, 2026-W13, 2026-03, 2026-Q1, 2026. The repeated hour of a DST fall-back appears twice with the same label (start tells them apart).',
    }),
    metrics: t.field({ type: MetricsRef, description: 'The selected metrics in this bucket.', resolve: (bucket) => bucket.metrics }),
  }),
});

function entityLoader<T extends { id: number }>(ctx: Context, name: string, load: (ids: number[]) => Promise<T[]>) {
  return loaderFor(
    ctx,
    `analytics:entity:${name}`,
    () =>
      new DataLoader<number, T | null>(async (ids) => {
        const rows = await load([...ids]);
        const byId = new Map(rows.map((row) => [row.id, row]));
        return ids.map((id) => byId.get(id) ?? null);
      }),
  );
}

/** The dimension values of a breakdown group. */
export const GroupKeyRef = builder.objectRef<GroupKeyValues>('GroupKey').implement({
  description: 'The dimension values of a breakdown group. Only the requested dimensions are set; null there means "no value" (no team, no tag).',
  fields: (t) => ({
    channel: t.field({ type: ChannelEnum, nullable: true, description: 'CHANNEL value.', resolve: (k) => (k.channel ?? null) as Channel | null }),
    priority: t.field({ type: PriorityEnum, nullable: true, description: 'PRIORITY value.', resolve: (k) => (k.priority ?? null) as Priority | null }),
    status: t.field({ type: TicketStatusEnum, nullable: true, description: 'STATUS value.', resolve: (k) => (k.status ?? null) as TicketStatus | null }),
    customerTier: t.field({
      type: CustomerTierEnum,
      nullable: true,
      description: 'CUSTOMER_TIER value.',
      resolve: (k) => (k.customerTier ?? null) as CustomerTier | null,
    }),
    tag: t.string({ nullable: true, description: 'TAG value.', resolve: (k) => k.tag ?? null }),
    hourOfDay: t.int({
      nullable: true,
      description: "HOUR_OF_DAY value: local hour 0-23 of the metric's event time in the query's timeZone.",
      resolve: (k) => k.hourOfDay ?? null,
    }),
    weekday: t.int({
      nullable: true,
      description: "WEEKDAY value: ISO weekday 1 (Monday) to 7 (Sunday) of the metric's event time in the query's timeZone.",
      resolve: (k) => k.weekday ?? null,
    }),
    team: t.field({
      type: TeamRef,
      nullable: true,
      description: 'TEAM value.',
      resolve: (k, _args, ctx) =>
        k.team == null ? null : entityLoader(ctx, 'team', (ids) => ctx.db.prisma.team.findMany({ where: { id: { in: ids } } })).load(k.team),
    }),
    agent: t.field({
      type: AgentRef,
      nullable: true,
      description: 'AGENT value.',
      resolve: (k, _args, ctx) =>
        k.agent == null ? null : entityLoader(ctx, 'agent', (ids) => ctx.db.prisma.agent.findMany({ where: { id: { in: ids } } })).load(k.agent),
    }),
    category: t.field({
      type: CategoryRef,
      nullable: true,
      description: 'CATEGORY value.',
      resolve: (k, _args, ctx) =>
        k.category == null
          ? null
          : entityLoader(ctx, 'category', (ids) => ctx.db.prisma.category.findMany({ where: { id: { in: ids } } })).load(k.category),
    }),
  }),
});

/** One group of a breakdown. */
export const MetricsGroupRef = builder.objectRef<MetricsGroupResult>('MetricsGroup').implement({
  description: 'The metrics of one combination of dimension values.',
  fields: (t) => ({
    key: t.field({ type: GroupKeyRef, description: 'The dimension values of this group.', resolve: (g) => g.key }),
    metrics: t.field({ type: MetricsRef, description: 'The selected metrics over the whole range.', resolve: (g) => g.metrics }),
    buckets: t.field({
      type: [MetricsBucketRef],
      nullable: true,
      description: 'The same metrics per time bucket when the breakdown has a granularity; null otherwise.',
      resolve: (g) => g.buckets,
    }),
  }),
});

// ---------------------------------------------------------------------------
// Which metrics a query selects

function included(node: FieldNode | { directives?: FieldNode['directives'] }, info: GraphQLResolveInfo): boolean {
  const skip = getDirectiveValues(GraphQLSkipDirective, node, info.variableValues);
  if (skip?.if === true) return false;
  const include = getDirectiveValues(GraphQLIncludeDirective, node, info.variableValues);
  return include?.if !== false;
}

/** The fields of a selection set with fragments flattened and @skip/@include applied. */
function fieldsOf(set: SelectionSetNode | undefined, info: GraphQLResolveInfo, out: FieldNode[] = []): FieldNode[] {
  for (const selection of set?.selections ?? []) {
    if (!included(selection, info)) continue;
    if (selection.kind === Kind.FIELD) out.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) fieldsOf(selection.selectionSet, info, out);
    else {
      const fragment = info.fragments[selection.name.value];
      if (fragment) fieldsOf(fragment.selectionSet, info, out);
    }
  }
  return out;
}

function collectMeasures(nodes: readonly MetricNode[], fields: FieldNode[], prefix: string, info: GraphQLResolveInfo, out: Set<string>) {
  for (const field of fields) {
    const node = nodes.find((n) => n.name === field.name.value);
    if (!node) continue;
    const path = prefix ? `${prefix}.${node.name}` : node.name;
    if (node.kind === 'leaf') out.add(path);
    else collectMeasures(node.children, fieldsOf(field.selectionSet, info), path, info, out);
  }
}

/**
 * The measure paths selected under the resolving field, following `path` (field names)
 * down to a Metrics selection; every alias and fragment of the field counts.
 */
export function selectedMeasures(info: GraphQLResolveInfo, path: readonly string[] = []): Set<string> {
  let fields: FieldNode[] = [...info.fieldNodes];
  for (const name of path) {
    fields = fields.flatMap((f) => fieldsOf(f.selectionSet, info)).filter((f) => f.name.value === name);
  }
  const out = new Set<string>();
  for (const field of fields) collectMeasures(METRICS, fieldsOf(field.selectionSet, info), '', info, out);
  return out;
}

// ---------------------------------------------------------------------------
// Queries

/** Resolves the filter once per request and argument value (it may check ids in the database). */
function cachedFilter(ctx: Context, filter: TicketFilterArg | null | undefined): Promise<TicketFilterSpec> {
  return loaderFor(ctx, `analytics:filter:${JSON.stringify(filter ?? null)}`, () => resolveTicketFilter(ctx, filter));
}

const rangeArgDescription = 'Half-open interval [from, to) of event times; from must be before to.';
const zoneArgDescription = 'IANA time zone of the buckets (local midnight, DST); default UTC.';
const totalsZoneDescription = 'IANA time zone, checked like everywhere else; totals over [from, to) do not depend on it.';
const exactArgDescription =
  'true: percentiles (median, p90) exactly, from the rows (percentile_cont). Default false: from hourly log-binned histograms where they answer, within 1 % of the exact value; counts, sums, averages and rates are exact either way. extensions.analyticsPaths says which path each source took.';
const filterArgDescription =
  'Which tickets to count. Feedback follows its ticket; feedback naming no ticket matches teamIds/agentIds through the agent it names (and that agent\'s team) and customerIds through its own customer, and is left out by any other ticket condition (channels, priorities, statuses, categoryIds, tags, createdAt).';

builder.queryFields((t) => ({
  metrics: t.field({
    type: MetricsRef,
    description:
      'The selected metrics over one range, each counted by its own event time (see each field). One SQL statement for any selection.',
    args: {
      range: t.arg({ type: DateTimeRangeInput, required: true, description: rangeArgDescription }),
      filter: t.arg({ type: TicketFilterInput, description: filterArgDescription }),
      exact: t.arg.boolean({ defaultValue: false, description: exactArgDescription }),
      timeZone: t.arg({
        type: 'TimeZone',
        defaultValue: 'UTC',
        description: totalsZoneDescription,
      }),
    },
    resolve: async (_root, args, ctx, info) => {
      const range = parseRange(args.range as DateTimeRangeArg);
      validTimeZone(args.timeZone ?? 'UTC');
      return computeTotals(ctx.db, {
        range,
        filter: await cachedFilter(ctx, args.filter as TicketFilterArg),
        scope: viewerScope(ctx),
        measures: selectedMeasures(info),
        exact: args.exact === true,
        rollups: ctx.analyticsRollups !== false,
      });
    },
  }),
  timeSeries: t.field({
    type: [MetricsBucketRef],
    description:
      'The selected metrics per time bucket, every bucket of the range present and zero-filled (counts 0, averages, rates and percentiles null). At most 2000 buckets. One SQL statement for any selection.',
    args: {
      range: t.arg({ type: DateTimeRangeInput, required: true, description: rangeArgDescription }),
      granularity: t.arg({ type: GranularityEnum, required: true, description: 'Bucket size.' }),
      timeZone: t.arg({ type: 'TimeZone', defaultValue: 'UTC', description: zoneArgDescription }),
      weekStart: t.arg({ type: WeekdayEnum, defaultValue: 1, description: 'First day of a WEEK bucket; default MONDAY.' }),
      filter: t.arg({ type: TicketFilterInput, description: filterArgDescription }),
      exact: t.arg.boolean({ defaultValue: false, description: exactArgDescription }),
    },
    resolve: async (_root, args, ctx, info) => {
      const range = parseRange(args.range as DateTimeRangeArg);
      return computeSeries(ctx.db, {
        range,
        granularity: args.granularity,
        timeZone: args.timeZone ?? 'UTC',
        weekStart: (args.weekStart ?? 1) as IsoWeekday,
        filter: await cachedFilter(ctx, args.filter as TicketFilterArg),
        scope: viewerScope(ctx),
        measures: selectedMeasures(info, ['metrics']),
        exact: args.exact === true,
        rollups: ctx.analyticsRollups !== false,
        memo: ctx.seriesMemo,
      });
    },
  }),
  breakdown: t.field({
    type: [MetricsGroupRef],
    description:
      'The selected metrics per combination of one or two dimensions (TAG counts a ticket in each of its tags; no value forms a null group), optionally also per time bucket. Ordered by orderBy (else by key), at most limit groups (default 1000). One SQL statement for any selection.',
    args: {
      by: t.arg({ type: [DimensionEnum], required: true, description: 'One or two different dimensions.' }),
      range: t.arg({ type: DateTimeRangeInput, required: true, description: rangeArgDescription }),
      filter: t.arg({ type: TicketFilterInput, description: filterArgDescription }),
      exact: t.arg.boolean({ defaultValue: false, description: exactArgDescription }),
      timeZone: t.arg({ type: 'TimeZone', defaultValue: 'UTC', description: zoneArgDescription }),
      granularity: t.arg({ type: GranularityEnum, description: 'Also return each group per bucket of this size (at most 2000 buckets).' }),
      weekStart: t.arg({ type: WeekdayEnum, defaultValue: 1, description: 'First day of a WEEK bucket; default MONDAY.' }),
      orderBy: t.arg({ type: MetricOrderInput, description: 'Order groups by a metric over the whole range; default: by key.' }),
      limit: t.arg.int({ description: 'Keep the first N groups (default 1000).' }),
      rollUpCategories: t.arg.boolean({
        defaultValue: false,
        description:
          'With CATEGORY: a category counts the tickets of its whole subtree (each ticket counts in its own category and in every ancestor), so a parent is the sum over its children plus its own tickets. Default false: a category counts only its own tickets. Group sums then count a ticket once per level.',
      }),
    },
    resolve: async (_root, args, ctx, info) => {
      const range = parseRange(args.range as DateTimeRangeArg);
      const totals = selectedMeasures(info, ['metrics']);
      const measures = new Set([...totals, ...selectedMeasures(info, ['buckets', 'metrics'])]);
      return computeBreakdown(ctx.db, {
        by: args.by as Dimension[],
        range,
        granularity: args.granularity ?? null,
        timeZone: args.timeZone ?? 'UTC',
        weekStart: (args.weekStart ?? 1) as IsoWeekday,
        filter: await cachedFilter(ctx, args.filter as TicketFilterArg),
        scope: viewerScope(ctx),
        measures,
        orderBy: args.orderBy ? { path: args.orderBy.metric, direction: args.orderBy.direction ?? 'DESC' } : null,
        limit: args.limit ?? null,
        rollUpCategories: args.rollUpCategories === true,
        exact: args.exact === true,
        rollups: ctx.analyticsRollups !== false,
        // Range totals per group cost a second grouping; skip them unless selected.
        totals: totals.size > 0,
      });
    },
  }),
}));

// ---------------------------------------------------------------------------
// Per-entity metrics, batched: one statement for a page of entities

function entityMetricsField(model: 'Agent' | 'Team' | 'Category', dimension: EntityDimension, what: string) {
  builder.prismaObjectField(model, 'metrics', (t) =>
    t.field({
      type: MetricsRef,
      description: `The selected metrics of ${what} over a range, counted as in Query.metrics. A page of ${model.toLowerCase()}s costs one SQL statement for all of them.`,
      args: {
        range: t.arg({ type: DateTimeRangeInput, required: true, description: rangeArgDescription }),
        filter: t.arg({ type: TicketFilterInput, description: filterArgDescription }),
        exact: t.arg.boolean({ defaultValue: false, description: exactArgDescription }),
        timeZone: t.arg({ type: 'TimeZone', defaultValue: 'UTC', description: totalsZoneDescription }),
        rollUp: t.arg.boolean({
          defaultValue: false,
          description:
            dimension === 'CATEGORY'
              ? 'Count the tickets of the whole subtree (this category and all below it). Default false: only tickets in this category itself.'
              : 'Only for categories; ignored here.',
        }),
      },
      resolve: (parent, args, ctx, info) => {
        const range = parseRange(args.range as DateTimeRangeArg);
        validTimeZone(args.timeZone ?? 'UTC');
        const measures = [...selectedMeasures(info)].sort();
        const rollUp = dimension === 'CATEGORY' && args.rollUp === true;
        const key = JSON.stringify([dimension, range.from.toISOString(), range.to.toISOString(), args.timeZone, args.filter ?? null, args.exact === true, rollUp, measures]);
        const loader = loaderFor(
          ctx,
          `analytics:metrics:${key}`,
          () =>
            new DataLoader<number, MetricValues>(async (ids) => {
              const values = await computeEntityMetrics(ctx.db, {
                dimension,
                ids,
                range,
                filter: await cachedFilter(ctx, args.filter as TicketFilterArg),
                scope: viewerScope(ctx),
                measures,
                exact: args.exact === true,
                rollups: ctx.analyticsRollups !== false,
                rollUpCategories: rollUp,
              });
              return ids.map((id) => values.get(id) as MetricValues);
            }),
        );
        return loader.load(parent.id);
      },
    }),
  );
}

entityMetricsField(
  'Agent',
  'AGENT',
  'the agent: solved-ticket metrics by the assignee at solve time, first-response metrics by the first reply\'s author, replies by their author, other ticket metrics by the current assignee, and the feedback credited to the agent',
);
entityMetricsField('Team', 'TEAM', "the team's tickets and the feedback credited to the team");
entityMetricsField('Category', 'CATEGORY', 'the tickets in this category and their feedback');

