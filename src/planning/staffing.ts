import type { TicketFilterSpec, TimeRange, ViewerScope } from '../analytics/filter.ts';
import type { Database } from '../db/client.ts';
import { badInput } from '../errors.ts';
import type { Channel } from '../generated/prisma/enums.ts';
import { Prisma } from '../generated/prisma/client.ts';
import { ticketFilterSql } from '../analytics/filter.ts';
import { openIntervals } from '../sla/business-hours.ts';
import { agentsForTarget, type StaffingTarget } from './erlang.ts';
import { checkForecastRange, computeForecast, type ForecastBucket } from './forecast.ts';
import { hourStart, loadCalendars, type PlanningCalendar } from './history.ts';

/** Channels answered live, staffed by Erlang C; the others are worked from a backlog. */
export const LIVE_CHANNELS: readonly Channel[] = ['PHONE', 'CHAT'];

/** How a channel's need is computed. */
export type StaffingMethod = 'ERLANG_C' | 'BACKLOG';

/** Days of solved tickets the measured handle time looks back over. */
export const HANDLE_TIME_DAYS = 28;
/** Longest gap between two events of a ticket counted as work on it (seconds). */
export const HANDLE_GAP_CAP_SECONDS = 600;

/** A staffing request. */
export interface StaffingRequest {
  range: TimeRange;
  timeZone: string;
  channel: Channel;
  target: StaffingTarget;
  /** Seconds of agent work per contact; default: measured (see measuredHandleTime). */
  handleTimeSeconds?: number | null;
  /** Share of paid time not available for contacts (breaks, training, absence); default 0.3. */
  shrinkage?: number;
  /** Highest planned occupancy; default 0.85. */
  occupancyCap?: number;
  /** Contacts an agent works at once (chats); default 1. */
  concurrency?: number;
  /** Compare with this calendar's open hours (externalId); default: open when any calendar is. */
  calendarExternalId?: string | null;
  /** Forecast arrivals per bucket above which a closed bucket is flagged; default half the mean of the open buckets. */
  busyThreshold?: number | null;
  filter?: TicketFilterSpec | null;
  scope: ViewerScope;
  now: Date;
}

/** The need of one bucket. */
export interface StaffingBucket {
  start: Date;
  end: Date;
  label: string;
  /** Forecast arrivals (expected value) and its 80 % upper bound. */
  arrivals: number;
  arrivalsUpper80: number;
  /** Workload in Erlangs: arrivals × handle time / bucket length / concurrency. */
  erlangs: number;
  /** Agents on the floor needed to meet the target. */
  agents: number;
  /** Share answered within the target at that staffing (Erlang C; null for backlog channels). */
  serviceLevel: number | null;
  /** Average speed of answer in seconds (Erlang C; null for backlog channels). */
  averageSpeedOfAnswer: number | null;
  /** Erlangs (for backlog: the work due in the bucket) / agents. */
  occupancy: number | null;
  /** Agents to schedule: agents / (1 − shrinkage). */
  headcount: number;
  /** Share of the bucket the calendar is open (1 without calendars: 24/7). */
  openShare: number;
  /** Closed for the whole bucket while the forecast is at or above the busy threshold. */
  closedButBusy: boolean;
}

/** A staffing plan. */
export interface StaffingPlan {
  channel: Channel;
  method: StaffingMethod;
  handleTimeSeconds: number;
  handleTimeMeasured: boolean;
  busyThreshold: number;
  buckets: StaffingBucket[];
}

/**
 * The channel's measured handle time in seconds, from events in ONE statement: for the
 * tickets of the channel solved in the last HANDLE_TIME_DAYS days, the time before each
 * agent reply and solve since the ticket's previous event, each gap capped at
 * HANDLE_GAP_CAP_SECONDS, summed per ticket and averaged. Null without such tickets.
 */
export async function measuredHandleTime(
  db: Pick<Database, 'prisma'>,
  channel: Channel,
  now: Date,
  filter: TicketFilterSpec | null | undefined,
  scope: ViewerScope,
): Promise<{ seconds: number | null; tickets: number }> {
  const from = new Date(now.getTime() - HANDLE_TIME_DAYS * 86_400_000);
  const rows = await db.prisma.$queryRaw<Array<{ tickets: number; seconds: number | null }>>(Prisma.sql`
    WITH gaps AS (
      SELECT e."ticketId", e."type",
             extract(epoch FROM e."occurredAt" - lag(e."occurredAt") OVER (PARTITION BY e."ticketId" ORDER BY e."seq")) AS gap
      FROM "TicketEvent" e JOIN "Ticket" t ON t.id = e."ticketId"
      WHERE t."channel"::text = ${channel} AND t."solvedAt" >= ${from.toISOString()}::timestamptz AND t."solvedAt" < ${now.toISOString()}::timestamptz
        AND ${ticketFilterSql(filter, scope, 't')}
    )
    SELECT count(DISTINCT "ticketId")::int AS tickets,
           (sum(LEAST(gap, ${HANDLE_GAP_CAP_SECONDS})) FILTER (WHERE "type" IN ('AGENT_REPLY', 'SOLVE')) / NULLIF(count(DISTINCT "ticketId"), 0))::float8 AS seconds
    FROM gaps`);
  const row = rows[0];
  return { seconds: row?.seconds ?? null, tickets: Number(row?.tickets ?? 0) };
}

