import { DateTime, IANAZone } from 'luxon';
import { bucketGrid, MAX_BUCKETS, type Bucket } from '../analytics/buckets.ts';
import { ticketFilterSql, type TicketFilterSpec, type ViewerScope } from '../analytics/filter.ts';
import type { Database } from '../db/client.ts';
import { Prisma } from '../generated/prisma/client.ts';
import { openIntervals, type BusinessCalendarSpec, type Holiday, type OpenInterval } from '../sla/business-hours.ts';
import type { HourPoint } from './model.ts';

const HOUR_MS = 3_600_000;

/** What a forecast can be split by. */
export type ForecastDimension = 'CHANNEL' | 'TEAM';

/** The key of one forecast series: only the requested dimensions are set. */
export interface ForecastKey {
  channel?: string | null;
  team?: number | null;
}

/** A business calendar as the planner reads it. */
export interface PlanningCalendar {
  id: number;
  externalId: string;
  spec: BusinessCalendarSpec;
}

/** The start of the local hour holding `at` (aligned in absolute time, like the engine's HOUR buckets). */
export function hourStart(at: Date, timeZone: string): Date {
  const t = DateTime.fromJSDate(at, { zone: timeZone });
  return new Date(at.getTime() - ((t.minute * 60 + t.second) * 1000 + t.millisecond));
}

/**
 * The engine's local HOUR grid (`bucketGrid` with granularity HOUR) over `[from, to)`,
 * without its 2000-bucket limit. As in the engine, a local hour is the stretch of instants
 * sharing one local date, hour and UTC offset: it ends at the next HH:00 of its offset or
 * at an offset change before that (a 30-minute DST jump gives a 30-minute hour). Computed
 * from the zone's offsets, which is ~30× faster than luxon per bucket and matters for a
 * year of history; test/planning/model.test.ts checks it equals `bucketGrid` across DST
 * changes and half-hour zones.
 */
export function hourGrid(from: Date, to: Date, timeZone: string): Bucket[] {
  const offset = offsetLookup(timeZone);
  const offMs = (ms: number) => offset(ms) * 60_000;
  /** The first instant in (low, high] whose offset differs from `o` (one change between). */
  const change = (low: number, high: number, o: number) => {
    while (high - low > 1) {
      const mid = Math.floor((low + high) / 2);
      if (offset(mid) === o) low = mid;
      else high = mid;
    }
    return high;
  };
  const start = (ms: number) => {
    const o = offset(ms);
    const candidate = Math.floor((ms + o * 60_000) / HOUR_MS) * HOUR_MS - o * 60_000;
    return offset(candidate) === o ? candidate : change(candidate, ms, offset(candidate));
  };
  const next = (ms: number) => {
    const o = offset(ms);
    const candidate = (Math.floor((ms + offMs(ms)) / HOUR_MS) + 1) * HOUR_MS - o * 60_000;
    return offset(candidate - 1) === o ? candidate : change(ms, candidate - 1, o);
  };
  const out: Bucket[] = [];
  const end = to.getTime();
  let aligned = start(from.getTime());
  let s = from.getTime();
  while (s < end) {
    let n = next(aligned);
    if (n <= aligned) n = aligned + HOUR_MS;
    const e = Math.min(end, n);
    out.push({ start: new Date(s), end: new Date(e), label: '' });
    s = e;
    aligned = n;
  }
  return out;
}

/**
 * A fast `zone.offset(ms)` in minutes: Intl is slow, and offsets change at most a few
 * times a year, so a UTC day whose start and end have the same offset (and the one before
 * and after) takes it from a per-day cache; only days with a change ask per instant.
 */
export function offsetLookup(timeZone: string): (ms: number) => number {
  const zone = IANAZone.create(timeZone);
  const DAY = 24 * HOUR_MS;
  const days = new Map<number, number | null>();
  return (ms) => {
    const d = Math.floor(ms / DAY);
    let cached = days.get(d);
    if (cached === undefined) {
      const a = zone.offset(d * DAY);
      cached = a === zone.offset((d + 1) * DAY) && a === zone.offset(d * DAY + DAY / 2) ? a : null;
      days.set(d, cached);
    }
    return cached ?? zone.offset(ms);
  };
}

/** The engine's HOUR grid in pieces of at most MAX_BUCKETS (used by tests to check hourGrid). */
export function engineHourGrid(from: Date, to: Date, timeZone: string): Bucket[] {
  const out: Bucket[] = [];
  const step = (MAX_BUCKETS - 8) * HOUR_MS;
  for (let s = from.getTime(); s < to.getTime(); s += step) {
    out.push(...bucketGrid({ from: new Date(s), to: new Date(Math.min(to.getTime(), s + step)) }, { granularity: 'HOUR', timeZone }));
  }
  return out;
}

// Two halves per day: the calendar rules have no single 24-hour interval.
const ALL_DAY: OpenInterval[] = [1, 2, 3, 4, 5, 6, 7].flatMap((weekday) => [
  { weekday, start: '00:00', end: '12:00' },
  { weekday, start: '12:00', end: '00:00' },
]);

/**
 * The instants in `[fromMs, toMs)` that a calendar's holidays close (whole or partial
 * days, in the calendar's zone): the gaps of a 24/7 calendar with the same holidays.
 */
export function holidayIntervals(spec: BusinessCalendarSpec, fromMs: number, toMs: number): [number, number][] {
  if (!spec.holidays || spec.holidays.length === 0) return [];
  const open = openIntervals({ timeZone: spec.timeZone, hours: ALL_DAY, holidays: spec.holidays }, fromMs, toMs);
  const out: [number, number][] = [];
  let cursor = fromMs;
  for (const [s, e] of open) {
    if (s > cursor) out.push([cursor, s]);
    cursor = Math.max(cursor, e);
  }
  if (cursor < toMs) out.push([cursor, toMs]);
  return out;
}

