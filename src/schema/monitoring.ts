import { encodeGlobalID } from '@pothos/plugin-relay';
import { Duration } from 'luxon';
import { defaultFieldResolver, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import type { Granularity, IsoWeekday } from '../analytics/buckets.ts';
import type { Dimension, EntityDimension } from '../analytics/dimensions.ts';
import type { TicketFilterSpec } from '../analytics/filter.ts';
import { measureAt } from '../analytics/registry.ts';
import type { MetricsGroupResult, MetricValues, SeriesBucket } from '../analytics/engine.ts';
import { badInput, userError } from '../errors.ts';
import { Prisma, type AlertRule, type Scorecard, type Target } from '../generated/prisma/client.ts';
import { describeMessageDestination, type MessageDestination } from '../exports/deliveries.ts';
import { validateAlertRule, type AlertRuleInputValue } from '../monitoring/alerts.ts';
import type { AmountUnit } from '../monitoring/amounts.ts';
import { originOf, tagOrigin, type Locator, type MetricsCall, type MetricsOrigin } from '../monitoring/origins.ts';
import {
  readServiceScore,
  storedComponents,
  validateScorecard,
  type ComponentInputValue,
  type ComponentReading,
  type ScorecardComponent,
  type ServiceScore,
} from '../monitoring/scorecards.ts';
import { readTargets, targetAttainment, validateTarget, type TargetReading } from '../monitoring/targets.ts';
import { MetricsBucketRef, MetricsGroupRef, MetricsRef, GranularityEnum } from './analytics.ts';
import { builder } from './builder.ts';
import { nodeScope } from './node.ts';
import { loaderFor, type Context } from './context.ts';
import { WeekdayEnum } from './enums.ts';
import { DateTimeRangeInput, decodeId, parseRange, resolveTicketFilter, TicketFilterInput, type DateTimeRangeArg, type TicketFilterArg } from './filters.ts';
import { viewerScope } from './scope.ts';

// Targets, alert rules and scorecards (src/monitoring/). Targets and scores are read
// beside metrics: `targets` on Metrics, MetricsBucket and MetricsGroup, and
// `serviceScore` on Metrics, each computed by the engine over the same read (range,
// buckets, groups or entities) as the metrics they sit next to.

// ---------------------------------------------------------------------------
// Where a Metrics object came from: the analytics fields are wrapped (see
// withMetricOrigins) so each result object knows its read and its place in it.

type Args = Record<string, unknown>;

function lazyFilter(ctx: Context, filter: unknown): () => Promise<TicketFilterSpec | null> {
  let promise: Promise<TicketFilterSpec | null> | null = null;
  return () => (promise ??= resolveTicketFilter(ctx, filter as TicketFilterArg | null | undefined));
}

function callBase(ctx: Context, args: Args) {
  return {
    db: ctx.db,
    range: parseRange(args.range as DateTimeRangeArg),
    filter: lazyFilter(ctx, args.filter),
    scope: viewerScope(ctx),
    timeZone: (args.timeZone as string | undefined) ?? 'UTC',
    exact: args.exact === true,
    cache: new Map(),
  };
}

function tagMetrics(object: unknown, call: MetricsCall, at: Locator): void {
  if (object && typeof object === 'object') tagOrigin(object, { call, at });
}

function tagBuckets(buckets: readonly SeriesBucket[] | null | undefined, call: MetricsCall, locate: (index: number) => Locator): void {
  (buckets ?? []).forEach((bucket, index) => {
    tagMetrics(bucket, call, locate(index));
    tagMetrics(bucket.metrics, call, locate(index));
  });
}

type Tagger = (result: unknown, source: unknown, args: Args, ctx: Context) => void;

const ROOT_TAGGERS: Record<string, Tagger> = {
  metrics: (result, _source, args, ctx) => tagMetrics(result, { ...callBase(ctx, args), kind: 'totals' }, { kind: 'totals' }),
  timeSeries: (result, _source, args, ctx) => {
    const call: MetricsCall = {
      ...callBase(ctx, args),
      kind: 'series',
      granularity: args.granularity as Granularity,
      weekStart: ((args.weekStart as number | undefined) ?? 1) as IsoWeekday,
    };
    tagBuckets(result as SeriesBucket[], call, (index) => ({ kind: 'bucket', index }));
  },
  breakdown: (result, _source, args, ctx) => {
    const call: MetricsCall = {
      ...callBase(ctx, args),
      kind: 'breakdown',
      by: args.by as Dimension[],
      granularity: (args.granularity as Granularity | null | undefined) ?? null,
      weekStart: ((args.weekStart as number | undefined) ?? 1) as IsoWeekday,
    };
    for (const group of (result as MetricsGroupResult[]) ?? []) {
      tagMetrics(group, call, { kind: 'group', key: group.key });
      tagMetrics(group.metrics, call, { kind: 'group', key: group.key });
      tagBuckets(group.buckets, call, (index) => ({ kind: 'groupBucket', key: group.key, index }));
    }
  },
};

const ENTITY_DIMENSIONS: Record<string, EntityDimension> = { Agent: 'AGENT', Team: 'TEAM', Category: 'CATEGORY' };

/** The shared read of a page of entities' metrics with the same arguments. */
function entityCall(ctx: Context, dimension: EntityDimension, args: Args): MetricsCall & { kind: 'entity' } {
  const key = JSON.stringify([dimension, args.range, args.filter ?? null, args.timeZone ?? 'UTC', args.exact === true]);
  return loaderFor(ctx, `monitoring:entity:${key}`, () => ({ ...callBase(ctx, args), kind: 'entity' as const, dimension, ids: new Set<number>() }));
}

function wrap(schema: GraphQLSchema, typeName: string, fieldName: string, before: (source: unknown, args: Args, ctx: Context) => (result: unknown) => void): void {
  const type = schema.getType(typeName);
  const field = type && 'getFields' in type ? (type.getFields() as Record<string, { resolve?: GraphQLFieldResolver<unknown, Context> }>)[fieldName] : undefined;
  if (!field) return;
  const original = field.resolve ?? defaultFieldResolver;
  field.resolve = (source, args, ctx, info) => {
    const after = before(source, args as Args, ctx);
    const result = original(source, args, ctx, info) as unknown;
    if (result instanceof Promise) return result.then((value) => (after(value), value));
    after(result);
    return result;
  };
}

/**
 * Wraps the analytics fields of a built schema so every Metrics, MetricsBucket and
 * MetricsGroup object they return remembers its read (arguments, viewer) and its place
 * in it; `targets` and `serviceScore` use that to compute over the same read.
 */
export function withMetricOrigins(schema: GraphQLSchema): GraphQLSchema {
  for (const [name, tag] of Object.entries(ROOT_TAGGERS)) {
    wrap(schema, 'Query', name, (source, args, ctx) => (result) => tag(result, source, args, ctx));
  }
  for (const [typeName, dimension] of Object.entries(ENTITY_DIMENSIONS)) {
    wrap(schema, typeName, 'metrics', (source, args, ctx) => {
      const id = (source as { id: number }).id;
      const call = entityCall(ctx, dimension, args);
      // Registered before any nested field resolves, so one statement covers the page.
      call.ids.add(id);
      return (result) => tagMetrics(result, call, { kind: 'entity', id });
    });
  }
  return schema;
}

function requireOrigin(object: object, field: string): MetricsOrigin {
  const origin = originOf(object);
  if (!origin) throw userError('INTERNAL_SERVER_ERROR', `${field} could not tell which read its metrics belong to`);
  return origin;
}

// ---------------------------------------------------------------------------
// Targets

const ComparisonEnum = builder.enumType('TargetComparison', {
  description: 'Which side of the threshold meets the target.',
  values: {
    AT_MOST: { description: 'Met when the actual is at most the threshold (times, backlog).' },
    AT_LEAST: { description: 'Met when the actual is at least the threshold (rates, CSAT).' },
  } as const,
});

const TargetStatusEnum = builder.enumType('TargetStatus', {
  description: 'How an actual value compares with a target.',
  values: {
    MET: { description: 'On the good side of the threshold (or on it).' },
    MISSED: { description: 'On the wrong side of the threshold.' },
    NO_DATA: { description: 'The metric has no value here (an average, rate or percentile over no tickets).' },
  } as const,
});

/** Units a threshold, best or worst value can be written in. */
export const AmountUnitEnum = builder.enumType('AmountUnit', {
  description:
    "The unit a number is given in; it is converted to the metric's own unit (seconds for durations, a fraction 0..1 for rates). Absent: the metric's own unit.",
  values: {
    SECONDS: { description: 'Seconds (durations).' },
    MINUTES: { description: 'Minutes (durations).' },
    HOURS: { description: 'Hours (durations).' },
    DAYS: { description: 'Days of 24 hours (durations).' },
    FRACTION: { description: 'A fraction 0..1 (rates), the rates’ own unit.' },
    PERCENT: { description: 'Percent 0..100 (rates): 85 means 0.85.' },
  } satisfies Record<AmountUnit, { description: string }>,
});

const TargetScopeInput = builder.inputType('TargetScopeInput', {
  description: 'Whom a target covers: one team, one agent, or (neither given) everyone.',
  fields: (t) => ({
    teamId: t.id({ description: 'The tickets of this team.' }),
    agentId: t.id({ description: 'The tickets assigned to this agent.' }),
  }),
});

const TargetInput = builder.inputType('TargetInput', {
  description: 'A KPI target: a metric, over a filter and scope, compared with a threshold per bucket.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'Unique name; upsertTarget updates the target of this name.' }),
    metric: t.string({
      required: true,
      description: 'A dotted path of a Metrics field, e.g. firstResponseTime.median, firstContactResolutionRate, csat.score.',
    }),
    filter: t.field({ type: TicketFilterInput, description: 'Which tickets count (e.g. channels: [EMAIL]); absent: all.' }),
    scope: t.field({ type: TargetScopeInput, description: 'A team, an agent, or everyone (absent).' }),
    comparison: t.field({ type: ComparisonEnum, required: true, description: 'AT_MOST or AT_LEAST the threshold.' }),
    threshold: t.float({ description: 'The threshold as a number, in unit (default the metric’s unit: seconds, a fraction 0..1, …). Give this or thresholdDuration.' }),
    thresholdDuration: t.field({ type: 'Duration', description: 'The threshold of a duration metric as ISO 8601, e.g. PT24H. Give this or threshold.' }),
    unit: t.field({ type: AmountUnitEnum, description: 'The unit of threshold (MINUTES, HOURS, PERCENT, …).' }),
    granularity: t.field({ type: GranularityEnum, description: 'The period a target is judged over (targetAttainment, alerts); default WEEK.' }),
    timeZone: t.field({ type: 'TimeZone', description: 'IANA zone of those periods; default UTC.' }),
  }),
});

