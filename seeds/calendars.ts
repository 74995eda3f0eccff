import { DateTime } from 'luxon';

// The same JSON shapes BusinessCalendar stores and the SLA engine reads.
export type { Holiday, OpenInterval } from '../src/sla/business-hours.ts';
import type { Holiday, OpenInterval } from '../src/sla/business-hours.ts';

/** A demo business calendar: the row to insert and the rules the simulation follows. */
export interface CalendarSpec {
  externalId: string;
  name: string;
  timeZone: string;
  hours: OpenInterval[];
  holidays: (year: number) => Holiday[];
}

const HOUR_MS = 3_600_000;

function weekdays(start: string, end: string): OpenInterval[] {
  return [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start, end }));
}

function isoDate(year: number, month: number, day: number): string {
  return DateTime.utc(year, month, day).toISODate() ?? '';
}

/** Easter Sunday of a Gregorian year (anonymous Gregorian algorithm). */
export function easterSunday(year: number): { month: number; day: number } {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return { month, day };
}

/** Germany's nationwide public holidays, plus the afternoons of Dec 24 and Dec 31. */
export function germanHolidays(year: number): Holiday[] {
  const easter = easterSunday(year);
  const fromEaster = (days: number, name: string): Holiday => ({
    date: DateTime.utc(year, easter.month, easter.day).plus({ days }).toISODate() ?? '',
    name,
  });
  return [
    { date: isoDate(year, 1, 1), name: 'Neujahr' },
    fromEaster(-2, 'Karfreitag'),
    fromEaster(1, 'Ostermontag'),
    { date: isoDate(year, 5, 1), name: 'Tag der Arbeit' },
    fromEaster(39, 'Christi Himmelfahrt'),
    fromEaster(50, 'Pfingstmontag'),
    { date: isoDate(year, 10, 3), name: 'Tag der Deutschen Einheit' },
    { date: isoDate(year, 12, 24), name: 'Heiligabend (afternoon)', start: '12:00', end: '17:00' },
    { date: isoDate(year, 12, 25), name: '1. Weihnachtstag' },
    { date: isoDate(year, 12, 26), name: '2. Weihnachtstag' },
    { date: isoDate(year, 12, 31), name: 'Silvester (afternoon)', start: '12:00', end: '17:00' },
  ].sort((x, y) => x.date.localeCompare(y.date));
}

function nthWeekday(year: number, month: number, weekday: number, n: number): string {
  const first = DateTime.utc(year, month, 1);
  const offset = (weekday - first.weekday + 7) % 7;
  return first.plus({ days: offset + 7 * (n - 1) }).toISODate() ?? '';
}

function lastWeekday(year: number, month: number, weekday: number): string {
  const last = DateTime.utc(year, month, 1).endOf('month').startOf('day');
  const offset = (last.weekday - weekday + 7) % 7;
  return last.minus({ days: offset }).toISODate() ?? '';
}

/** A fixed-date US holiday moves to Friday when it falls on Saturday, to Monday on Sunday. */
function observed(year: number, month: number, day: number): string {
  const date = DateTime.utc(year, month, day);
  if (date.weekday === 6) return date.minus({ days: 1 }).toISODate() ?? '';
  if (date.weekday === 7) return date.plus({ days: 1 }).toISODate() ?? '';
  return date.toISODate() ?? '';
}

/** US federal holidays most companies close on, with observed dates, plus the day after Thanksgiving. */
export function usHolidays(year: number): Holiday[] {
  const thanksgiving = nthWeekday(year, 11, 4, 4);
  return [
    { date: observed(year, 1, 1), name: "New Year's Day" },
    { date: nthWeekday(year, 1, 1, 3), name: 'Martin Luther King Jr. Day' },
    { date: nthWeekday(year, 2, 1, 3), name: "Presidents' Day" },
    { date: lastWeekday(year, 5, 1), name: 'Memorial Day' },
    { date: observed(year, 6, 19), name: 'Juneteenth' },
    { date: observed(year, 7, 4), name: 'Independence Day' },
    { date: nthWeekday(year, 9, 1, 1), name: 'Labor Day' },
    { date: thanksgiving, name: 'Thanksgiving Day' },
    { date: DateTime.fromISO(thanksgiving, { zone: 'utc' }).plus({ days: 1 }).toISODate() ?? '', name: 'Day after Thanksgiving' },
    { date: observed(year, 12, 25), name: 'Christmas Day' },
  ].sort((x, y) => x.date.localeCompare(y.date));
}

