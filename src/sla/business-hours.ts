import { DateTime, IANAZone } from 'luxon';
import { badInput } from '../errors.ts';

/** One weekly open interval in the calendar's zone; `end <= start` ends on the next day. */
export interface OpenInterval {
  /** ISO weekday of the start: 1 = Monday … 7 = Sunday. */
  weekday: number;
  /** Local start, `HH:MM[:SS[.mmm]]`. */
  start: string;
  /** Local end, same format; `end <= start` is an overnight shift ending the next day. */
  end: string;
}

/** A closed date in the calendar's zone; without start/end the whole day is closed. */
export interface Holiday {
  /** Local date, `YYYY-MM-DD`. */
  date: string;
  name?: string | null;
  /** Closed from this local time (default: midnight). */
  start?: string | null;
  /** Closed until this local time on the same date (default: the end of the day). */
  end?: string | null;
}

/** The business calendar rules as stored in `BusinessCalendar` (hours and holidays JSON). */
export interface BusinessCalendarSpec {
  timeZone: string;
  hours: OpenInterval[];
  holidays?: Holiday[] | null;
}

/** An interval of instants in epoch milliseconds, `[start, end)`. */
export type InstantRange = readonly [start: number, end: number];

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** Deadlines are searched this far after the start (3653 days, ten years); beyond: no deadline. */
export const MAX_DEADLINE_SEARCH_MS = 3653 * DAY_MS;
/** The largest SLA target a policy may set, in minutes (the deadline search window). */
export const MAX_TARGET_MINUTES = MAX_DEADLINE_SEARCH_MS / MINUTE_MS;

const WEEKDAY_NAMES = ['', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'];
const LOCAL_TIME = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.(\d{3}))?)?$/;
const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Milliseconds after local midnight for `HH:MM[:SS[.mmm]]` (the LocalTime scalar's
 * format), or null when malformed. Midnight at the end of a day is written `00:00`:
 * an interval whose end is not after its start ends the next day.
 */
export function parseLocalTime(value: string): number | null {
  if (typeof value !== 'string') return null;
  const m = LOCAL_TIME.exec(value);
  if (!m) return null;
  return ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3] ?? 0)) * 1000 + Number(m[4] ?? 0);
}

function formatLocalTime(ms: number): string {
  const hh = Math.floor(ms / 3_600_000);
  const mm = Math.floor((ms % 3_600_000) / 60_000);
  const ss = Math.floor((ms % 60_000) / 1000);
  const frac = ms % 1000;
  const base = `${String(hh).padStart(2, '0')}:${String(mm).padStart(2, '0')}`;
  if (ss === 0 && frac === 0) return base;
  return `${base}:${String(ss).padStart(2, '0')}${frac === 0 ? '' : `.${String(frac).padStart(3, '0')}`}`;
}

/** One problem found in a calendar input. */
export interface CalendarProblem {
  field: string;
  message: string;
}

/** True when `zone` is an IANA zone name luxon (and Intl) can use. */
export function isValidTimeZone(zone: string): boolean {
  return typeof zone === 'string' && zone.length > 0 && IANAZone.isValidZone(zone);
}

/**
 * Every problem in a calendar's rules: unknown zone, malformed times or dates, empty
 * intervals (`end == start`), intervals overlapping in the weekly cycle (overnight
 * shifts included), holidays whose end is not after their start. Empty when valid.
 */