/** A KPI target. */
export const TargetRef = builder.prismaNode('Target', {
  id: { field: 'id' },
  nullable: true,
  // node(id:) for a team-scoped viewer: targets for everyone or its teams (agent-scoped ones are listed by `targets`).
  findUnique: nodeScope('Target', (ctx) =>
    ctx.viewer.teamIds === null ? {} : { OR: [{ scopeTeamId: null, scopeAgentId: null }, { scopeTeamId: { in: ctx.viewer.teamIds } }] },
  ),
  description: 'A KPI target: a registry metric over a filter and scope, compared with a threshold (in the metric’s own unit).',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Unique name.' }),
    metric: t.exposeString('metric', { description: 'The dotted Metrics path the target is on, e.g. firstResponseTime.median.' }),
    filter: t.field({
      type: 'JSON',
      nullable: true,
      description: 'The stored ticket filter (channels, priorities, …; ids as row ids); null: all tickets.',
      resolve: (r) => r.filter,
    }),
    teamId: t.field({ type: 'ID', nullable: true, description: 'TEAM scope: the team’s id.', resolve: (r) => (r.scopeTeamId === null ? null : encodeGlobalID('Team', r.scopeTeamId)) }),
    agentId: t.field({ type: 'ID', nullable: true, description: 'AGENT scope: the agent’s id.', resolve: (r) => (r.scopeAgentId === null ? null : encodeGlobalID('Agent', r.scopeAgentId)) }),
    comparison: t.field({ type: ComparisonEnum, description: 'AT_MOST or AT_LEAST.', resolve: (r) => r.comparison }),
    threshold: t.exposeFloat('threshold', { description: 'The threshold in the metric’s own unit (seconds for durations, a fraction 0..1 for rates).' }),
    unit: t.string({ description: 'The metric’s own unit, from the registry (seconds, fraction 0..1, percent, tickets, …).', resolve: (r) => measureAt(r.metric)?.leaf.unit ?? 'unknown' }),
    granularity: t.field({ type: GranularityEnum, description: 'The period the target is judged over.', resolve: (r) => r.granularity as Granularity }),
    timeZone: t.exposeString('timeZone', { description: 'IANA zone of those periods.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the target last changed.' }),
  }),
});

