import { DateTime } from 'luxon';
import { bucketGrid, validTimeZone, type Bucket } from '../analytics/buckets.ts';
import type { TicketFilterSpec, TimeRange, ViewerScope } from '../analytics/filter.ts';
import type { Database } from '../db/client.ts';
import { badInput } from '../errors.ts';
import {
  arrivalHistory,
  hourGrid,
  hourPoints,
  hourStart,
  loadCalendars,
  type ForecastDimension,
  type ForecastKey,
  type PlanningCalendar,
} from './history.ts';
import {
  DEFAULT_FIT_WEEKS,
  fitDispersion,
  fitSeasonalModel,
  predictHour,
  predictionInterval,
  Z80,
  Z95,
  type Dispersion,
  type HourPoint,
  type SeasonalModel,
} from './model.ts';

/** Bucket sizes a forecast can use. */
export type ForecastGranularity = 'HOUR' | 'DAY' | 'WEEK';

/** How far ahead a forecast may reach, in days (the trend is not trustworthy further). */
export const MAX_HORIZON_DAYS = 56;
/** Weeks of history read: the fit window plus a year for holidays. */
export const HISTORY_WEEKS = 53;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** A forecast request. */
export interface ForecastRequest {
  range: TimeRange;
  granularity: ForecastGranularity;
  timeZone: string;
  filter?: TicketFilterSpec | null;
  scope: ViewerScope;
  by?: readonly ForecastDimension[];
  /** The present: history ends at the start of its local hour. */
  now: Date;
  fitWeeks?: number;
}

/** One forecast bucket. */
export interface ForecastBucket extends Bucket {
  expected: number;
  lower80: number;
  upper80: number;
  lower95: number;
  upper95: number;
  /** Share of the bucket's hours that some business calendar's holiday closes (0-1). */
  holidayShare: number;
}

/** One forecast series (one group of `by`). */
export interface ForecastSeries {
  key: ForecastKey;
  buckets: ForecastBucket[];
  /** Level at the end of the history, arrivals per hour before the hour-of-week profile. */
  levelPerHour: number;
  /** Trend: change of that level per week. */
  trendPerWeek: number;
  /** Normal hours the level and profile were fitted on. */
  fittedHours: number;
  /** Holiday kinds learned from the history (sorted calendar externalIds joined by "+"). */
  learnedHolidays: string[];
}

/** Checks the forecast range against the present; returns the local hour the history ends at. */
export function checkForecastRange(range: TimeRange, timeZone: string, now: Date): Date {
  validTimeZone(timeZone);
  if (!(range.from.getTime() < range.to.getTime())) {
    throw badInput('range.from must be before range.to; the range is half-open [from, to)', { argument: 'range' });
  }
  const current = hourStart(now, timeZone);
  if (range.to.getTime() <= now.getTime()) {
    throw badInput(
      `range ends at ${range.to.toISOString()}, in the past: a forecast covers future buckets (now is ${now.toISOString()}). Use forecastAccuracy to judge the model on past weeks.`,
      { argument: 'range' },
    );
  }
  if (range.from.getTime() < current.getTime()) {
    throw badInput(
      `range.from ${range.from.toISOString()} is in the past: a forecast starts at the current hour or later (from ≥ ${current.toISOString()}).`,
      { argument: 'range.from', earliest: current.toISOString() },
    );
  }
  const latest = new Date(now.getTime() + MAX_HORIZON_DAYS * DAY_MS);
  if (range.to.getTime() > latest.getTime()) {
    throw badInput(
      `range ends ${Math.ceil((range.to.getTime() - now.getTime()) / DAY_MS)} days ahead; forecasts reach at most ${MAX_HORIZON_DAYS} days ahead (range.to ≤ ${latest.toISOString()}). Use a shorter range.`,
      { argument: 'range.to', latest: latest.toISOString(), limitDays: MAX_HORIZON_DAYS },
    );
  }
  return current;
}

/** Sums hourly values into output buckets by overlap (clipped buckets get their share of an hour). */
export function sumIntoBuckets(hours: readonly HourPoint[], values: readonly number[], buckets: readonly Bucket[]): number[] {
  const out = new Array<number>(buckets.length).fill(0);
  let h = 0;
  for (let k = 0; k < buckets.length; k += 1) {
    const bs = buckets[k].start.getTime();
    const be = buckets[k].end.getTime();
    while (h < hours.length && hours[h].start + HOUR_MS <= bs) h += 1;
    for (let j = h; j < hours.length && hours[j].start < be; j += 1) {
      const end = j + 1 < hours.length ? hours[j + 1].start : hours[j].start + HOUR_MS;
      const overlap = Math.min(be, end) - Math.max(bs, hours[j].start);
      if (overlap > 0) out[k] += (values[j] * overlap) / (end - hours[j].start);
    }
  }
  return out;
}

/**
 * The dispersion of the model's in-sample errors at one granularity: hourly fits of the
 * fit window summed into that granularity's full buckets.
 */