export function calendarProblems(spec: BusinessCalendarSpec): CalendarProblem[] {
  const problems: CalendarProblem[] = [];
  if (!isValidTimeZone(spec.timeZone)) {
    problems.push({
      field: 'timeZone',
      message: `timeZone "${String(spec.timeZone)}" is not an IANA time zone; use a name such as "Europe/Berlin" or "America/New_York"`,
    });
  }
  // Positions in one week (ms after Monday 00:00 local) of every valid interval,
  // split at the week's end so overnight Sunday shifts wrap to Monday.
  const pieces: { index: number; start: number; end: number }[] = [];
  spec.hours.forEach((h, index) => {
    const field = `hours[${index}]`;
    if (!Number.isInteger(h.weekday) || h.weekday < 1 || h.weekday > 7) {
      problems.push({ field: `${field}.weekday`, message: `${field}.weekday must be 1 (Monday) to 7 (Sunday), got ${String(h.weekday)}` });
      return;
    }
    const start = parseLocalTime(h.start);
    const end = parseLocalTime(h.end);
    if (start === null) problems.push({ field: `${field}.start`, message: `${field}.start "${h.start}" is not a time of day HH:MM` });
    if (end === null) problems.push({ field: `${field}.end`, message: `${field}.end "${h.end}" is not a time of day HH:MM` });
    if (start === null || end === null) return;
    if (start === end) {
      problems.push({
        field,
        message: `${field} (${describe(h)}) is empty: end equals start. For an overnight shift make end earlier than start (22:00-06:00); to be open a whole day use two intervals such as 00:00-12:00 and 12:00-00:00, or no calendar for 24/7`,
      });
      return;
    }
    const s = (h.weekday - 1) * DAY_MS + start;
    const e = s + (end > start ? end - start : end + DAY_MS - start);
    if (e <= WEEK_MS) pieces.push({ index, start: s, end: e });
    else {
      pieces.push({ index, start: s, end: WEEK_MS });
      pieces.push({ index, start: 0, end: e - WEEK_MS });
    }
  });
  pieces.sort((a, b) => a.start - b.start || a.end - b.end);
  const reported = new Set<string>();
  for (let i = 0; i < pieces.length; i += 1) {
    for (let j = i + 1; j < pieces.length && pieces[j].start < pieces[i].end; j += 1) {
      if (pieces[i].index === pieces[j].index) continue;
      const [a, b] = [pieces[i].index, pieces[j].index].sort((x, y) => x - y);
      const key = `${a}/${b}`;
      if (reported.has(key)) continue;
      reported.add(key);
      problems.push({
        field: `hours[${b}]`,
        message: `hours[${b}] (${describe(spec.hours[b])}) overlaps hours[${a}] (${describe(spec.hours[a])}); open intervals may touch but not overlap`,
      });
    }
  }
  (spec.holidays ?? []).forEach((holiday, index) => {
    const field = `holidays[${index}]`;
    if (!LOCAL_DATE.test(holiday.date) || !DateTime.fromISO(holiday.date, { zone: 'utc' }).isValid) {
      problems.push({ field: `${field}.date`, message: `${field}.date "${holiday.date}" is not a date YYYY-MM-DD` });
    }
    const start = holiday.start == null ? 0 : parseLocalTime(holiday.start);
    const end = holiday.end == null ? DAY_MS : parseLocalTime(holiday.end);
    if (start === null) problems.push({ field: `${field}.start`, message: `${field}.start "${holiday.start}" is not a time of day HH:MM` });
    if (end === null) problems.push({ field: `${field}.end`, message: `${field}.end "${holiday.end}" is not a time of day HH:MM` });
    if (start !== null && end !== null && end <= start) {
      problems.push({
        field,
        message: `${field} closes ${holiday.date} from ${holiday.start ?? '00:00'} to ${holiday.end ?? 'midnight'}: end must be after start on the same date (omit end to close until midnight)`,
      });
    }
  });
  return problems;
}

function describe(h: OpenInterval): string {
  return `${WEEKDAY_NAMES[h.weekday] ?? h.weekday} ${h.start}-${h.end}`;
}

/**
 * Validates a calendar and returns it normalised (times as `HH:MM` when whole minutes,
 * holidays sorted by date). Throws BAD_USER_INPUT listing every problem in
 * `extensions.errors: [{ field, message }]`.
 */
export function validateCalendar(spec: BusinessCalendarSpec, argument = 'input'): BusinessCalendarSpec {
  const problems = calendarProblems(spec);
  if (problems.length > 0) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
    throw badInput(`${argument}.${problems[0].message}${more}`, {
      argument,
      errors: problems.map((p) => ({ field: `${argument}.${p.field}`, message: p.message })),
    });
  }
  return {
    timeZone: spec.timeZone,
    hours: spec.hours.map((h) => ({
      weekday: h.weekday,
      start: formatLocalTime(parseLocalTime(h.start) ?? 0),
      end: formatLocalTime(parseLocalTime(h.end) ?? 0),
    })),
    holidays: [...(spec.holidays ?? [])]
      .map((h) => ({
        date: h.date,
        ...(h.name != null ? { name: h.name } : {}),
        ...(h.start != null ? { start: formatLocalTime(parseLocalTime(h.start) ?? 0) } : {}),
        ...(h.end != null ? { end: formatLocalTime(parseLocalTime(h.end) ?? 0) } : {}),
      }))
      .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0)),
  };
}

interface CompiledCalendar {
  zone: string;
  /** Index 1..7: the day's intervals as local [start, end) ms after midnight; end may pass midnight. */
  byWeekday: { start: number; end: number }[][];
  /** Local date → closed local [start, end) ms after that date's midnight. */
  holidays: Map<string, { start: number; end: number }[]>;
}

