import { DateTime } from 'luxon';
import { bucketGrid, validTimeZone, type Bucket } from '../analytics/buckets.ts';
import type { TicketFilterSpec, ViewerScope } from '../analytics/filter.ts';
import type { Database } from '../db/client.ts';
import { badInput } from '../errors.ts';
import { HISTORY_WEEKS, forecastFrame, inSampleDispersion, sumIntoBuckets, type ForecastGranularity } from './forecast.ts';
import { arrivalHistory, loadCalendars } from './history.ts';
import { accuracy, DEFAULT_FIT_WEEKS, fitSeasonalModel, predictHour, predictionInterval, Z80, Z95, type Accuracy } from './model.ts';

/** A backtest request. */
export interface AccuracyRequest {
  /** Folds: one week each, ending at the local midnight before `asOf` (default 8). */
  weeks?: number;
  timeZone: string;
  filter?: TicketFilterSpec | null;
  scope: ViewerScope;
  /** End of the evaluated period (rounded down to local midnight); default now. */
  asOf: Date;
  fitWeeks?: number;
}

/** Accuracy of model and baseline at one granularity. */
export interface GranularityAccuracy {
  granularity: ForecastGranularity;
  model: Accuracy;
  baseline: Accuracy;
  /** 1 − model WAPE / baseline WAPE: the share of the baseline's error the model removes. */
  wapeImprovement: number | null;
  /** Share of buckets whose actual count lay inside the 80 % / 95 % interval. */
  coverage80: number | null;
  coverage95: number | null;
}

/** The backtest's result. */
export interface AccuracyResult {
  from: Date;
  to: Date;
  weeks: number;
  /** Tickets that arrived in the evaluated weeks. */
  actualTotal: number;
  granularities: GranularityAccuracy[];
}

/** Most backtest weeks (each fold refits the model). */
export const MAX_BACKTEST_WEEKS = 26;

const GRANULARITIES: ForecastGranularity[] = ['HOUR', 'DAY', 'WEEK'];

/**
 * Rolling-origin backtest: for each of the last `weeks` weeks, fit the model on the
 * history before the week's start and forecast the week; compare with what arrived, and
 * with the seasonal-naive baseline (the same local hour one week earlier), at HOUR, DAY
 * and WEEK. History is counted by one SQL statement for all folds.
 */
export async function computeForecastAccuracy(db: Pick<Database, 'prisma'>, req: AccuracyRequest): Promise<AccuracyResult> {
  const zone = validTimeZone(req.timeZone);
  const weeks = req.weeks ?? 8;
  if (!Number.isInteger(weeks) || weeks < 1 || weeks > MAX_BACKTEST_WEEKS) {
    throw badInput(`weeks must be an integer from 1 to ${MAX_BACKTEST_WEEKS} (got ${weeks})`, { argument: 'weeks' });
  }
  if (req.filter?.createdAt) {
    throw badInput('filter.createdAt cannot be used in forecastAccuracy: the backtest chooses its own weeks. Leave it out.', { argument: 'filter.createdAt' });
  }
  const fitWeeks = req.fitWeeks ?? DEFAULT_FIT_WEEKS;
  const end = DateTime.fromJSDate(req.asOf, { zone }).startOf('day');
  const start = end.minus({ weeks });
  const calendars = await loadCalendars(db);
  // One grid from a year before the first fold to the end; each fold sees only its past.
  const frame = forecastFrame(start.toJSDate(), end.toJSDate(), zone, calendars, HISTORY_WEEKS + 1);
  const grid: Bucket[] = frame.points.map((p, i, all) => ({ start: new Date(p.start), end: new Date(i + 1 < all.length ? all[i + 1].start : end.toMillis()), label: '' }));
  const [series] = await arrivalHistory(db, grid, [], req.filter, req.scope);
  const counts = series.counts;
  const indexOf = new Map(frame.points.map((p, i) => [p.start, i]));

  const acc = Object.fromEntries(GRANULARITIES.map((g) => [g, { model: [] as number[], baseline: [] as number[], actual: [] as number[], in80: 0, in95: 0 }]));
  for (let k = weeks; k >= 1; k -= 1) {
    const foldStart = end.minus({ weeks: k });
    const foldEnd = foldStart.plus({ weeks: 1 });
    const first = frame.points.findIndex((p) => p.start >= foldStart.toMillis());
    let last = frame.points.findIndex((p) => p.start >= foldEnd.toMillis());
    if (last < 0) last = frame.points.length;
    const past = frame.points.slice(0, first);
    const model = fitSeasonalModel(past, counts, foldStart.toMillis(), { fitWeeks });
    const hours = frame.points.slice(first, last);
    const forecast = hours.map((p) => predictHour(model, p));
    const actual = counts.slice(first, last);
    // Seasonal naive: the same local hour a week before (DST-safe through local time).
    const naive = hours.map((p) => {
      const i = indexOf.get(DateTime.fromMillis(p.start, { zone }).minus({ weeks: 1 }).toMillis());
      return i === undefined ? 0 : counts[i];
    });
    for (const g of GRANULARITIES) {
      const buckets = bucketGrid({ from: foldStart.toJSDate(), to: foldEnd.toJSDate() }, { granularity: g, timeZone: zone, weekStart: foldStart.weekday as 1 });
      const f = sumIntoBuckets(hours, forecast, buckets);
      const y = sumIntoBuckets(hours, actual, buckets);
      const n = sumIntoBuckets(hours, naive, buckets);
      const dispersion = inSampleDispersion(model, past, counts, g, zone, fitWeeks);
      const a = acc[g];
      f.forEach((mean, i) => {
        const i80 = predictionInterval(mean, dispersion, Z80);
        const i95 = predictionInterval(mean, dispersion, Z95);
        if (y[i] >= i80.lower && y[i] <= i80.upper) a.in80 += 1;
        if (y[i] >= i95.lower && y[i] <= i95.upper) a.in95 += 1;
      });
      a.model.push(...f);
      a.actual.push(...y);
      a.baseline.push(...n);
    }
  }
  const hourly = acc.HOUR;
  return {
    from: start.toJSDate(),
    to: end.toJSDate(),
    weeks,
    actualTotal: Math.round(hourly.actual.reduce((s, v) => s + v, 0)),
    granularities: GRANULARITIES.map((g) => {
      const a = acc[g];
      const model = accuracy(a.model, a.actual);
      const baseline = accuracy(a.baseline, a.actual);
      const n = a.actual.length;
      return {
        granularity: g,
        model,
        baseline,
        wapeImprovement: model.wape !== null && baseline.wape ? 1 - model.wape / baseline.wape : null,
        coverage80: n > 0 ? a.in80 / n : null,
        coverage95: n > 0 ? a.in95 / n : null,
      };
    }),
  };
}
