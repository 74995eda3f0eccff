import DataLoader from 'dataloader';
import { badInput } from '../errors.ts';
import type { Channel } from '../generated/prisma/enums.ts';
import { computeForecastAccuracy, type AccuracyResult, type GranularityAccuracy } from '../planning/backtest.ts';
import { computeForecast, type ForecastBucket, type ForecastGranularity, type ForecastSeries } from '../planning/forecast.ts';
import type { ForecastDimension, ForecastKey } from '../planning/history.ts';
import type { Accuracy } from '../planning/model.ts';
import { computeStaffing, type StaffingBucket, type StaffingMethod, type StaffingPlan } from '../planning/staffing.ts';
import type { StaffingTarget } from '../planning/erlang.ts';
import { builder } from './builder.ts';
import { loaderFor } from './context.ts';
import { ChannelEnum } from './enums.ts';
import { DateTimeRangeInput, parseRange, resolveTicketFilter, TicketFilterInput, type DateTimeRangeArg, type TicketFilterArg } from './filters.ts';
import { viewerScope } from './scope.ts';
import { TeamRef } from './teams.ts';

/** Bucket sizes of a forecast. */
export const ForecastGranularityEnum = builder.enumType('ForecastGranularity', {
  description: 'Bucket size of a forecast or staffing plan, in the requested time zone (local hours, local days of 23-25 hours, weeks from Monday).',
  values: {
    HOUR: { description: 'Local clock hours (label 2026-03-29T14).' },
    DAY: { description: 'Local calendar days (label 2026-03-29).' },
    WEEK: { description: 'Weeks starting on Monday (label 2026-W13).' },
  } satisfies Record<ForecastGranularity, { description: string }>,
});

/** What a forecast can be split by. */
export const ForecastDimensionEnum = builder.enumType('ForecastDimension', {
  description: 'Split a forecast into one series per value: the model is fitted on each series\' own history.',
  values: {
    CHANNEL: { description: 'Ticket channel.' },
    TEAM: { description: 'Ticket team (tickets without a team form the null group).' },
  } satisfies Record<ForecastDimension, { description: string }>,
});

const ForecastKeyRef = builder.objectRef<ForecastKey>('ForecastKey').implement({
  description: 'Which tickets a forecast series counts: only the fields of the requested `by` dimensions are set.',
  fields: (t) => ({
    channel: t.field({ type: ChannelEnum, nullable: true, description: 'CHANNEL value.', resolve: (k) => (k.channel ?? null) as Channel | null }),
    team: t.field({
      type: TeamRef,
      nullable: true,
      description: 'TEAM value (null: tickets without a team, or TEAM not requested).',
      resolve: (k, _args, ctx) =>
        k.team == null
          ? null
          : loaderFor(
              ctx,
              'planning:team',
              () =>
                new DataLoader<number, Awaited<ReturnType<typeof ctx.db.prisma.team.findFirst>>>(async (ids) => {
                  const rows = await ctx.db.prisma.team.findMany({ where: { id: { in: [...ids] } } });
                  return ids.map((id) => rows.find((r) => r.id === id) ?? null);
                }),
            ).load(k.team),
    }),
  }),
});

const ForecastBucketRef = builder.objectRef<ForecastBucket>('ForecastBucket').implement({
  description: 'Expected ticket arrivals (by createdAt) in one future bucket [start, end), with prediction intervals. Clipped first/last buckets get their share of an hour.',
  fields: (t) => ({
    start: t.expose('start', { type: 'DateTime', description: 'First instant of the bucket (inclusive).' }),
    end: t.expose('end', { type: 'DateTime', description: 'End of the bucket (exclusive).' }),
    label: t.exposeString('label', { description: 'Local label in the requested zone (2026-03-29T14, 2026-03-29, 2026-W13).' }),
    expected: t.exposeFloat('expected', { description: 'Expected number of tickets created in the bucket (the model\'s mean).' }),
    lower80: t.exposeFloat('lower80', { description: 'Lower end of the 80 % prediction interval (tickets, at least 0).' }),
    upper80: t.exposeFloat('upper80', { description: 'Upper end of the 80 % prediction interval (tickets).' }),
    lower95: t.exposeFloat('lower95', { description: 'Lower end of the 95 % prediction interval (tickets, at least 0).' }),
    upper95: t.exposeFloat('upper95', { description: 'Upper end of the 95 % prediction interval (tickets).' }),
    holidayShare: t.exposeFloat('holidayShare', {
      description: 'Share (0-1) of the bucket\'s hours that a business calendar\'s holiday closes; those hours follow the earlier holidays of the same calendars.',
    }),
  }),
});