const TargetReadingRef = builder.objectRef<TargetReading>('TargetReading').implement({
  description: 'A target read beside metrics: its metric here (same bucket, group or entity, same filter plus the target’s), and how it compares.',
  fields: (t) => ({
    target: t.field({ type: TargetRef, description: 'The target.', resolve: (r) => r.target }),
    actual: t.float({ nullable: true, description: 'The target’s metric here, in the metric’s unit; null without data (counts read 0).', resolve: (r) => r.actual }),
    threshold: t.float({ description: 'The threshold, in the metric’s unit.', resolve: (r) => r.target.threshold }),
    status: t.field({ type: TargetStatusEnum, description: 'MET, MISSED or NO_DATA.', resolve: (r) => r.status }),
    gap: t.float({
      nullable: true,
      description: 'How far the actual is on the wrong side of the threshold, in the metric’s unit: positive = missed by that much, 0 or negative = met with that margin; null with no data.',
      resolve: (r) => r.gap,
    }),
  }),
});

/**
 * Targets a viewer may see: all for an unrestricted viewer; for a team-scoped one, the
 * targets for everyone and those scoped to its teams or their agents.
 */
async function targetWhere(ctx: Context): Promise<Prisma.TargetWhereInput> {
  const { teamIds } = ctx.viewer;
  if (teamIds === null) return {};
  const agents = await loaderFor(ctx, 'monitoring:scope-agents', () =>
    ctx.db.prisma.agent.findMany({ where: { teamId: { in: teamIds } }, select: { id: true } }),
  );
  return {
    OR: [
      { scopeTeamId: null, scopeAgentId: null },
      { scopeTeamId: { in: teamIds } },
      { scopeAgentId: { in: agents.map((a) => a.id) } },
    ],
  };
}

/** The targets a `targets(ids:)` argument names (all visible ones when absent), in name order. */
async function listTargets(ctx: Context, ids: readonly (string | number)[] | null | undefined): Promise<Target[]> {
  const rowIds = ids ? ids.map((id) => decodeId(id, 'Target', 'ids')) : null;
  const key = `monitoring:targets:${JSON.stringify(rowIds)}`;
  return loaderFor(ctx, key, async () =>
    ctx.db.prisma.target.findMany({ where: { AND: [rowIds ? { id: { in: rowIds } } : {}, await targetWhere(ctx)] }, orderBy: [{ name: 'asc' }] }),
  );
}

const targetsArgDescription = 'Only these targets (Target ids); absent: every target.';
const targetsFieldDescription =
  'Targets read beside these metrics: each target’s metric computed by the engine over the same place (bucket, group, entity or range) for the tickets matching both this read’s filter and the target’s filter and scope, compared with its threshold. One SQL statement per target for the whole read.';

function targetsField(ref: typeof MetricsRef | typeof MetricsBucketRef | typeof MetricsGroupRef, where: string) {
  builder.objectField(ref, 'targets', (t) =>
    t.field({
      type: [TargetReadingRef],
      description: `${targetsFieldDescription} (${where})`,
      args: { ids: t.arg.idList({ description: targetsArgDescription }) },
      resolve: async (parent, args, ctx) => readTargets(requireOrigin(parent as object, 'targets'), await listTargets(ctx, args.ids)),
    }),
  );
}
targetsField(MetricsRef, 'on Metrics');
targetsField(MetricsBucketRef, 'per bucket');
targetsField(MetricsGroupRef, 'per group, over the whole range');

const AttainmentBucketRef = builder
  .objectRef<{ start: Date; end: Date; label: string; actual: number | null; status: 'MET' | 'MISSED' | 'NO_DATA'; gap: number | null }>('TargetAttainmentBucket')
  .implement({
    description: 'One period of a target’s granularity and how the target fared in it.',
    fields: (t) => ({
      start: t.expose('start', { type: 'DateTime', description: 'First instant of the period (clipped to the range).' }),
      end: t.expose('end', { type: 'DateTime', description: 'End of the period (exclusive).' }),
      label: t.exposeString('label', { description: 'Local label in the target’s zone (2026-W13, …).' }),
      actual: t.float({ nullable: true, description: 'The target’s metric in the period; null without data.', resolve: (b) => b.actual }),
      status: t.field({ type: TargetStatusEnum, description: 'MET, MISSED or NO_DATA.', resolve: (b) => b.status }),
      gap: t.float({ nullable: true, description: 'As TargetReading.gap.', resolve: (b) => b.gap }),
    }),
  });