/** Share of `[start, end)` covered by sorted, disjoint ranges. */
function coveredShare(ranges: readonly (readonly [number, number])[], start: number, end: number): number {
  let covered = 0;
  for (const [s, e] of ranges) {
    if (e <= start) continue;
    if (s >= end) break;
    covered += Math.min(e, end) - Math.max(s, start);
  }
  return end > start ? covered / (end - start) : 0;
}

/** The union of several calendars' open time in `[from, to)`, sorted and disjoint. */
export function openTime(calendars: readonly PlanningCalendar[], from: number, to: number): [number, number][] {
  const all = calendars.flatMap((c) => openIntervals(c.spec, from, to).map(([s, e]) => [s, e] as [number, number]));
  all.sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [s, e] of all) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/**
 * Backlog staffing: work arriving at `s` may be done anywhere in `[s, s + window]`; spread
 * evenly over that window, the work due at `t` is the trailing average of the arriving
 * work over the window. Returns per bucket the average busy agents that requires, computed
 * on a one-minute grid (arrivals uniform within their bucket).
 */
export function backlogLoad(buckets: readonly { start: Date; end: Date; arrivals: number }[], handleSeconds: number, windowSeconds: number): number[] {
  const MIN = 60_000;
  const perMinute: number[] = [];
  const bounds: [number, number][] = [];
  for (const b of buckets) {
    const minutes = Math.max(1, Math.round((b.end.getTime() - b.start.getTime()) / MIN));
    const first = perMinute.length;
    for (let m = 0; m < minutes; m += 1) perMinute.push((b.arrivals * handleSeconds) / minutes);
    bounds.push([first, perMinute.length]);
  }
  const prefix = new Float64Array(perMinute.length + 1);
  perMinute.forEach((w, i) => (prefix[i + 1] = prefix[i] + w));
  const win = Math.max(1, Math.round(windowSeconds / 60));
  // Work (seconds) due per minute at minute i: arrivals of the last `win` minutes / win.
  return bounds.map(([a, b]) => {
    let due = 0;
    for (let i = a; i < b; i += 1) due += (prefix[i + 1] - prefix[Math.max(0, i + 1 - win)]) / win;
    return due / ((b - a) * 60);
  });
}

function check(condition: boolean, argument: string, message: string): void {
  if (!condition) throw badInput(message, { argument });
}

/**
 * Agents needed per hour for one channel: the forecast's expected arrivals, workload in
 * Erlangs, agents by Erlang C (live channels) or by the backlog window (others), service
 * level, ASA, occupancy, headcount after shrinkage, and the calendar comparison.
 */