const ForecastSeriesRef = builder.objectRef<ForecastSeries>('ForecastSeries').implement({
  description: 'The forecast of one group of tickets: a seasonal regression (trend × hour-of-week profile × learned holiday effects) fitted on its hourly history.',
  fields: (t) => ({
    key: t.field({ type: ForecastKeyRef, description: 'The group (empty without by).', resolve: (s) => s.key }),
    levelPerHour: t.exposeFloat('levelPerHour', { description: 'Fitted level at the end of the history: tickets per hour before the hour-of-week profile.' }),
    trendPerWeek: t.exposeFloat('trendPerWeek', { description: 'Fitted trend: change of levelPerHour per week.' }),
    fittedHours: t.exposeInt('fittedHours', { description: 'Normal (non-holiday) hours of history the level and profile were fitted on (16 weeks when available).' }),
    learnedHolidays: t.exposeStringList('learnedHolidays', {
      description: 'Holiday kinds seen in the last year of history (calendar externalIds, joined by + when several close at once); later holidays of these kinds follow them.',
    }),
    buckets: t.field({ type: [ForecastBucketRef], description: 'Every bucket of the range, in order.', resolve: (s) => s.buckets }),
  }),
});

const AccuracyRef = builder.objectRef<Accuracy>('ForecastErrorStats').implement({
  description: 'Forecast error over the backtest buckets.',
  fields: (t) => ({
    wape: t.exposeFloat('wape', { nullable: true, description: 'Weighted absolute percentage error: Σ|actual − forecast| / Σ actual (a fraction; null without arrivals).' }),
    mape: t.exposeFloat('mape', { nullable: true, description: 'Mean absolute percentage error over buckets with arrivals (a fraction; buckets with 0 arrivals are left out).' }),
    buckets: t.exposeInt('buckets', { description: 'Buckets compared.' }),
  }),
});

const GranularityAccuracyRef = builder.objectRef<GranularityAccuracy>('ForecastGranularityAccuracy').implement({
  description: 'Backtest result at one granularity: the model against the seasonal-naive baseline.',
  fields: (t) => ({
    granularity: t.field({ type: ForecastGranularityEnum, description: 'Bucket size compared.', resolve: (g) => g.granularity }),
    model: t.field({ type: AccuracyRef, description: 'Error of the forecast model.', resolve: (g) => g.model }),
    baseline: t.field({ type: AccuracyRef, description: 'Error of the seasonal-naive baseline: the same local hour (day, week) one week earlier.', resolve: (g) => g.baseline }),
    wapeImprovement: t.exposeFloat('wapeImprovement', { nullable: true, description: '1 − model WAPE / baseline WAPE: the share of the baseline\'s error the model removes (0.2 = 20 % better).' }),
    coverage80: t.exposeFloat('coverage80', { nullable: true, description: 'Share of buckets whose actual count fell inside the 80 % interval.' }),
    coverage95: t.exposeFloat('coverage95', { nullable: true, description: 'Share of buckets whose actual count fell inside the 95 % interval.' }),
  }),
});