const AttainmentRef = builder.objectRef<Awaited<ReturnType<typeof targetAttainment>>>('TargetAttainment').implement({
  description: 'How often a target was met over a range: per period of its granularity in its zone.',
  fields: (t) => ({
    target: t.field({ type: TargetRef, description: 'The target.', resolve: (a) => a.target }),
    buckets: t.field({ type: [AttainmentBucketRef], description: 'Every period of the range, in order.', resolve: (a) => a.buckets }),
    met: t.int({ description: 'Periods met.', resolve: (a) => a.met }),
    missed: t.int({ description: 'Periods missed.', resolve: (a) => a.missed }),
    noData: t.int({ description: 'Periods without data (left out of attainment).', resolve: (a) => a.noData }),
    attainment: t.float({ nullable: true, description: 'met / (met + missed), a fraction 0..1; null when no period had data.', resolve: (a) => a.attainment }),
  }),
});

async function findTarget(ctx: Context, id: string | number, argument: string): Promise<Target> {
  const target = await ctx.db.prisma.target.findFirst({ where: { AND: [{ id: decodeId(id, 'Target', argument) }, await targetWhere(ctx)] } });
  if (!target) throw userError('NOT_FOUND', `no target with id ${String(id)}`, { argument });
  return target;
}

builder.queryFields((t) => ({
  targets: t.prismaField({
    type: ['Target'],
    description: 'Every KPI target the viewer may see, by name (a team-scoped token: targets for everyone and for its teams and their agents).',
    resolve: async (query, _root, _args, ctx) => ctx.db.prisma.target.findMany({ ...query, where: await targetWhere(ctx), orderBy: [{ name: 'asc' }] }),
  }),
  targetAttainment: t.field({
    type: AttainmentRef,
    description:
      'A target judged per period of its own granularity and zone over a range (first and last periods clipped): met, missed, and the share met. One SQL statement.',
    args: {
      target: t.arg.id({ required: true, description: 'The target.' }),
      range: t.arg({ type: DateTimeRangeInput, required: true, description: 'Half-open range [from, to).' }),
      filter: t.arg({ type: TicketFilterInput, description: 'Narrow the target further (combined with its own filter).' }),
      weekStart: t.arg({ type: WeekdayEnum, defaultValue: 1, description: 'First day of a WEEK period; default MONDAY.' }),
      exact: t.arg.boolean({
        defaultValue: false,
        description: 'true: percentiles exactly from the rows; default: from rollup histograms where they answer (within 1 %), as timeSeries does.',
      }),
    },
    resolve: async (_root, args, ctx) => {
      const range = parseRange(args.range as DateTimeRangeArg);
      const target = await findTarget(ctx, args.target, 'target');
      const filter = await resolveTicketFilter(ctx, args.filter as TicketFilterArg);
      return targetAttainment(ctx.db, target, range, viewerScope(ctx), filter, (args.weekStart ?? 1) as IsoWeekday, args.exact === true);
    },
  }),
}));

async function scopeIds(ctx: Context, scope: { teamId?: string | number | null; agentId?: string | number | null } | null | undefined) {
  const teamId = scope?.teamId != null ? decodeId(scope.teamId, 'Team', 'input.scope.teamId') : null;
  const agentId = scope?.agentId != null ? decodeId(scope.agentId, 'Agent', 'input.scope.agentId') : null;
  if (teamId !== null && !(await ctx.db.prisma.team.findUnique({ where: { id: teamId } }))) {
    throw badInput(`input.scope.teamId: no Team with id ${String(scope?.teamId)}`, { argument: 'input.scope.teamId' });
  }
  if (agentId !== null && !(await ctx.db.prisma.agent.findUnique({ where: { id: agentId } }))) {
    throw badInput(`input.scope.agentId: no Agent with id ${String(scope?.agentId)}`, { argument: 'input.scope.agentId' });
  }
  return { teamId, agentId };
}

builder.mutationFields((t) => ({
  upsertTarget: t.prismaField({
    type: 'Target',
    description: 'Creates the target of this name, or replaces it (ADMIN). Rates take fractions, durations seconds or an ISO duration (thresholdDuration: "PT24H").',
    args: { input: t.arg({ type: TargetInput, required: true, description: 'The target.' }) },
    resolve: async (query, _root, { input }, ctx) => {
      const data = validateTarget({
        name: input.name,
        metric: input.metric,
        filter: await resolveTicketFilter(ctx, input.filter as TicketFilterArg, 'input.filter'),
        scope: await scopeIds(ctx, input.scope),
        comparison: input.comparison,
        threshold: input.threshold,
        thresholdDuration: input.thresholdDuration,
        unit: input.unit,
        granularity: input.granularity,
        timeZone: input.timeZone,
      });
      const json = data.filter === null ? Prisma.DbNull : (data.filter as Prisma.InputJsonValue);
      return ctx.db.prisma.target.upsert({ ...query, where: { name: data.name }, create: { ...data, filter: json }, update: { ...data, filter: json } });
    },
  }),
  deleteTarget: t.boolean({
    description: 'Deletes a target (ADMIN); alert rules built on it stop with it. True when it existed.',
    args: { id: t.arg.id({ required: true, description: 'The target.' }) },
    resolve: async (_root, args, ctx) => {
      const id = decodeId(args.id, 'Target');
      return ctx.db.prisma.$transaction(async (tx) => {
        const rules = (await tx.alertRule.findMany({ where: { targetId: id }, select: { id: true } })).map((r) => r.id);
        await tx.alertEvent.deleteMany({ where: { ruleId: { in: rules } } });
        await tx.alertTicketNotice.deleteMany({ where: { ruleId: { in: rules } } });
        await tx.alertRule.deleteMany({ where: { id: { in: rules } } });
        const { count } = await tx.target.deleteMany({ where: { id } });
        return count === 1;
      });
    },
  }),
}));

// ---------------------------------------------------------------------------
// Scorecards and serviceScore