export async function computeStaffing(db: Pick<Database, 'prisma'>, req: StaffingRequest): Promise<StaffingPlan> {
  const shrinkage = req.shrinkage ?? 0.3;
  const cap = req.occupancyCap ?? 0.85;
  const concurrency = req.concurrency ?? 1;
  check(shrinkage >= 0 && shrinkage < 1, 'shrinkage', `shrinkage must be at least 0 and below 1 (a share of paid time), got ${shrinkage}`);
  check(cap > 0 && cap <= 1, 'occupancyCap', `occupancyCap must be above 0 and at most 1, got ${cap}`);
  check(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 20, 'concurrency', `concurrency must be an integer from 1 to 20 (contacts an agent works at once), got ${concurrency}`);
  if (req.target.kind === 'serviceLevel') {
    const { percent, withinSeconds } = req.target;
    check(percent > 0 && percent < 100, 'serviceLevel.percent', `serviceLevel.percent must be between 0 and 100 (exclusive), got ${percent}`);
    check(withinSeconds > 0 && withinSeconds <= 30 * 86_400, 'serviceLevel.withinSeconds', `serviceLevel.withinSeconds must be above 0 and at most 30 days, got ${withinSeconds}`);
  } else {
    check(req.target.seconds > 0, 'maxAverageWait', `maxAverageWait must be above 0 seconds, got ${req.target.seconds}`);
  }
  if (req.handleTimeSeconds !== null && req.handleTimeSeconds !== undefined) {
    check(req.handleTimeSeconds > 0 && req.handleTimeSeconds <= 86_400, 'handleTimeSeconds', `handleTimeSeconds must be above 0 and at most 86400, got ${req.handleTimeSeconds}`);
  }
  if (req.busyThreshold !== null && req.busyThreshold !== undefined) {
    check(req.busyThreshold >= 0, 'busyThreshold', `busyThreshold must not be negative, got ${req.busyThreshold}`);
  }
  let calendars = await loadCalendars(db);
  if (req.calendarExternalId) {
    calendars = calendars.filter((c) => c.externalId === req.calendarExternalId);
    check(calendars.length === 1, 'calendarExternalId', `no business calendar has externalId "${req.calendarExternalId}"; list them with businessCalendars`);
  }

  const method: StaffingMethod = LIVE_CHANNELS.includes(req.channel) ? 'ERLANG_C' : 'BACKLOG';
  const filter: TicketFilterSpec = { ...(req.filter ?? {}), channels: [req.channel] };
  const window = req.target.kind === 'serviceLevel' ? req.target.withinSeconds : 2 * req.target.seconds;
  // Backlog work that arrives in the window before the range is still due inside it: when
  // the range starts on a local hour, forecast from up to one window earlier (not before now).
  let lead = req.range.from;
  if (method === 'BACKLOG' && hourStart(req.range.from, req.timeZone).getTime() === req.range.from.getTime()) {
    const earliest = Math.max(hourStart(req.now, req.timeZone).getTime(), req.range.from.getTime() - window * 1000);
    lead = hourStart(new Date(Math.min(req.range.from.getTime(), earliest)), req.timeZone);
    if (lead.getTime() < hourStart(req.now, req.timeZone).getTime()) lead = req.range.from;
  }
  checkForecastRange(req.range, req.timeZone, req.now);
  const [series] = await computeForecast(db, { range: { from: lead, to: req.range.to }, granularity: 'HOUR', timeZone: req.timeZone, filter, scope: req.scope, now: req.now });
  let handle = req.handleTimeSeconds ?? null;
  const measured = handle === null;
  if (handle === null) {
    const m = await measuredHandleTime(db, req.channel, req.now, req.filter, req.scope);
    if (m.seconds === null || !(m.seconds > 0)) {
      throw badInput(
        `no solved ${req.channel} tickets with events in the last ${HANDLE_TIME_DAYS} days to measure the handle time from; pass handleTimeSeconds`,
        { argument: 'handleTimeSeconds' },
      );
    }
    handle = m.seconds;
  }
  const effectiveHandle = handle / concurrency;
  const leading = series.buckets.filter((b) => b.start.getTime() < req.range.from.getTime()).length;
  const buckets: ForecastBucket[] = series.buckets.slice(leading);
  const open = calendars.length === 0 ? null : openTime(calendars, req.range.from.getTime(), req.range.to.getTime());
  const openShares = buckets.map((b) => (open === null ? 1 : coveredShare(open, b.start.getTime(), b.end.getTime())));
  const openBuckets = buckets.filter((_, i) => openShares[i] > 0);
  const threshold =
    req.busyThreshold ?? (openBuckets.length > 0 ? (0.5 * openBuckets.reduce((s, b) => s + b.expected, 0)) / openBuckets.length : 1);

  const backlog =
    method === 'BACKLOG'
      ? backlogLoad(series.buckets.map((b) => ({ start: b.start, end: b.end, arrivals: b.expected })), effectiveHandle, window).slice(leading)
      : null;

  return {
    channel: req.channel,
    method,
    handleTimeSeconds: handle,
    handleTimeMeasured: measured,
    busyThreshold: threshold,
    buckets: buckets.map((b, i) => {
      const seconds = (b.end.getTime() - b.start.getTime()) / 1000;
      const erlangs = (b.expected * effectiveHandle) / seconds;
      const base = {
        start: b.start,
        end: b.end,
        label: b.label,
        arrivals: b.expected,
        arrivalsUpper80: b.upper80,
        erlangs,
        openShare: openShares[i],
        closedButBusy: openShares[i] === 0 && b.expected >= threshold && b.expected > 0,
      };
      if (backlog) {
        const load = backlog[i];
        const agents = load > 0 ? Math.ceil(load / cap - 1e-9) : 0;
        return { ...base, agents, serviceLevel: null, averageSpeedOfAnswer: null, occupancy: agents > 0 ? load / agents : null, headcount: agents / (1 - shrinkage) };
      }
      const s = agentsForTarget(erlangs, effectiveHandle, req.target, cap);
      return {
        ...base,
        agents: s.agents,
        serviceLevel: s.agents > 0 ? s.serviceLevel : null,
        averageSpeedOfAnswer: s.agents > 0 ? s.averageSpeedOfAnswer : null,
        occupancy: s.agents > 0 ? s.occupancy : null,
        headcount: s.agents / (1 - shrinkage),
      };
    }),
  };
}
