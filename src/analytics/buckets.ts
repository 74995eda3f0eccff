import { LRUCache } from 'lru-cache';
import { DateTime, IANAZone, type DateTimeUnit } from 'luxon';
import { badInput } from '../errors.ts';
import type { TimeRange } from './filter.ts';

/** The time-bucket sizes a series can use. */
export type Granularity = 'HOUR' | 'DAY' | 'WEEK' | 'MONTH' | 'QUARTER' | 'YEAR';

/** Every granularity, smallest first. */
export const GRANULARITIES: readonly Granularity[] = ['HOUR', 'DAY', 'WEEK', 'MONTH', 'QUARTER', 'YEAR'];

/** ISO weekday: Monday = 1 … Sunday = 7. */
export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** Most buckets one series may have. */
export const MAX_BUCKETS = 2000;

/** One time bucket: `[start, end)` as instants, and its local label. */
export interface Bucket {
  start: Date;
  end: Date;
  label: string;
}

/** How to cut a range into buckets. */
export interface GridOptions {
  granularity: Granularity;
  /** IANA zone the buckets follow (local midnight, DST). */
  timeZone: string;
  /** First day of a week (WEEK only); Monday by default. */
  weekStart?: IsoWeekday;
}

const UNIT: Record<Granularity, DateTimeUnit> = {
  HOUR: 'hour',
  DAY: 'day',
  WEEK: 'week',
  MONTH: 'month',
  QUARTER: 'quarter',
  YEAR: 'year',
};

const PLURAL: Record<Granularity, 'hours' | 'days' | 'weeks' | 'months' | 'quarters' | 'years'> = {
  HOUR: 'hours',
  DAY: 'days',
  WEEK: 'weeks',
  MONTH: 'months',
  QUARTER: 'quarters',
  YEAR: 'years',
};

/**
 * Checks an IANA zone name and returns it; BAD_USER_INPUT otherwise. Fixed offsets and
 * abbreviations other than UTC are refused because they have no DST rules to follow.
 */
export function validTimeZone(zone: string, argument = 'timeZone'): string {
  if (typeof zone !== 'string' || (!VALID_ZONES.has(zone) && !rememberValid(zone))) {
    throw badInput(`${argument}: "${String(zone).slice(0, 60)}" is not an IANA time zone (for example Europe/Berlin or UTC)`, {
      argument,
    });
  }
  return zone;
}

// Luxon checks a zone by formatting a date in it, a millisecond's work that every grid
// and cost estimate repeated; a zone's validity does not change while the process runs.
const VALID_ZONES = new Set<string>();
function rememberValid(zone: string): boolean {
  if (!IANAZone.isValidZone(zone)) return false;
  if (VALID_ZONES.size < 1000) VALID_ZONES.add(zone);
  return true;
}

// Grids recomputed with luxon cost a 52-week dashboard ~4 ms a request; the same few
// (range, granularity, zone) come back with every refresh. Entries are copied out.
const GRIDS = new LRUCache<string, readonly Bucket[]>({ max: 256 });
const COUNTS = new LRUCache<string, number>({ max: 256 });
const gridKey = (range: TimeRange, options: GridOptions) =>
  `${range.from.getTime()}|${range.to.getTime()}|${options.granularity}|${options.timeZone}|${options.weekStart ?? 1}`;

const HOUR_MS = 3_600_000;
const offsetAt = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).offset;

/**
 * The first instant in `(low, high]` whose UTC offset differs from `offset`, assuming
 * `high` has another offset and there is one change between them (bisection to the ms).
 */
function offsetChange(low: number, high: number, offset: number, zone: string): number {
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (offsetAt(mid, zone) === offset) low = mid;
    else high = mid;
  }
  return high;
}

/**
 * The start of the local clock hour holding `t`. A local hour is the stretch of instants
 * sharing one local date, hour and UTC offset: its start is the instant the local clock
 * reads HH:00 in `t`'s offset, or the offset change after that, if one falls between.
 * So a 30-minute DST jump (Lord Howe: 02:00 → 02:30) gives a 30-minute hour 02, and a
 * fall-back repeats the hour's label with the other offset (`start` tells them apart).
 */
function hourStart(t: DateTime): DateTime {
  const zone = t.zoneName ?? 'UTC';
  const ms = t.toMillis();
  const offsetMs = t.offset * 60_000;
  const candidate = Math.floor((ms + offsetMs) / HOUR_MS) * HOUR_MS - offsetMs;
  const before = offsetAt(candidate, zone);
  // An offset change between HH:00 and t: the hour began at that change.
  const start = before === t.offset ? candidate : offsetChange(candidate, ms, before, zone);
  return DateTime.fromMillis(start, { zone });
}

/** The next local hour's start after an hour start: the next HH:00 in its offset, or an earlier offset change. */
function nextHour(start: DateTime): DateTime {
  const zone = start.zoneName ?? 'UTC';
  const ms = start.toMillis();
  const offsetMs = start.offset * 60_000;
  const candidate = (Math.floor((ms + offsetMs) / HOUR_MS) + 1) * HOUR_MS - offsetMs;
  const next = offsetAt(candidate - 1, zone) === start.offset ? candidate : offsetChange(ms, candidate - 1, start.offset, zone);
  return DateTime.fromMillis(next, { zone });
}

/** The start of the local bucket (not clipped) that contains `t`. */
function alignedStart(t: DateTime, granularity: Granularity, weekStart: IsoWeekday): DateTime {
  // Hours are aligned in absolute time: the repeated local hour of a DST fall-back is
  // ambiguous, and setting local fields could jump to its other occurrence.
  if (granularity === 'HOUR') return hourStart(t);
  if (granularity !== 'WEEK') return t.startOf(UNIT[granularity]);
  const day = t.startOf('day');
  return day.minus({ days: (day.weekday - weekStart + 7) % 7 }).startOf('day');
}