const ScorecardComponentInput = builder.inputType('ScorecardComponentInput', {
  description:
    'One component: a metric, its weight in percent, and the values that score 100 (best, the target) and 0 (worst); points are linear in between and clamped. Durations take seconds, a unit, or an ISO duration; rates a fraction 0..1 (or unit PERCENT).',
  fields: (t) => ({
    metric: t.string({ required: true, description: 'A dotted Metrics path, e.g. resolutionTime.median, firstContactResolutionRate, csat.score.' }),
    weight: t.float({ required: true, description: 'Weight in percent; the weights of a scorecard sum to 100.' }),
    best: t.float({ description: 'The value scoring 100 (the target), in unit. Give this or bestDuration.' }),
    bestDuration: t.field({ type: 'Duration', description: 'The value scoring 100 for a duration metric, e.g. PT4H.' }),
    worst: t.float({ description: 'The value scoring 0, in unit. Give this or worstDuration.' }),
    worstDuration: t.field({ type: 'Duration', description: 'The value scoring 0 for a duration metric, e.g. PT72H.' }),
    unit: t.field({ type: AmountUnitEnum, description: 'The unit of best and worst (default the metric’s own unit).' }),
  }),
});

const ScorecardInput = builder.inputType('ScorecardInput', {
  description: 'A weighted service scorecard.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'Unique name; upsertScorecard replaces the scorecard of this name.' }),
    components: t.field({ type: [ScorecardComponentInput], required: true, description: '1 to 20 components whose weights sum to 100.' }),
  }),
});

const ScorecardComponentRef = builder.objectRef<ScorecardComponent>('ScorecardComponent').implement({
  description: 'A stored component, best and worst in the metric’s own unit.',
  fields: (t) => ({
    metric: t.exposeString('metric', { description: 'The dotted Metrics path.' }),
    weight: t.exposeFloat('weight', { description: 'Weight in percent.' }),
    best: t.exposeFloat('best', { description: 'The value scoring 100, in the metric’s unit.' }),
    worst: t.exposeFloat('worst', { description: 'The value scoring 0, in the metric’s unit.' }),
    unit: t.string({ description: 'The metric’s unit, from the registry.', resolve: (c) => measureAt(c.metric)?.leaf.unit ?? 'unknown' }),
  }),
});

/** A weighted service scorecard. */
export const ScorecardRef = builder.prismaNode('Scorecard', {
  id: { field: 'id' },
  findUnique: nodeScope('Scorecard', () => ({})),
  nullable: true,
  description:
    'A weighted service scorecard: each component scores 0..100, linear between its worst (0) and best (100) value and clamped; the score is the weighted mean (weights sum to 100).',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Unique name.' }),
    components: t.field({ type: [ScorecardComponentRef], description: 'The components, in the order given.', resolve: (card) => storedComponents(card) }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the scorecard last changed.' }),
  }),
});

const ComponentReadingRef = builder.objectRef<ComponentReading>('ServiceScoreComponent').implement({
  description: 'One component of a service score here: its metric’s value, its points and what they add to the score.',
  fields: (t) => ({
    metric: t.exposeString('metric', { description: 'The dotted Metrics path.' }),
    weight: t.exposeFloat('weight', { description: 'Weight in percent.' }),
    best: t.exposeFloat('best', { description: 'The value scoring 100, in the metric’s unit.' }),
    worst: t.exposeFloat('worst', { description: 'The value scoring 0, in the metric’s unit.' }),
    value: t.float({ nullable: true, description: 'The metric here, in its unit; null without data.', resolve: (c) => c.value }),
    points: t.float({ nullable: true, description: '0..100: (value − worst) / (best − worst) × 100, clamped; null without data.', resolve: (c) => c.points }),
    weightedPoints: t.float({ nullable: true, description: 'weight × points / 100: this component’s share of the score.', resolve: (c) => c.weighted }),
  }),
});

const ServiceScoreRef = builder.objectRef<ServiceScore>('ServiceScore').implement({
  description: 'A scorecard applied to these metrics: the score 0..100 and each component’s value and points, so a score can be explained.',
  fields: (t) => ({
    scorecard: t.field({ type: ScorecardRef, description: 'The scorecard.', resolve: (s) => s.scorecard }),
    score: t.float({
      nullable: true,
      description: 'Σ weight × points / 100, 0..100; null when a component has no data (see reason) — never scored as 0.',
      resolve: (s) => s.score,
    }),
    reason: t.string({ nullable: true, description: 'Why score is null (the components without data); null when there is a score.', resolve: (s) => s.reason }),
    components: t.field({ type: [ComponentReadingRef], description: 'Each component, in the scorecard’s order.', resolve: (s) => s.components }),
  }),
});

/** A scorecard by name or by id, cached per request. */
function findScorecard(ctx: Context, ref: string): Promise<Scorecard> {
  return loaderFor(ctx, `monitoring:scorecard:${ref}`, async () => {
    let id: number | null = null;
    try {
      id = decodeId(ref, 'Scorecard', 'scorecard');
    } catch {
      id = null;
    }
    const card = await ctx.db.prisma.scorecard.findFirst({ where: id === null ? { name: ref } : { OR: [{ id }, { name: ref }] } });
    if (!card) throw userError('NOT_FOUND', `no scorecard named or with id "${ref}"; list them with { scorecards { id name } }`, { argument: 'scorecard' });
    return card;
  });
}

builder.objectField(MetricsRef, 'serviceScore', (t) =>
  t.field({
    type: ServiceScoreRef,
    description:
      'A weighted service score over these metrics’ range, bucket, group or entity and filter: each component’s metric computed by the engine (one SQL statement per scorecard for the whole read), scored 0..100 between its worst and best value, weighted.',
    args: { scorecard: t.arg.string({ required: true, description: 'The scorecard’s name or id.' }) },
    resolve: async (parent, args, ctx) => readServiceScore(requireOrigin(parent as object, 'serviceScore'), await findScorecard(ctx, args.scorecard)),
  }),
);