const compiled = new WeakMap<BusinessCalendarSpec, CompiledCalendar>();

function compile(spec: BusinessCalendarSpec): CompiledCalendar {
  const cached = compiled.get(spec);
  if (cached) return cached;
  const problems = calendarProblems(spec);
  if (problems.length > 0) throw new RangeError(`invalid business calendar: ${problems[0].message}`);
  const byWeekday: { start: number; end: number }[][] = Array.from({ length: 8 }, () => []);
  for (const h of spec.hours) {
    const start = parseLocalTime(h.start) as number;
    const end = parseLocalTime(h.end) as number;
    byWeekday[h.weekday].push({ start, end: end > start ? end : end + DAY_MS });
  }
  const holidays = new Map<string, { start: number; end: number }[]>();
  for (const h of spec.holidays ?? []) {
    const list = holidays.get(h.date) ?? [];
    list.push({
      start: h.start == null ? 0 : (parseLocalTime(h.start) as number),
      end: h.end == null ? DAY_MS : (parseLocalTime(h.end) as number),
    });
    holidays.set(h.date, list);
  }
  const result = { zone: spec.timeZone, byWeekday, holidays };
  compiled.set(spec, result);
  return result;
}

/**
 * The instant of local wall time `msOfDay` after midnight of the civil date whose
 * midnight as if in UTC is `wallMidnight` (`msOfDay` may pass midnight). A wall time
 * skipped by a DST change moves forward by the change, as in PostgreSQL and java.time;
 * a repeated one is luxon's choice (the later offset).
 */
function localInstant(zone: IANAZone, wallMidnight: number, msOfDay: number): number {
  const wall = new Date(wallMidnight + msOfDay);
  return DateTime.fromObject(
    {
      year: wall.getUTCFullYear(),
      month: wall.getUTCMonth() + 1,
      day: wall.getUTCDate(),
      hour: wall.getUTCHours(),
      minute: wall.getUTCMinutes(),
      second: wall.getUTCSeconds(),
      millisecond: wall.getUTCMilliseconds(),
    },
    { zone },
  ).toMillis();
}

// zone.offset() formats a date through Intl (~10 µs); walks over years of days ask
// for the same midnights again and again, so offsets are memoised per zone and instant.
const offsetMemo = new Map<string, Map<number, number>>();

function offsetAt(zone: IANAZone, ts: number): number {
  let memo = offsetMemo.get(zone.name);
  if (!memo) {
    memo = new Map();
    offsetMemo.set(zone.name, memo);
  }
  let offset = memo.get(ts);
  if (offset === undefined) {
    if (memo.size > 200_000) memo.clear();
    offset = zone.offset(ts);
    memo.set(ts, offset);
  }
  return offset;
}

/**
 * Maps local times of one civil date (and the next) to instants. Most days have one
 * UTC offset throughout, so a wall time is `wall - offset`; around a DST change every
 * time goes through luxon.
 */
function dayClock(zone: IANAZone, wallMidnight: number): (msOfDay: number) => number {
  // Offsets span at most ±14 h, so [wall - 1 day, wall + 3 days] holds every local time of
  // the date and the next. Zones change offset at most once in a few weeks, so equal
  // offsets at the week marks around that window (then at its ends) mean one offset throughout.
  const from = wallMidnight - DAY_MS;
  const to = wallMidnight + 3 * DAY_MS;
  const w0 = Math.floor(from / WEEK_MS) * WEEK_MS;
  const w1 = w0 + WEEK_MS;
  const w2 = w1 + WEEK_MS;
  let offset: number | null = offsetAt(zone, w0);
  if (offsetAt(zone, w1) !== offset || (to > w1 && offsetAt(zone, w2) !== offset)) {
    offset = offsetAt(zone, from) === offsetAt(zone, to) ? offsetAt(zone, from) : null;
  }
  if (offset !== null) {
    const shift = offset * MINUTE_MS;
    return (msOfDay) => wallMidnight + msOfDay - shift;
  }
  return (msOfDay) => localInstant(zone, wallMidnight, msOfDay);
}

