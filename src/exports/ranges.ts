import { DateTime } from 'luxon';
import { badInput } from '../errors.ts';

/** The relative ranges a saved report can ask for, resolved when it runs. */
export type RelativeRangeName =
  | 'TODAY'
  | 'YESTERDAY'
  | 'LAST_7_DAYS'
  | 'LAST_WEEK'
  | 'LAST_MONTH'
  | 'MONTH_TO_DATE'
  | 'QUARTER_TO_DATE'
  | 'LAST_N_DAYS';

/** A half-open range of instants [from, to). */
export interface ResolvedRange {
  from: Date;
  to: Date;
}

/** Longest LAST_N_DAYS range. */
export const MAX_LAST_DAYS = 3660;

/**
 * Resolves a relative range at the instant `now`, in the report's time zone: days,
 * weeks (Monday first), months and quarters start at local midnight, so a DST day is
 * 23 or 25 hours long. Ranges of whole days end at the start of today (today is not
 * complete); the "to date" ranges end at the end of today.
 *
 * - TODAY: today. YESTERDAY: the day before.
 * - LAST_7_DAYS / LAST_N_DAYS: the 7 (n) whole days before today.
 * - LAST_WEEK: the Monday-to-Sunday week before the current one.
 * - LAST_MONTH: the calendar month before the current one.
 * - MONTH_TO_DATE / QUARTER_TO_DATE: from the start of the month (quarter) to the end of today.
 */
export function resolveRelativeRange(range: RelativeRangeName, zone: string, now: Date, lastDays?: number | null): ResolvedRange {
  const local = DateTime.fromJSDate(now, { zone });
  if (!local.isValid) throw badInput(`timeZone "${zone}" is not an IANA time zone`, { argument: 'timeZone' });
  const today = local.startOf('day');
  const span = (from: DateTime, to: DateTime): ResolvedRange => ({ from: from.toJSDate(), to: to.toJSDate() });
  switch (range) {
    case 'TODAY':
      return span(today, today.plus({ days: 1 }));
    case 'YESTERDAY':
      return span(today.minus({ days: 1 }), today);
    case 'LAST_7_DAYS':
      return span(today.minus({ days: 7 }), today);
    case 'LAST_WEEK': {
      const week = local.startOf('week'); // luxon weeks are ISO: Monday first
      return span(week.minus({ weeks: 1 }), week);
    }
    case 'LAST_MONTH': {
      const month = local.startOf('month');
      return span(month.minus({ months: 1 }), month);
    }
    case 'MONTH_TO_DATE':
      return span(local.startOf('month'), today.plus({ days: 1 }));
    case 'QUARTER_TO_DATE':
      return span(local.startOf('quarter'), today.plus({ days: 1 }));
    case 'LAST_N_DAYS': {
      if (!Number.isInteger(lastDays) || (lastDays as number) < 1 || (lastDays as number) > MAX_LAST_DAYS) {
        throw badInput(`range LAST_N_DAYS needs lastDays, a whole number of days from 1 to ${MAX_LAST_DAYS}`, { argument: 'lastDays' });
      }
      return span(today.minus({ days: lastDays as number }), today);
    }
  }
}