builder.queryFields((t) => ({
  scorecards: t.prismaField({
    type: ['Scorecard'],
    description: 'Every service scorecard, by name.',
    resolve: (query, _root, _args, ctx) => ctx.db.prisma.scorecard.findMany({ ...query, orderBy: [{ name: 'asc' }] }),
  }),
}));

builder.mutationFields((t) => ({
  upsertScorecard: t.prismaField({
    type: 'Scorecard',
    description: 'Creates the scorecard of this name, or replaces it (ADMIN). Weights must sum to 100; best and worst must differ.',
    args: { input: t.arg({ type: ScorecardInput, required: true, description: 'The scorecard.' }) },
    resolve: (query, _root, { input }, ctx) => {
      const data = validateScorecard({ name: input.name, components: input.components as ComponentInputValue[] });
      const components = data.components as unknown as Prisma.InputJsonValue;
      return ctx.db.prisma.scorecard.upsert({ ...query, where: { name: data.name }, create: { name: data.name, components }, update: { components } });
    },
  }),
  deleteScorecard: t.boolean({
    description: 'Deletes a scorecard (ADMIN). True when it existed.',
    args: { id: t.arg.id({ required: true, description: 'The scorecard.' }) },
    resolve: async (_root, args, ctx) => (await ctx.db.prisma.scorecard.deleteMany({ where: { id: decodeId(args.id, 'Scorecard') } })).count === 1,
  }),
}));

// ---------------------------------------------------------------------------
// Alert rules and their events (ADMIN: rules hold webhook URLs and recipients)

const AlertKindEnum = builder.enumType('AlertKind', {
  description: 'What an alert rule watches.',
  values: {
    METRIC: { description: 'A metric (or a target’s metric) over a rolling window, against a threshold.' },
    SLA_AT_RISK: { description: 'Open tickets whose SLA deadline falls within `within`; each ticket deadline is notified once.' },
  } as const,
});

const AlertStateEnum = builder.enumType('AlertState', {
  description: 'Where an alert rule is, as in Grafana and Datadog monitors.',
  values: {
    OK: { description: 'The condition is false (or the sample is below minSample).' },
    PENDING: { description: 'The condition is true, waiting for it to hold `for`.' },
    FIRING: { description: 'The condition has held `for`; notified.' },
    RESOLVED: { description: 'The condition became false after FIRING; notified. The next false evaluation makes it OK.' },
  } as const,
});

const NotificationStatusEnum = builder.enumType('AlertNotificationStatus', {
  description: 'Where an event’s notification is.',
  values: {
    PENDING: { description: 'Waiting for a scheduler to claim it.' },
    RUNNING: { description: 'Being delivered (or resumed after its process stopped).' },
    SUCCEEDED: { description: 'Delivered to every destination.' },
    FAILED: { description: 'A destination refused it on every attempt; see deliveries.' },
  } as const,
});

const AlertDestinationInput = builder.inputType('AlertDestinationInput', {
  description: 'Where an alert notifies; set exactly one field.',
  fields: (t) => ({
    webhookUrl: t.field({ type: 'URL', description: 'POST the event as JSON, with an Idempotency-Key header (the same on retries).' }),
    chatWebhookUrl: t.field({ type: 'URL', description: 'A Slack or Microsoft Teams incoming webhook: POST { "text": … }.' }),
    email: t.field({ type: ['EmailAddress'], description: 'Send an e-mail through the server’s SMTP_URL.' }),
  }),
});

const AlertRuleInput = builder.inputType('AlertRuleInput', {
  description:
    'An alert rule. METRIC: a target (targetId) or a metric + comparison + threshold, a window (window: "PT4H", or today: true in timeZone), a minimum sample, and how long the condition must hold (for). SLA_AT_RISK: within.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'Unique name; upsertAlertRule replaces the rule of this name.' }),
    kind: t.field({ type: AlertKindEnum, defaultValue: 'METRIC', description: 'METRIC (default) or SLA_AT_RISK.' }),
    targetId: t.id({ description: 'Alert when this target is missed over the window (metric, filter, scope and threshold come from it).' }),
    metric: t.string({ description: 'Without a target: a dotted Metrics path.' }),
    filter: t.field({ type: TicketFilterInput, description: 'Without a target: which tickets count.' }),
    scope: t.field({ type: TargetScopeInput, description: 'Without a target: a team or an agent.' }),
    comparison: t.field({ type: ComparisonEnum, description: 'Without a target: the good side; the rule fires when the value is on the other.' }),
    threshold: t.float({ description: 'Without a target: the threshold, in unit.' }),
    thresholdDuration: t.field({ type: 'Duration', description: 'Without a target: the threshold of a duration metric, e.g. PT15M.' }),
    unit: t.field({ type: AmountUnitEnum, description: 'The unit of threshold.' }),
    window: t.field({ type: 'Duration', description: 'A rolling window ending at each evaluation, e.g. PT4H (at least PT1M).' }),
    today: t.boolean({ description: 'Instead of window: today so far, from local midnight in timeZone.' }),
    timeZone: t.field({ type: 'TimeZone', description: 'Zone of `today` (default: the target’s, else UTC).' }),
    minSample: t.int({ description: 'At least this many tickets (or responses) in the window, else the condition is false; default 0.' }),
    for: t.field({ type: 'Duration', description: 'How long the condition must hold before FIRING (PENDING meanwhile); default PT0S.' }),
    every: t.field({ type: 'Duration', description: 'How often to evaluate; default PT1M.' }),
    within: t.field({ type: 'Duration', description: 'SLA_AT_RISK: deadlines due within this, e.g. PT30M.' }),
    destinations: t.field({ type: [AlertDestinationInput], description: 'Where FIRING and RESOLVED notify (up to 20).' }),
    silencedUntil: t.field({ type: 'DateTime', description: 'Evaluate, but notify nobody until then.' }),
  }),
});