const ForecastAccuracyRef = builder.objectRef<AccuracyResult>('ForecastAccuracy').implement({
  description: 'Rolling-origin backtest: each week of the period forecast from the history before it, compared with what arrived.',
  fields: (t) => ({
    from: t.expose('from', { type: 'DateTime', description: 'Start of the evaluated weeks (local midnight).' }),
    to: t.expose('to', { type: 'DateTime', description: 'End of the evaluated weeks (local midnight before asOf).' }),
    weeks: t.exposeInt('weeks', { description: 'Folds (weeks) evaluated.' }),
    actualTotal: t.exposeInt('actualTotal', { description: 'Tickets created in the evaluated weeks.' }),
    granularities: t.field({ type: [GranularityAccuracyRef], description: 'HOUR, DAY and WEEK results.', resolve: (r) => r.granularities }),
  }),
});

const StaffingMethodEnum = builder.enumType('StaffingMethod', {
  description: 'How a channel\'s need is computed.',
  values: {
    ERLANG_C: { description: 'Live channel (PHONE, CHAT): agents by Erlang C for the service-level or average-wait target.' },
    BACKLOG: {
      description:
        'Backlog channel (EMAIL, WEB, SOCIAL, API): the work arriving must be done within the target time; agents = work due per bucket (arrivals spread over their window) / occupancyCap.',
    },
  } satisfies Record<StaffingMethod, { description: string }>,
});

const ServiceLevelInput = builder.inputType('ServiceLevelTarget', {
  description: 'A service-level target: percent of contacts answered within withinSeconds (the classic 80/20).',
  fields: (t) => ({
    percent: t.float({ required: true, description: 'Share answered in time, in percent, strictly between 0 and 100.' }),
    withinSeconds: t.int({ required: true, description: 'The answer-time target in seconds (for backlog channels: the time within which work must be done).' }),
  }),
});

const StaffingBucketRef = builder.objectRef<StaffingBucket>('StaffingBucket').implement({
  description: 'The staffing need of one hour.',
  fields: (t) => ({
    start: t.expose('start', { type: 'DateTime', description: 'First instant of the bucket (inclusive).' }),
    end: t.expose('end', { type: 'DateTime', description: 'End of the bucket (exclusive).' }),
    label: t.exposeString('label', { description: 'Local label (2026-03-29T14).' }),
    arrivals: t.exposeFloat('arrivals', { description: 'Forecast arrivals (expected tickets created in the hour).' }),
    arrivalsUpper80: t.exposeFloat('arrivalsUpper80', { description: 'Upper end of the 80 % prediction interval of arrivals.' }),
    erlangs: t.exposeFloat('erlangs', { description: 'Workload in Erlangs: arrivals × handle time / bucket seconds / concurrency.' }),
    agents: t.exposeInt('agents', { description: 'Agents needed on the floor to meet the target at occupancy ≤ occupancyCap (0 without traffic).' }),
    serviceLevel: t.exposeFloat('serviceLevel', { nullable: true, description: 'Expected share answered within the target time at that staffing (Erlang C; null for backlog channels or no traffic).' }),
    averageSpeedOfAnswer: t.exposeFloat('averageSpeedOfAnswer', { nullable: true, description: 'Expected average speed of answer in seconds at that staffing (Erlang C; null for backlog channels or no traffic).' }),
    occupancy: t.exposeFloat('occupancy', { nullable: true, description: 'Workload / agents (0-1); null without agents.' }),
    headcount: t.exposeFloat('headcount', { description: 'Agents to schedule: agents / (1 − shrinkage).' }),
    openShare: t.exposeFloat('openShare', { description: 'Share (0-1) of the hour the business calendar is open (1 without calendars: 24/7).' }),
    closedButBusy: t.exposeBoolean('closedButBusy', { description: 'The calendar is closed the whole hour while forecast arrivals reach busyThreshold.' }),
  }),
});