/**
 * The next local boundary after an aligned start. Re-aligning after the calendar step
 * keeps boundaries on local midnight / the local hour across DST changes.
 */
function nextBoundary(start: DateTime, granularity: Granularity, weekStart: IsoWeekday): DateTime {
  if (granularity === 'HOUR') return nextHour(start);
  const next = alignedStart(start.plus({ [PLURAL[granularity]]: 1 }), granularity, weekStart);
  // A zone whose midnight is skipped can align back onto `start`; step a day further.
  return next.toMillis() > start.toMillis() ? next : alignedStart(start.plus({ [PLURAL[granularity]]: 1, days: 1 }), granularity, weekStart);
}

/**
 * The label of the local bucket starting at `start` (its aligned, unclipped start).
 * Weeks are labelled with an ISO week `2026-W13`: a week starting on Monday is exactly
 * that ISO week; a week starting on another day gets the ISO week holding most of its
 * days, i.e. the ISO week of its fourth day (a Sunday-start week from Sunday
 * 2026-03-29 to Saturday 2026-04-04 is `2026-W14`). Labels stay unique in a series.
 */
export function bucketLabel(start: DateTime, granularity: Granularity): string {
  switch (granularity) {
    case 'HOUR':
      return start.toFormat("yyyy-MM-dd'T'HH");
    case 'DAY':
      return start.toFormat('yyyy-MM-dd');
    case 'WEEK':
      return start.plus({ days: 3 }).toFormat("kkkk-'W'WW");
    case 'MONTH':
      return start.toFormat('yyyy-MM');
    case 'QUARTER':
      return start.toFormat("yyyy-'Q'q");
    case 'YEAR':
      return start.toFormat('yyyy');
  }
}

function days(range: TimeRange): string {
  const n = (range.to.getTime() - range.from.getTime()) / 86_400_000;
  const rounded = n >= 10 ? Math.round(n) : Math.round(n * 10) / 10;
  return `${rounded} ${rounded === 1 ? 'day' : 'days'}`;
}

/**
 * How many buckets a grid would have, computed without building it (so an absurd
 * request is refused cheaply). Exact: it counts calendar units from the aligned start.
 */
export function bucketCount(range: TimeRange, options: GridOptions): number {
  const zone = validTimeZone(options.timeZone);
  const key = gridKey(range, options);
  const known = COUNTS.get(key);
  if (known !== undefined) return known;
  const n = countBuckets(range, options, zone);
  COUNTS.set(key, n);
  return n;
}

function countBuckets(range: TimeRange, options: GridOptions, zone: string): number {
  const weekStart = options.weekStart ?? 1;
  const from = DateTime.fromJSDate(range.from, { zone });
  const to = DateTime.fromJSDate(range.to, { zone });
  const start = alignedStart(from, options.granularity, weekStart);
  const approx = Math.ceil(to.diff(start, PLURAL[options.granularity]).as(PLURAL[options.granularity]));
  if (approx > MAX_BUCKETS + 2) return approx;
  let n = 0;
  for (let s = start; s.toMillis() < to.toMillis(); s = nextBoundary(s, options.granularity, weekStart)) n += 1;
  return n;
}

/**
 * Cuts `[from, to)` into local calendar buckets: boundaries at local midnight (23 or 25
 * hours on DST days), weeks from `weekStart`, calendar months, quarters and years. The
 * first and last buckets are clipped to the range. Refuses more than MAX_BUCKETS.
 */
export function bucketGrid(range: TimeRange, options: GridOptions): Bucket[] {
  const zone = validTimeZone(options.timeZone);
  const weekStart = options.weekStart ?? 1;
  if (range.from.getTime() >= range.to.getTime()) {
    throw badInput('range.from must be before range.to; the range is half-open [from, to)', { argument: 'range' });
  }
  const count = bucketCount(range, options);
  if (count > MAX_BUCKETS) {
    throw badInput(
      `granularity ${options.granularity} over ${days(range)} gives ${count} buckets; the limit is ${MAX_BUCKETS}. ` +
        'Use a coarser granularity or a shorter range.',
      { argument: 'granularity', buckets: count, limit: MAX_BUCKETS },
    );
  }
  const key = gridKey(range, options);
  let grid = GRIDS.get(key);
  if (!grid) {
    grid = buildGrid(range, options, zone, weekStart);
    GRIDS.set(key, grid);
  }
  return grid.map((b) => ({ start: new Date(b.start), end: new Date(b.end), label: b.label }));
}

function buildGrid(range: TimeRange, options: GridOptions, zone: string, weekStart: IsoWeekday): Bucket[] {
  const toMs = range.to.getTime();
  const buckets: Bucket[] = [];
  let aligned = alignedStart(DateTime.fromJSDate(range.from, { zone }), options.granularity, weekStart);
  let start = range.from;
  while (start.getTime() < toMs) {
    const next = nextBoundary(aligned, options.granularity, weekStart);
    const end = new Date(Math.min(next.toMillis(), toMs));
    buckets.push({ start, end, label: bucketLabel(aligned, options.granularity) });
    start = end;
    aligned = next;
  }
  return buckets;
}

/** The single bucket `[from, to)` used for totals; its label is the range in ISO form. */
export function wholeRange(range: TimeRange): Bucket[] {
  return [{ start: range.from, end: range.to, label: `${range.from.toISOString()}/${range.to.toISOString()}` }];
}