const durationOf = (s: number | null) => (s === null ? null : Duration.fromObject({ seconds: s }).rescale().toISO() ?? `PT${s}S`);

const AlertDeliveryRef = builder
  .objectRef<{ destination: string; kind: string; status: string; attempts: number; detail: string | null; error: string | null; deliveredAt: string | null }>('AlertDelivery')
  .implement({
    description: 'What one destination answered to a notification.',
    fields: (t) => ({
      destination: t.exposeString('destination', { description: 'The destination, readable (a webhook without its query string).' }),
      kind: t.exposeString('kind', { description: 'WEBHOOK, CHAT or EMAIL.' }),
      status: t.exposeString('status', { description: 'PENDING, DELIVERED or FAILED.' }),
      attempts: t.exposeInt('attempts', { description: 'Attempts so far.' }),
      detail: t.string({ nullable: true, description: 'The HTTP status or SMTP message id.', resolve: (d) => d.detail }),
      error: t.string({ nullable: true, description: 'The last failure.', resolve: (d) => d.error }),
      deliveredAt: t.string({ nullable: true, description: 'When it was accepted (ISO 8601).', resolve: (d) => d.deliveredAt }),
    }),
  });

/** An alert rule. */
export const AlertRuleRef = builder.prismaNode('AlertRule', {
  id: { field: 'id' },
  findUnique: nodeScope('AlertRule', () => ({})),
  nullable: true,
  description: 'An alert rule, evaluated by the server’s scheduler every `every` over its window; see AlertState.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Unique name.' }),
    kind: t.field({ type: AlertKindEnum, description: 'METRIC or SLA_AT_RISK.', resolve: (r) => r.kind }),
    target: t.field({
      type: TargetRef,
      nullable: true,
      description: 'The target the rule watches, if any.',
      resolve: (r, _args, ctx) => (r.targetId === null ? null : ctx.db.prisma.target.findUnique({ where: { id: r.targetId } })),
    }),
    metric: t.string({ nullable: true, description: 'The dotted Metrics path watched (a target’s at creation).', resolve: (r) => r.metric }),
    comparison: t.field({ type: ComparisonEnum, nullable: true, description: 'The good side of the threshold.', resolve: (r) => r.comparison }),
    threshold: t.float({ nullable: true, description: 'The threshold in the metric’s unit.', resolve: (r) => r.threshold }),
    window: t.string({ nullable: true, description: 'The rolling window as ISO 8601 (null for today).', resolve: (r) => (r.windowKind === 'TODAY' ? null : durationOf(r.windowSeconds)) }),
    today: t.boolean({ description: 'The window is today so far in timeZone.', resolve: (r) => r.windowKind === 'TODAY' }),
    timeZone: t.exposeString('timeZone', { description: 'Zone of `today`.' }),
    minSample: t.exposeInt('minSample', { description: 'Minimum tickets (or responses) in the window.' }),
    for: t.string({ description: 'How long the condition must hold before FIRING.', resolve: (r) => durationOf(r.forSeconds) ?? 'PT0S' }),
    every: t.string({ description: 'Evaluation interval.', resolve: (r) => durationOf(r.everySeconds) ?? 'PT1M' }),
    within: t.string({ nullable: true, description: 'SLA_AT_RISK: how far ahead.', resolve: (r) => durationOf(r.withinSeconds) }),
    destinations: t.stringList({
      description: 'Where it notifies, readable (webhooks without their query string).',
      resolve: (r) => (Array.isArray(r.destinations) ? (r.destinations as unknown as MessageDestination[]).map((d) => describeMessageDestination(d).destination) : []),
    }),
    silencedUntil: t.expose('silencedUntil', { type: 'DateTime', nullable: true, description: 'No notifications until then.' }),
    state: t.field({ type: AlertStateEnum, description: 'The current state.', resolve: (r) => r.state }),
    stateSince: t.expose('stateSince', { type: 'DateTime', description: 'When the rule entered its state.' }),
    lastValue: t.float({ nullable: true, description: 'The value at the last evaluation (SLA_AT_RISK: tickets at risk).', resolve: (r) => r.lastValue }),
    lastSample: t.int({ nullable: true, description: 'The sample size at the last evaluation.', resolve: (r) => r.lastSample }),
    lastEvaluatedAt: t.expose('lastEvaluatedAt', { type: 'DateTime', nullable: true, description: 'When it was last evaluated.' }),
    nextEvalAt: t.expose('nextEvalAt', { type: 'DateTime', nullable: true, description: 'When the scheduler evaluates it next; null: at its next pass (a new or changed rule).' }),
  }),
});