const StaffingPlanRef = builder.objectRef<StaffingPlan>('StaffingPlan').implement({
  description: 'Agents needed per hour for one channel, from the arrival forecast.',
  fields: (t) => ({
    channel: t.field({ type: ChannelEnum, description: 'The channel planned.', resolve: (p) => p.channel }),
    method: t.field({ type: StaffingMethodEnum, description: 'Erlang C (live) or backlog.', resolve: (p) => p.method }),
    handleTimeSeconds: t.exposeFloat('handleTimeSeconds', { description: 'Handle time used, seconds per contact (given, or measured).' }),
    handleTimeMeasured: t.exposeBoolean('handleTimeMeasured', {
      description: 'True when handleTimeSeconds was measured: the mean, over the channel\'s tickets solved in the last 28 days, of the time before each agent reply and solve since the previous event, each gap capped at 10 minutes.',
    }),
    busyThreshold: t.exposeFloat('busyThreshold', { description: 'Forecast arrivals per hour from which a closed hour is flagged closedButBusy.' }),
    buckets: t.field({ type: [StaffingBucketRef], description: 'Every hour of the range, in order.', resolve: (p) => p.buckets }),
  }),
});

const zoneDescription = 'IANA time zone of the buckets and of the hour-of-week profile; default UTC.';