/** True when instant `ms` lies in one of the sorted, disjoint `ranges` (a moving cursor makes a sweep linear). */
function inside(ranges: [number, number][], ms: number, cursor: { k: number }): boolean {
  while (cursor.k < ranges.length && ranges[cursor.k][1] <= ms) cursor.k += 1;
  return cursor.k < ranges.length && ranges[cursor.k][0] <= ms;
}

/**
 * The model's view of each local hour: hour of week and of day in `timeZone`, and which
 * calendars' holidays close it (at the hour's midpoint).
 */
export function hourPoints(grid: readonly Bucket[], timeZone: string, calendars: readonly PlanningCalendar[]): HourPoint[] {
  if (grid.length === 0) return [];
  const from = grid[0].start.getTime();
  const to = grid[grid.length - 1].end.getTime();
  const closed = calendars.map((c) => ({ id: c.id, ranges: holidayIntervals(c.spec, from, to), cursor: { k: 0 } }));
  closed.sort((a, b) => a.id - b.id);
  const offset = offsetLookup(timeZone);
  return grid.map((b) => {
    // Local wall-clock fields from the offset: 1970-01-01 was a Thursday (Monday = 0 here).
    const local = b.start.getTime() + offset(b.start.getTime()) * 60_000;
    const day = Math.floor(local / (24 * HOUR_MS));
    const hour = Math.floor(local / HOUR_MS) - day * 24;
    const weekday = (((day + 3) % 7) + 7) % 7;
    const mid = (b.start.getTime() + b.end.getTime()) / 2;
    const kinds = closed.filter((c) => inside(c.ranges, mid, c.cursor)).map((c) => String(c.id));
    return { start: b.start.getTime(), slot: weekday * 24 + hour, hour, holiday: kinds.join('+') };
  });
}

/** Every business calendar, as specs the planner can evaluate. */
export async function loadCalendars(db: Pick<Database, 'prisma'>): Promise<PlanningCalendar[]> {
  const rows = await db.prisma.businessCalendar.findMany({ orderBy: { id: 'asc' } });
  return rows.map((r) => ({
    id: r.id,
    externalId: r.externalId,
    spec: { timeZone: r.timeZone, hours: r.hours as unknown as OpenInterval[], holidays: (r.holidays ?? []) as unknown as Holiday[] },
  }));
}

/** One series of hourly history: its key and a count per grid hour. */
export interface HistorySeries {
  key: ForecastKey;
  counts: number[];
}

const KEY_SQL: Record<ForecastDimension, { column: Prisma.Sql; field: keyof ForecastKey }> = {
  CHANNEL: { column: Prisma.sql`t."channel"::text`, field: 'channel' },
  TEAM: { column: Prisma.sql`t."teamId"`, field: 'team' },
};

/**
 * Ticket arrivals (createdAt) per grid hour and group, in ONE grouped statement:
 * `width_bucket` against the grid's starts, `GROUP BY` bucket and keys. Served by the
 * `Ticket(createdAt)`, `(channel, createdAt)` and `(teamId, createdAt)` indexes.
 * Groups come back in key order; with no `by`, one series (possibly all zeros).
 */
export async function arrivalHistory(
  db: Pick<Database, 'prisma'>,
  grid: readonly Bucket[],
  by: readonly ForecastDimension[],
  filter: TicketFilterSpec | null | undefined,
  scope: ViewerScope,
): Promise<HistorySeries[]> {
  if (grid.length === 0) return by.length === 0 ? [{ key: {}, counts: [] }] : [];
  const starts = grid.map((b) => b.start.toISOString());
  const from = grid[0].start.toISOString();
  const to = grid[grid.length - 1].end.toISOString();
  const keys = by.map((d, i) => Prisma.sql`${KEY_SQL[d].column} AS ${Prisma.raw(`k${i + 1}`)}`);
  const groupCols = by.map((_, i) => Prisma.raw(`k${i + 1}`));
  const sql = Prisma.sql`
    SELECT width_bucket(t."createdAt", ${starts}::timestamptz[]) AS b${keys.length > 0 ? Prisma.sql`, ${Prisma.join(keys, ', ')}` : Prisma.empty}, count(*)::int AS n
    FROM "Ticket" t
    WHERE t."createdAt" >= ${from}::timestamptz AND t."createdAt" < ${to}::timestamptz AND ${ticketFilterSql(filter, scope, 't')}
    GROUP BY ${Prisma.join([Prisma.raw('b'), ...groupCols], ', ')}
    ORDER BY ${Prisma.join([...groupCols, Prisma.raw('b')], ', ')}`;
  const rows = await db.prisma.$queryRaw<Array<Record<string, unknown> & { b: number; n: number }>>(sql);
  const series = new Map<string, HistorySeries>();
  if (by.length === 0) series.set('{}', { key: {}, counts: new Array<number>(grid.length).fill(0) });
  for (const row of rows) {
    const key: ForecastKey = {};
    by.forEach((d, i) => {
      const raw = row[`k${i + 1}`];
      key[KEY_SQL[d].field] = (raw === null || raw === undefined ? null : d === 'TEAM' ? Number(raw) : String(raw)) as never;
    });
    const id = JSON.stringify(key);
    let entry = series.get(id);
    if (!entry) series.set(id, (entry = { key, counts: new Array<number>(grid.length).fill(0) }));
    const b = Number(row.b);
    if (b >= 1 && b <= grid.length) entry.counts[b - 1] += Number(row.n);
  }
  return [...series.values()];
}