/** A state change of an alert rule. */
export const AlertEventRef = builder.prismaNode('AlertEvent', {
  id: { field: 'id' },
  findUnique: nodeScope('AlertEvent', () => ({})),
  nullable: true,
  description: 'A state change of an alert rule: the value and threshold that caused it, and (FIRING, RESOLVED) its notification.',
  fields: (t) => ({
    rule: t.field({
      type: AlertRuleRef,
      nullable: true,
      description: 'The rule (null once deleted).',
      resolve: (e, _args, ctx) => ctx.db.prisma.alertRule.findUnique({ where: { id: e.ruleId } }),
    }),
    fromState: t.field({ type: AlertStateEnum, description: 'The state before.', resolve: (e) => e.fromState }),
    toState: t.field({ type: AlertStateEnum, description: 'The state after.', resolve: (e) => e.toState }),
    value: t.float({ nullable: true, description: 'The metric over the window (SLA_AT_RISK: tickets at risk).', resolve: (e) => e.value }),
    threshold: t.float({ nullable: true, description: 'The threshold then, in the metric’s unit.', resolve: (e) => e.threshold }),
    sample: t.int({ nullable: true, description: 'Tickets (or responses) in the window.', resolve: (e) => e.sample }),
    windowFrom: t.expose('windowFrom', { type: 'DateTime', nullable: true, description: 'Start of the window evaluated.' }),
    windowTo: t.expose('windowTo', { type: 'DateTime', nullable: true, description: 'End of the window evaluated.' }),
    ticketIds: t.idList({ description: 'SLA_AT_RISK: the tickets notified (Ticket ids).', resolve: (e) => e.ticketIds.map((id) => encodeGlobalID('Ticket', id)) }),
    at: t.expose('at', { type: 'DateTime', description: 'When the change happened.' }),
    notification: t.field({
      type: NotificationStatusEnum,
      nullable: true,
      description: 'The notification’s status; null when this change notifies nobody (PENDING, OK, silenced, no destinations).',
      resolve: (e) => e.status,
    }),
    deliveries: t.field({
      type: [AlertDeliveryRef],
      description: 'Per destination, what it answered.',
      resolve: (e) => (Array.isArray(e.deliveries) ? (e.deliveries as unknown as AlertDeliveryRecord[]) : []),
    }),
    error: t.string({ nullable: true, description: 'Why the notification failed.', resolve: (e) => e.error }),
  }),
});

type AlertDeliveryRecord = { destination: string; kind: string; status: string; attempts: number; detail: string | null; error: string | null; deliveredAt: string | null };

async function findRule(ctx: Context, id: string | number, argument = 'id'): Promise<AlertRule> {
  const rule = await ctx.db.prisma.alertRule.findUnique({ where: { id: decodeId(id, 'AlertRule', argument) } });
  if (!rule) throw userError('NOT_FOUND', `no alert rule with id ${String(id)}`, { argument });
  return rule;
}

builder.queryFields((t) => ({
  alertRules: t.prismaField({
    type: ['AlertRule'],
    description: 'Every alert rule, by name (ADMIN).',
    resolve: (query, _root, _args, ctx) => ctx.db.prisma.alertRule.findMany({ ...query, orderBy: [{ name: 'asc' }] }),
  }),
  alertEvents: t.prismaField({
    type: ['AlertEvent'],
    description: 'Alert history, newest first (ADMIN): state changes with value, threshold and when; at most `first` (100 max).',
    args: {
      rule: t.arg.id({ description: 'Only this rule’s events.' }),
      first: t.arg.int({ defaultValue: 50, description: 'How many (at most 100).' }),
      before: t.arg.id({ description: 'Only events older than this one (paging).' }),
    },
    resolve: async (query, _root, args, ctx) => {
      const first = args.first ?? 50;
      if (first < 1 || first > 100) throw badInput(`first must be 1 to 100 (got ${first})`, { argument: 'first' });
      const ruleId = args.rule ? decodeId(args.rule, 'AlertRule', 'rule') : null;
      const before = args.before ? decodeId(args.before, 'AlertEvent', 'before') : null;
      return ctx.db.prisma.alertEvent.findMany({
        ...query,
        where: { ...(ruleId !== null ? { ruleId } : {}), ...(before !== null ? { id: { lt: before } } : {}) },
        orderBy: [{ id: 'desc' }],
        take: first,
      });
    },
  }),
}));

builder.mutationFields((t) => ({
  upsertAlertRule: t.prismaField({
    type: 'AlertRule',
    description: 'Creates the alert rule of this name, or replaces its definition (ADMIN); it is evaluated at the scheduler’s next pass.',
    args: { input: t.arg({ type: AlertRuleInput, required: true, description: 'The rule.' }) },
    resolve: async (query, _root, { input }, ctx) => {
      const target = input.targetId ? await findTarget(ctx, input.targetId, 'input.targetId') : null;
      const data = validateAlertRule({
        ...(input as Omit<AlertRuleInputValue, 'target' | 'filter' | 'scope'>),
        kind: input.kind ?? 'METRIC',
        target,
        filter: input.filter ? await resolveTicketFilter(ctx, input.filter as TicketFilterArg, 'input.filter') : null,
        scope: await scopeIds(ctx, input.scope),
      });
      const columns = {
        ...data,
        filter: data.filter === null || Object.values(data.filter).every((v) => v == null) ? Prisma.DbNull : (JSON.parse(JSON.stringify(data.filter)) as Prisma.InputJsonValue),
        destinations: data.destinations as unknown as Prisma.InputJsonValue,
        // Null: evaluated at the scheduler's next pass.
        nextEvalAt: null,
      };
      return ctx.db.prisma.alertRule.upsert({ ...query, where: { name: data.name }, create: columns, update: columns });
    },
  }),
  silenceAlertRule: t.prismaField({
    type: 'AlertRule',
    description: 'Silences a rule until a time (ADMIN): it is still evaluated and its events recorded, but nobody is notified. until: null lifts the silence.',
    args: {
      id: t.arg.id({ required: true, description: 'The rule.' }),
      until: t.arg({ type: 'DateTime', description: 'Notify again from then; null: now.' }),
    },
    resolve: async (query, _root, args, ctx) => {
      const rule = await findRule(ctx, args.id);
      return ctx.db.prisma.alertRule.update({ ...query, where: { id: rule.id }, data: { silencedUntil: args.until ?? null } });
    },
  }),
  deleteAlertRule: t.boolean({
    description: 'Deletes an alert rule and its history (ADMIN). True when it existed.',
    args: { id: t.arg.id({ required: true, description: 'The rule.' }) },
    resolve: async (_root, args, ctx) => {
      const id = decodeId(args.id, 'AlertRule');
      return ctx.db.prisma.$transaction(async (tx) => {
        await tx.alertEvent.deleteMany({ where: { ruleId: id } });
        await tx.alertTicketNotice.deleteMany({ where: { ruleId: id } });
        return (await tx.alertRule.deleteMany({ where: { id } })).count === 1;
      });
    },
  }),
}));
