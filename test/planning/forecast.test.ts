import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNRESTRICTED } from '../../src/analytics/filter.ts';
import { Prisma } from '../../src/generated/prisma/client.ts';
import { computeForecastAccuracy } from '../../src/planning/backtest.ts';
import { computeForecast } from '../../src/planning/forecast.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { HOLIDAY_FACTOR, insertHistory, trueRate } from './synthetic.ts';

// Engine-level tests against a real database (PGlite, or PostgreSQL with TEST_DATABASE_URL),
// with a fixed "now" so DST and holidays fall where the expected numbers were worked out.
const ZONE = 'Europe/Berlin';
const WEEK = 7 * 86_400_000;
const NOW = DateTime.fromISO('2026-11-16T00:00:00', { zone: ZONE }).toJSDate(); // Monday, local midnight
const PAST_HOLIDAYS = ['2026-09-09', '2026-10-07', '2026-10-21'];
const FUTURE_HOLIDAY = '2026-11-18';
const HOLIDAYS = new Set([...PAST_HOLIDAYS, FUTURE_HOLIDAY]);
const START = NOW.getTime() - 20 * WEEK;

// Dataset B (PHONE): an exactly periodic week, constant level, every holiday at half volume.
const HOUR_B = [0, 0, 0, 0, 0, 0, 0, 2, 4, 6, 6, 4, 4, 6, 6, 4, 2, 2, 0, 0, 0, 0, 0, 0]; // Σ = 46
const DAY_B = [0, 3, 2, 2, 2, 2, 1, 1]; // Σ = 13

let db: TestDatabase;

beforeAll(async () => {
  db = await openTestDatabase();
  await db.prisma.businessCalendar.create({
    data: {
      externalId: 'cal-test',
      name: 'Test',
      timeZone: ZONE,
      hours: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '08:00', end: '18:00' })),
      holidays: [...HOLIDAYS].map((date) => ({ date })),
    },
  });
  // Dataset A (EMAIL): the synthetic history of synthetic.ts; CHAT: the same at half the rate.
  await insertHistory(db, { from: START, to: NOW.getTime(), zone: ZONE, holidays: HOLIDAYS, channel: 'EMAIL' });
  await insertHistory(db, { from: NOW.getTime() - 17 * WEEK, to: NOW.getTime(), zone: ZONE, holidays: HOLIDAYS, channel: 'CHAT', scale: 0.5 });
  // Dataset B: 20 weeks of exact integer counts (the first fold's 16-week fit window and the 9 Sep holiday).
  const hours: string[] = [];
  const counts: number[] = [];
  for (let s = NOW.getTime() - 20 * WEEK; s < NOW.getTime(); s += 3_600_000) {
    const t = DateTime.fromMillis(s, { zone: ZONE });
    const n = HOUR_B[t.hour] * DAY_B[t.weekday];
    hours.push(new Date(s).toISOString());
    counts.push(HOLIDAYS.has(t.toISODate() ?? '') ? n / 2 : n);
  }
  await db.prisma.$executeRaw(Prisma.sql`
    INSERT INTO "Ticket" ("externalId", "channel", "status", "createdAt")
    SELECT 'B-' || h.i || '-' || g.k, 'PHONE'::"Channel", 'NEW'::"TicketStatus", h.s + g.k * interval '1 second'
    FROM unnest(${hours}::timestamptz[], ${counts}::int[]) WITH ORDINALITY AS h(s, n, i), generate_series(1, h.n) AS g(k)`);
}, 120_000);
afterAll(async () => {
  await db?.destroy();
});

const day = (iso: string) => ({ from: DateTime.fromISO(iso, { zone: ZONE }).toJSDate(), to: DateTime.fromISO(iso, { zone: ZONE }).plus({ days: 1 }).toJSDate() });