/** The two demo calendars: Berlin office hours and New York extended hours. */
export const CALENDARS = {
  europe: {
    externalId: 'cal-europe',
    name: 'Europe office hours (Berlin)',
    timeZone: 'Europe/Berlin',
    hours: weekdays('09:00', '17:00'),
    holidays: germanHolidays,
  },
  us: {
    externalId: 'cal-us',
    name: 'US office hours (New York)',
    timeZone: 'America/New_York',
    hours: weekdays('08:00', '18:00'),
    holidays: usHolidays,
  },
} satisfies Record<string, CalendarSpec>;

/** The holidays of a calendar for every year from `fromYear` to `toYear`. */
export function holidaysBetween(spec: CalendarSpec, fromYear: number, toYear: number): Holiday[] {
  const out: Holiday[] = [];
  for (let year = fromYear; year <= toYear; year += 1) out.push(...spec.holidays(year));
  return out;
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

/**
 * Whole-hour view of a calendar over a span of UTC hours: which hours are open, and
 * for each hour the next open one. Every demo calendar opens and closes on the hour,
 * so an hourly grid is exact and makes "wait until we open" a table lookup.
 */
export class OpenHours {
  readonly open: Uint8Array;
  private readonly nextOpen: Int32Array;

  constructor(
    readonly startMs: number,
    readonly hours: number,
    spec: CalendarSpec,
  ) {
    this.open = new Uint8Array(hours);
    this.nextOpen = new Int32Array(hours);
    const first = DateTime.fromMillis(startMs, { zone: spec.timeZone });
    const last = DateTime.fromMillis(startMs + hours * HOUR_MS, { zone: spec.timeZone });
    const closed = new Map<string, Holiday>();
    for (const h of holidaysBetween(spec, first.year, last.year)) closed.set(h.date, h);
    for (let k = 0; k < hours; k += 1) {
      const local = DateTime.fromMillis(startMs + k * HOUR_MS, { zone: spec.timeZone });
      const from = local.hour * 60;
      const to = from + 60;
      let isOpen = spec.hours.some((i) => i.weekday === local.weekday && minutes(i.start) <= from && to <= minutes(i.end));
      const holiday = closed.get(local.toISODate() ?? '');
      if (isOpen && holiday) {
        isOpen = holiday.start && holiday.end ? to <= minutes(holiday.start) || from >= minutes(holiday.end) : false;
      }
      this.open[k] = isOpen ? 1 : 0;
    }
    let next = -1;
    for (let k = hours - 1; k >= 0; k -= 1) {
      if (this.open[k]) next = k;
      this.nextOpen[k] = next;
    }
  }

  private index(ms: number): number {
    return Math.floor((ms - this.startMs) / HOUR_MS);
  }

  /** Whether the calendar is open at an instant (times past the grid count as open). */
  isOpen(ms: number): boolean {
    const k = this.index(ms);
    return k < 0 || k >= this.hours ? true : this.open[k] === 1;
  }

  /** The instant itself when open, else the start of the next open hour. */
  nextOpenAt(ms: number): number {
    const k = this.index(ms);
    if (k < 0 || k >= this.hours || this.open[k]) return ms;
    const n = this.nextOpen[k];
    return n < 0 ? ms : this.startMs + n * HOUR_MS;
  }

  /** The instant at which `workMs` of open time has passed after `ms`. */
  addWorkTime(ms: number, workMs: number): number {
    let t = ms;
    let left = workMs;
    for (;;) {
      const k = this.index(t);
      if (k < 0 || k >= this.hours) return t + left;
      if (!this.open[k]) {
        const n = this.nextOpen[k];
        if (n < 0) return t + left;
        t = this.startMs + n * HOUR_MS;
        continue;
      }
      const hourEnd = this.startMs + (k + 1) * HOUR_MS;
      if (t + left <= hourEnd) return t + left;
      left -= hourEnd - t;
      t = hourEnd;
    }
  }
}