function mergeRanges(ranges: [number, number][]): [number, number][] {
  ranges.sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [s, e] of ranges) {
    if (e <= s) continue;
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/**
 * The calendar's open time within `[fromMs, toMs)` as sorted, disjoint, non-touching
 * instant ranges: weekly intervals (overnight ones end the next day) minus holidays
 * (a holiday closes its local date, including the part of a shift that began the day before).
 */
export function openIntervals(spec: BusinessCalendarSpec, fromMs: number, toMs: number): InstantRange[] {
  if (!(toMs > fromMs)) return [];
  const cal = compile(spec);
  const zone = IANAZone.create(cal.zone);
  const open: [number, number][] = [];
  const closed: [number, number][] = [];
  // Walk civil dates, starting a day early: a shift that began yesterday may still be
  // open at `fromMs`. A date whose (first) local midnight is at or after `toMs` opens nothing before it.
  const first = DateTime.fromMillis(fromMs, { zone }).minus({ days: 1 });
  for (let wall = Date.UTC(first.year, first.month - 1, first.day); ; wall += DAY_MS) {
    const at = dayClock(zone, wall);
    if (at(0) >= toMs) break;
    const weekday = ((new Date(wall).getUTCDay() + 6) % 7) + 1;
    for (const iv of cal.byWeekday[weekday]) {
      const s = at(iv.start);
      const e = at(iv.end);
      if (e > fromMs && s < toMs) open.push([s, e]);
    }
    const holiday = cal.holidays.get(new Date(wall).toISOString().slice(0, 10));
    if (holiday) for (const h of holiday) closed.push([at(h.start), at(h.end)]);
  }
  const opened = mergeRanges(open);
  const shut = mergeRanges(closed);
  const result: InstantRange[] = [];
  let k = 0;
  for (const [s0, e0] of opened) {
    let s = Math.max(s0, fromMs);
    const e = Math.min(e0, toMs);
    while (k < shut.length && shut[k][1] <= s) k += 1;
    let j = k;
    while (s < e) {
      if (j >= shut.length || shut[j][0] >= e) {
        result.push([s, e]);
        break;
      }
      if (shut[j][0] > s) result.push([s, shut[j][0]]);
      s = Math.max(s, shut[j][1]);
      j += 1;
    }
  }
  return result;
}

/** Open milliseconds of the calendar in `[from, to)`; the full span for 24/7 (null); 0 when `to <= from`. */
export function businessMillisBetween(calendar: BusinessCalendarSpec | null, from: Date, to: Date): number {
  const a = from.getTime();
  const b = to.getTime();
  if (!(b > a)) return 0;
  if (calendar === null) return b - a;
  let sum = 0;
  for (const [s, e] of openIntervals(calendar, a, b)) sum += e - s;
  return sum;
}

/**
 * Seconds between `from` and `to` counted only while the calendar is open (every second
 * for a null calendar, i.e. 24/7), 0 when `to <= from`. Exact, so fractional when the
 * instants carry milliseconds; the stored Ticket columns keep it so.
 */
export function businessSecondsBetween(calendar: BusinessCalendarSpec | null, from: Date, to: Date): number {
  return businessMillisBetween(calendar, from, to) / 1000;
}

/**
 * Business seconds as stored in `Ticket.*BusinessSeconds`: exact to the millisecond, the
 * same rule as calendar seconds, so a 24/7 ticket has business time = calendar time.
 */
export function storedBusinessSeconds(calendar: BusinessCalendarSpec | null, from: Date, to: Date): number {
  return businessMillisBetween(calendar, from, to) / 1000;
}

/**
 * The deadline `minutes` business minutes after `from`: the earliest instant by which
 * the calendar has been open that long (a target used up exactly at closing time is
 * due at closing time, not at the next opening). Calendar time for a null calendar.
 * Null when the calendar is not open long enough within ten years of `from`.
 */
export function addBusinessMinutes(calendar: BusinessCalendarSpec | null, from: Date, minutes: number): Date | null {
  if (!Number.isFinite(minutes) || minutes <= 0) return new Date(from.getTime());
  const start = from.getTime();
  if (calendar === null) return new Date(start + minutes * MINUTE_MS);
  if (calendar.hours.length === 0) return null;
  let need = minutes * MINUTE_MS;
  const limit = start + MAX_DEADLINE_SEARCH_MS;
  // Walk forward a few weeks at a time: deadlines are usually close.
  for (let windowStart = start; windowStart < limit; ) {
    const windowEnd = Math.min(limit, windowStart + 4 * WEEK_MS);
    for (const [s, e] of openIntervals(calendar, windowStart, windowEnd)) {
      if (need <= e - s) return new Date(s + need);
      need -= e - s;
    }
    windowStart = windowEnd;
  }
  return null;
}