export function inSampleDispersion(
  model: SeasonalModel,
  points: readonly HourPoint[],
  counts: readonly number[],
  granularity: ForecastGranularity,
  timeZone: string,
  fitWeeks: number,
): Dispersion {
  const origin = model.origin;
  const start = DateTime.fromMillis(origin, { zone: timeZone }).minus({ weeks: fitWeeks }).toMillis();
  const idx: number[] = [];
  let seen = false;
  for (let i = 0; i < points.length; i += 1) {
    // Like the fit: a young history starts at its first arrival.
    seen ||= counts[i] > 0;
    if (seen && points[i].start >= start && points[i].start < origin) idx.push(i);
  }
  if (idx.length === 0) return { phi: 1, kappa2: 0, n: 0 };
  const hours = idx.map((i) => points[i]);
  const fitted = hours.map((p) => predictHour(model, p));
  const actual = idx.map((i) => counts[i]);
  // Parameters of the mean: 168 profile values and 2 trend values, spread over the buckets.
  const share = 170 / Math.max(171, hours.length);
  if (granularity === 'HOUR') return fitDispersion(fitted, actual, share * hours.length);
  const grid = bucketGrid({ from: new Date(hours[0].start), to: new Date(origin) }, { granularity, timeZone, weekStart: weekdayOf(origin, timeZone) });
  const e = sumIntoBuckets(hours, fitted, grid);
  const y = sumIntoBuckets(hours, actual, grid);
  return fitDispersion(e, y, share * grid.length);
}

function weekdayOf(ms: number, timeZone: string): 1 | 2 | 3 | 4 | 5 | 6 | 7 {
  return DateTime.fromMillis(ms, { zone: timeZone }).weekday as 1 | 2 | 3 | 4 | 5 | 6 | 7;
}

/** What the forecast of one series needs, computed once per request. */
export interface ForecastFrame {
  timeZone: string;
  calendars: PlanningCalendar[];
  /** History and future hours on one grid. */
  points: HourPoint[];
  /** Index of the first future hour in `points`. */
  originIndex: number;
  origin: number;
}

/** Builds the hour grid from HISTORY_WEEKS before `origin` to `until`, with holiday kinds. */
export function forecastFrame(origin: Date, until: Date, timeZone: string, calendars: PlanningCalendar[], historyWeeks = HISTORY_WEEKS): ForecastFrame {
  const from = DateTime.fromJSDate(origin, { zone: timeZone }).minus({ weeks: historyWeeks }).toJSDate();
  const grid = hourGrid(hourStart(from, timeZone), until, timeZone);
  const points = hourPoints(grid, timeZone, calendars);
  let originIndex = points.findIndex((p) => p.start >= origin.getTime());
  if (originIndex < 0) originIndex = points.length;
  return { timeZone, calendars, points, originIndex, origin: origin.getTime() };
}

const kindNames = (kind: string, calendars: readonly PlanningCalendar[]) =>
  kind
    .split('+')
    .map((id) => calendars.find((c) => String(c.id) === id)?.externalId ?? id)
    .sort()
    .join('+');

/** Forecasts one series over `buckets` from its hourly history counts (aligned with `frame.points` before the origin). */
export function forecastSeries(
  frame: ForecastFrame,
  key: ForecastKey,
  counts: readonly number[],
  buckets: readonly Bucket[],
  granularity: ForecastGranularity,
  fitWeeks = DEFAULT_FIT_WEEKS,
): ForecastSeries {
  const history = frame.points.slice(0, frame.originIndex);
  const model = fitSeasonalModel(history, counts, frame.origin, { fitWeeks });
  const dispersion = inSampleDispersion(model, history, counts, granularity, frame.timeZone, fitWeeks);
  const future = frame.points.slice(frame.originIndex);
  const hourly = future.map((p) => predictHour(model, p));
  const holidays = future.map((p) => (p.holiday === '' ? 0 : 1));
  const expected = sumIntoBuckets(future, hourly, buckets);
  const holidayHours = sumIntoBuckets(future, holidays, buckets);
  return {
    key,
    levelPerHour: model.level,
    trendPerWeek: model.trendPerWeek,
    fittedHours: model.fittedHours,
    learnedHolidays: [...model.holidayFactors.keys()].map((k) => kindNames(k, frame.calendars)).sort(),
    buckets: buckets.map((b, k) => {
      const i80 = predictionInterval(expected[k], dispersion, Z80);
      const i95 = predictionInterval(expected[k], dispersion, Z95);
      const hours = (b.end.getTime() - b.start.getTime()) / HOUR_MS;
      return {
        ...b,
        expected: expected[k],
        lower80: i80.lower,
        upper80: i80.upper,
        lower95: i95.lower,
        upper95: i95.upper,
        holidayShare: hours > 0 ? Math.min(1, holidayHours[k] / hours) : 0,
      };
    }),
  };
}

/**
 * Expected ticket arrivals per future bucket, with 80 % and 95 % prediction intervals,
 * per group of `by`: history counted by one SQL statement, the model fitted per group.
 */
export async function computeForecast(db: Pick<Database, 'prisma'>, req: ForecastRequest): Promise<ForecastSeries[]> {
  const origin = checkForecastRange(req.range, req.timeZone, req.now);
  if (req.filter?.createdAt) {
    throw badInput('filter.createdAt cannot be used in a forecast: the model chooses its own history window. Leave it out.', { argument: 'filter.createdAt' });
  }
  const by = [...new Set(req.by ?? [])];
  const buckets = bucketGrid(req.range, { granularity: req.granularity, timeZone: req.timeZone });
  const calendars = await loadCalendars(db);
  const until = new Date(Math.max(req.range.to.getTime(), origin.getTime() + HOUR_MS) + HOUR_MS);
  const frame = forecastFrame(origin, until, req.timeZone, calendars);
  const historyGrid = frame.points.slice(0, frame.originIndex).map((p, i, all) => ({
    start: new Date(p.start),
    end: new Date(i + 1 < all.length ? all[i + 1].start : frame.origin),
    label: '',
  }));
  const series = await arrivalHistory(db, historyGrid, by, req.filter, req.scope);
  return series.map((s) => forecastSeries(frame, s.key, s.counts, buckets, req.granularity, req.fitWeeks));
}