describe('computeForecast on a synthetic history', () => {
  it('forecasts the known future: weekly shape, trend, and the holiday like the holidays before it', async () => {
    const range = { from: NOW, to: new Date(NOW.getTime() + 2 * WEEK) };
    const [series] = await computeForecast(db, { range, granularity: 'DAY', timeZone: ZONE, filter: { channels: ['EMAIL'] }, scope: UNRESTRICTED, now: NOW });
    expect(series.buckets).toHaveLength(14);
    expect(series.learnedHolidays).toEqual(['cal-test']);
    for (const b of series.buckets) {
      let truth = 0;
      for (let s = b.start.getTime(); s < b.end.getTime(); s += 3_600_000) truth += trueRate(s, START, ZONE, HOLIDAYS);
      const holiday = b.label === FUTURE_HOLIDAY;
      expect(Math.abs(b.expected - truth) / truth).toBeLessThan(holiday ? 0.05 : 0.015);
      expect(b.holidayShare).toBe(holiday ? 1 : 0);
      expect(b.lower95).toBeLessThanOrEqual(b.lower80);
      expect(b.lower80).toBeLessThanOrEqual(b.expected);
      expect(b.expected).toBeLessThanOrEqual(b.upper80);
      expect(b.upper80).toBeLessThanOrEqual(b.upper95);
    }
    // The holiday Wednesday is ~0.3 of a normal Wednesday, not a normal weekday.
    const wed = series.buckets.find((b) => b.label === FUTURE_HOLIDAY)!;
    const nextWed = series.buckets.find((b) => b.label === '2026-11-25')!;
    expect(wed.expected / nextWed.expected).toBeGreaterThan(HOLIDAY_FACTOR - 0.03);
    expect(wed.expected / nextWed.expected).toBeLessThan(HOLIDAY_FACTOR + 0.03);
  });

  it('sums hours into local days and weeks; WEEK equals the sum of its days', async () => {
    const range = { from: NOW, to: new Date(NOW.getTime() + 2 * WEEK) };
    const args = { range, timeZone: ZONE, filter: { channels: ['EMAIL' as const] }, scope: UNRESTRICTED, now: NOW };
    const [days] = await computeForecast(db, { ...args, granularity: 'DAY' });
    const [weeks] = await computeForecast(db, { ...args, granularity: 'WEEK' });
    const [hours] = await computeForecast(db, { ...args, granularity: 'HOUR' });
    expect(weeks.buckets.map((b) => b.label)).toEqual(['2026-W47', '2026-W48']);
    expect(hours.buckets).toHaveLength(14 * 24);
    const firstWeek = days.buckets.slice(0, 7).reduce((s, b) => s + b.expected, 0);
    expect(weeks.buckets[0].expected).toBeCloseTo(firstWeek, 6);
    expect(hours.buckets.slice(0, 24).reduce((s, b) => s + b.expected, 0)).toBeCloseTo(days.buckets[0].expected, 6);
    // A week's interval is narrower relative to its mean than an hour's (errors average out).
    const rel = (b: { expected: number; upper95: number; lower95: number }) => (b.upper95 - b.lower95) / b.expected;
    expect(rel(weeks.buckets[0])).toBeLessThan(rel(hours.buckets[10]));
  });

  it('splits by CHANNEL, each series fitted on its own history', async () => {
    const range = day('2026-11-17');
    const series = await computeForecast(db, { range, granularity: 'DAY', timeZone: ZONE, filter: { channels: ['EMAIL', 'CHAT'] }, by: ['CHANNEL'], scope: UNRESTRICTED, now: NOW });
    expect(series.map((s) => s.key)).toEqual([{ channel: 'CHAT' }, { channel: 'EMAIL' }]);
    // CHAT: half the rate, growing 2 % a week from its own start 17 weeks ago; EMAIL from 20
    // weeks ago. On 17 Nov (≈ 17.1 and 20.1 weeks in): 0.5 · 1.343 / 1.403 = 0.479.
    const ratio = series[0].buckets[0].expected / series[1].buckets[0].expected;
    expect(Math.abs(ratio - (0.5 * (1 + 0.02 * 17.14)) / (1 + 0.02 * 20.14))).toBeLessThan(0.015);
  });
});

describe('computeForecastAccuracy', () => {
  it('backtest by hand on an exactly periodic history with a holiday in the first fold', async () => {
    const result = await computeForecastAccuracy(db, { weeks: 4, timeZone: ZONE, filter: { channels: ['PHONE'] }, scope: UNRESTRICTED, asOf: NOW });
    // Folds: the weeks from 19 Oct, 26 Oct (25 hours on the 25th), 2 Nov and 9 Nov.
    expect(result.from.toISOString()).toBe(DateTime.fromISO('2026-10-19T00:00:00', { zone: ZONE }).toUTC().toISO());
    // A normal week holds Σhour × Σday = 46 × 13 = 598 tickets; Wednesday 92; the holiday
    // 21 Oct half of that (46 fewer): 4 × 598 − 46 = 2346.
    expect(result.actualTotal).toBe(2346);
    for (const g of result.granularities) {
      // The model knows the shape and learned the 50 % holiday from 9 Sep and 7 Oct: no error.
      expect(g.model.wape).toBeLessThan(1e-9);
      // The baseline misses the holiday (46 too many) and then copies it into the next
      // week (46 too few): WAPE = 92 / 2346 at every granularity (errors share a sign within a day).
      expect(g.baseline.wape).toBeCloseTo(92 / 2346, 10);
      expect(g.wapeImprovement).toBeCloseTo(1, 6);
    }
    // MAPE per hour: 11 hours with arrivals a day, 77 a week, 308 in 4 weeks; holiday hours
    // are off by 100 % of actual, the next Wednesday's by 50 %: (11 · 1 + 11 · 0.5) / 308.
    expect(result.granularities[0].baseline.mape).toBeCloseTo(16.5 / 308, 10);
    expect(result.granularities.map((g) => [g.granularity, g.model.buckets])).toEqual([
      ['HOUR', 4 * 168 + 1],
      ['DAY', 28],
      ['WEEK', 4],
    ]);
  });

  it('on the trending synthetic history the model beats the baseline at every granularity', async () => {
    // The baseline lags the 2 %-a-week growth by a week and copies holidays; the model does neither.
    const result = await computeForecastAccuracy(db, { weeks: 4, timeZone: ZONE, filter: { channels: ['EMAIL'] }, scope: UNRESTRICTED, asOf: NOW });
    // Hourly, both carry the whole-ticket rounding noise; days and weeks average it away.
    const [hour, dayAcc, week] = result.granularities;
    expect(hour.model.wape!).toBeLessThan(hour.baseline.wape!);
    expect(dayAcc.model.wape!).toBeLessThan(0.6 * dayAcc.baseline.wape!);
    expect(week.model.wape!).toBeLessThan(0.6 * week.baseline.wape!);
  });
});