builder.queryFields((t) => ({
  forecast: t.field({
    type: [ForecastSeriesRef],
    description:
      'Expected ticket arrivals per future bucket with 80 % and 95 % prediction intervals: a seasonal regression on the hourly history (linear trend × local hour-of-week profile over the last 16 weeks × holiday effects learned from the business calendars\' earlier holidays). The range must start at the current hour or later and end at most 56 days ahead. One series per group of by (or one without).',
    args: {
      range: t.arg({ type: DateTimeRangeInput, required: true, description: 'Future half-open range [from, to): from ≥ the current hour, to ≤ now + 56 days.' }),
      granularity: t.arg({ type: ForecastGranularityEnum, required: true, description: 'Bucket size.' }),
      timeZone: t.arg({ type: 'TimeZone', defaultValue: 'UTC', description: zoneDescription }),
      filter: t.arg({ type: TicketFilterInput, description: 'Which tickets to forecast (createdAt is not allowed: the model picks its history).' }),
      by: t.arg({ type: [ForecastDimensionEnum], description: 'Split into one series per CHANNEL and/or TEAM.' }),
    },
    resolve: async (_root, args, ctx) =>
      computeForecast(ctx.db, {
        range: parseRange(args.range as DateTimeRangeArg),
        granularity: args.granularity,
        timeZone: args.timeZone ?? 'UTC',
        filter: await resolveTicketFilter(ctx, args.filter as TicketFilterArg),
        scope: viewerScope(ctx),
        by: (args.by ?? []) as ForecastDimension[],
        now: new Date(),
      }),
  }),
  forecastAccuracy: t.field({
    type: ForecastAccuracyRef,
    description:
      'Rolling-origin backtest of the forecast over the last weeks before asOf: each week is forecast from the history before it and compared with what arrived, at HOUR, DAY and WEEK, beside the seasonal-naive baseline (the same local hour one week earlier). WAPE, MAPE and interval coverage.',
    args: {
      weeks: t.arg.int({ defaultValue: 8, description: 'Weeks to evaluate, 1-26 (default 8).' }),
      timeZone: t.arg({ type: 'TimeZone', defaultValue: 'UTC', description: zoneDescription }),
      filter: t.arg({ type: TicketFilterInput, description: 'Which tickets to forecast (createdAt is not allowed).' }),
      asOf: t.arg({ type: 'DateTime', description: 'End of the evaluated weeks, rounded down to local midnight; default now (use the demo data\'s --now).' }),
    },
    resolve: async (_root, args, ctx) =>
      computeForecastAccuracy(ctx.db, {
        weeks: args.weeks ?? 8,
        timeZone: args.timeZone ?? 'UTC',
        filter: await resolveTicketFilter(ctx, args.filter as TicketFilterArg),
        scope: viewerScope(ctx),
        asOf: args.asOf ?? new Date(),
      }),
  }),
  staffing: t.field({
    type: StaffingPlanRef,
    description:
      'Agents needed per hour for one channel: forecast arrivals, workload in Erlangs, agents by Erlang C for PHONE and CHAT (service level or average wait) or by the backlog window for EMAIL, WEB, SOCIAL and API, the expected service level, ASA and occupancy, the headcount after shrinkage, and hours the business calendar is closed while arrivals are high.',
    args: {
      range: t.arg({ type: DateTimeRangeInput, required: true, description: 'Future half-open range, as for forecast.' }),
      granularity: t.arg({ type: ForecastGranularityEnum, defaultValue: 'HOUR', description: 'Only HOUR: staffing is planned per hour.' }),
      timeZone: t.arg({ type: 'TimeZone', defaultValue: 'UTC', description: zoneDescription }),
      channel: t.arg({ type: ChannelEnum, required: true, description: 'The channel to staff.' }),
      serviceLevel: t.arg({ type: ServiceLevelInput, description: 'Target share answered in time; default { percent: 80, withinSeconds: 20 } unless maxAverageWait is given.' }),
      maxAverageWait: t.arg.int({ description: 'Instead of serviceLevel: the highest average speed of answer, seconds (backlog channels: work done within twice this).' }),
      handleTimeSeconds: t.arg.float({ description: 'Agent seconds per contact; default: measured from the channel\'s recent events (see StaffingPlan.handleTimeMeasured).' }),
      shrinkage: t.arg.float({ defaultValue: 0.3, description: 'Share of paid time not available for contacts (0 ≤ x < 1); default 0.3.' }),
      occupancyCap: t.arg.float({ defaultValue: 0.85, description: 'Highest planned occupancy (0 < x ≤ 1); default 0.85.' }),
      concurrency: t.arg.int({ defaultValue: 1, description: 'Contacts an agent works at once (chats per agent), 1-20; divides the handle time.' }),
      calendarExternalId: t.arg.string({ description: 'Compare with this business calendar\'s open hours; default: open when any calendar is open.' }),
      busyThreshold: t.arg.float({ description: 'Forecast arrivals per hour from which a closed hour is flagged; default half the mean arrivals of the open hours in the range.' }),
      filter: t.arg({ type: TicketFilterInput, description: 'Further ticket conditions (channel comes from channel).' }),
    },
    resolve: async (_root, args, ctx) => {
      if ((args.granularity ?? 'HOUR') !== 'HOUR') {
        throw badInput(`staffing is planned per HOUR (Erlang C needs the arrivals of an interval); got granularity ${args.granularity}`, { argument: 'granularity' });
      }
      if (args.serviceLevel && args.maxAverageWait !== null && args.maxAverageWait !== undefined) {
        throw badInput('give either serviceLevel or maxAverageWait, not both', { argument: 'serviceLevel' });
      }
      const target: StaffingTarget =
        args.maxAverageWait !== null && args.maxAverageWait !== undefined
          ? { kind: 'maxAverageWait', seconds: args.maxAverageWait }
          : { kind: 'serviceLevel', percent: args.serviceLevel?.percent ?? 80, withinSeconds: args.serviceLevel?.withinSeconds ?? 20 };
      return computeStaffing(ctx.db, {
        range: parseRange(args.range as DateTimeRangeArg),
        timeZone: args.timeZone ?? 'UTC',
        channel: args.channel as Channel,
        target,
        handleTimeSeconds: args.handleTimeSeconds ?? null,
        shrinkage: args.shrinkage ?? 0.3,
        occupancyCap: args.occupancyCap ?? 0.85,
        concurrency: args.concurrency ?? 1,
        calendarExternalId: args.calendarExternalId ?? null,
        busyThreshold: args.busyThreshold ?? null,
        filter: await resolveTicketFilter(ctx, args.filter as TicketFilterArg),
        scope: viewerScope(ctx),
        now: new Date(),
      });
    },
  }),
}));
