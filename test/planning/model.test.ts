import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { bucketGrid } from '../../src/analytics/buckets.ts';
import { sumIntoBuckets } from '../../src/planning/forecast.ts';
import { engineHourGrid, holidayIntervals, hourGrid, hourPoints, type PlanningCalendar } from '../../src/planning/history.ts';
import { accuracy, fitDispersion, fitSeasonalModel, predictHour, predictionInterval, Z95 } from '../../src/planning/model.ts';
import { agentsForTarget, serviceLevel } from '../../src/planning/erlang.ts';
import { backlogLoad } from '../../src/planning/staffing.ts';
import { DAY_SHAPE, ditheredCount, HOLIDAY_FACTOR, HOUR_SHAPE, trueRate } from './synthetic.ts';

const ZONE = 'Europe/Berlin';
const WEEK = 7 * 86_400_000;

describe('hour grid', () => {
  it.each([
    ['Europe/Berlin', '2026-03-20T00:00:00Z', '2026-04-05T00:00:00Z'],
    ['America/New_York', '2026-10-25T00:00:00Z', '2026-11-08T00:00:00Z'],
    ['Asia/Kolkata', '2026-01-01T00:00:00Z', '2026-01-10T00:00:00Z'],
    ['Australia/Lord_Howe', '2026-03-30T00:00:00Z', '2026-04-12T00:00:00Z'],
  ])('equals the engine HOUR grid in %s', (zone, from, to) => {
    const a = hourGrid(new Date(from), new Date(to), zone);
    const b = engineHourGrid(new Date(from), new Date(to), zone);
    expect(a.map((x) => [x.start.toISOString(), x.end.toISOString()])).toEqual(b.map((x) => [x.start.toISOString(), x.end.toISOString()]));
  });
  it('puts hours in local hour-of-week slots across the DST change', () => {
    // 2026-10-25 in Berlin: 25 hours; the local hour 02 appears twice; both are Sunday (slot 6*24+2).
    const grid = hourGrid(new Date('2026-10-24T22:00:00Z'), new Date('2026-10-25T23:00:00Z'), ZONE);
    const points = hourPoints(grid, ZONE, []);
    expect(points).toHaveLength(25);
    expect(points.filter((p) => p.slot === 6 * 24 + 2)).toHaveLength(2);
    expect(points[0].slot).toBe(6 * 24);
    expect(points[24].slot).toBe(6 * 24 + 23);
  });
  it('marks holiday hours by calendar, whole and partial days', () => {
    const cal = (id: number, holidays: PlanningCalendar['spec']['holidays']): PlanningCalendar => ({
      id,
      externalId: `c${id}`,
      spec: { timeZone: ZONE, hours: [{ weekday: 1, start: '09:00', end: '17:00' }], holidays },
    });
    const calendars = [cal(2, [{ date: '2026-12-24', start: '12:00' }]), cal(1, [{ date: '2026-12-24' }, { date: '2026-12-25' }])];
    const grid = hourGrid(new Date('2026-12-23T23:00:00Z'), new Date('2026-12-25T23:00:00Z'), ZONE);
    const points = hourPoints(grid, ZONE, calendars);
    // 24 Dec: 00-12 closed by calendar 1 only, 12-24 by both; 25 Dec: calendar 1.
    expect(points.slice(0, 12).every((p) => p.holiday === '1')).toBe(true);
    expect(points.slice(12, 24).every((p) => p.holiday === '1+2')).toBe(true);
    expect(points.slice(24).every((p) => p.holiday === '1')).toBe(true);
    expect(holidayIntervals(calendars[0].spec, Date.parse('2026-12-24T00:00:00Z'), Date.parse('2026-12-26T00:00:00Z'))).toEqual([
      [Date.parse('2026-12-24T11:00:00Z'), Date.parse('2026-12-24T23:00:00Z')],
    ]);
  });
});

describe('seasonal regression on a synthetic history', () => {
  // History: 20 weeks up to Monday 2026-11-16 00:00 Berlin, through the DST change of
  // 2026-10-25; holidays on three past weekdays and one in the forecast week.
  const now = DateTime.fromISO('2026-11-16T00:00:00', { zone: ZONE }).toMillis();
  const start = now - 20 * WEEK;
  const pastHolidays = ['2026-09-09', '2026-10-07', '2026-10-21'];
  const futureHoliday = '2026-11-18';
  const holidays = new Set([...pastHolidays, futureHoliday]);
  const calendar: PlanningCalendar = {
    id: 7,
    externalId: 'cal-test',
    spec: { timeZone: ZONE, hours: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '08:00', end: '18:00' })), holidays: [...holidays].map((date) => ({ date })) },
  };
  const grid = hourGrid(new Date(start), new Date(now + 2 * WEEK), ZONE);
  const points = hourPoints(grid, ZONE, [calendar]);
  const originIndex = points.findIndex((p) => p.start >= now);
  const history = points.slice(0, originIndex);
  const counts = history.map((p, i) => ditheredCount(trueRate(p.start, start, ZONE, holidays), i));
  const model = fitSeasonalModel(history, counts, now);
  const future = points.slice(originIndex);

  it('recovers trend, weekly shape and the holiday effect (true future values known)', () => {
    // True level growth: 2 % of the first week's level per week, i.e. linear.
    expect(model.trendPerWeek / model.level).toBeCloseTo(WEEKLY_GROWTH_AT_END, 2);
    expect([...model.holidayFactors.keys()]).toEqual(['7']);
    // Each hour within 0.45 tickets of the true rate: counts are whole tickets, and with the
    // 4-week half-life a slot rests on ~6 effective weeks of them.
    let worst = 0;
    for (const p of future) {
      const truth = trueRate(p.start, start, ZONE, holidays);
      const err = Math.abs(predictHour(model, p) - truth);
      worst = Math.max(worst, err);
    }
    expect(worst).toBeLessThan(0.45);
    const byDay = new Map<string, { f: number; t: number }>();
    for (const p of future) {
      const day = DateTime.fromMillis(p.start, { zone: ZONE }).toISODate() ?? '';
      const e = byDay.get(day) ?? { f: 0, t: 0 };
      e.f += predictHour(model, p);
      e.t += trueRate(p.start, start, ZONE, holidays);
      byDay.set(day, e);
    }
    // Normal days within 1.5 % of the truth; the holiday, learned from only three earlier
    // holidays of small counts, within 5 %.
    for (const [day, { f, t }] of byDay) expect(Math.abs(f - t) / t).toBeLessThan(day === futureHoliday ? 0.05 : 0.015);
    // Wednesday 18 Nov is a holiday: ~0.3 × a normal Wednesday, not a normal weekday.
    const holiday = byDay.get(futureHoliday)!;
    const nextWednesday = byDay.get('2026-11-25')!;
    // The true ratio: 0.3 × (1 + 0.02 · w) / (1 + 0.02 · (w + 1)) with w ≈ 20.3 weeks since start = 0.2958.
    const ratio = holiday.f / nextWednesday.f;
    expect(Math.abs(ratio - (HOLIDAY_FACTOR * (1 + 0.02 * 20.3)) / (1 + 0.02 * 21.3))).toBeLessThan(0.015);
  });

  it('gives intervals that hold the truth and widen with the mean', () => {
    const inSample = history.slice(-16 * 168);
    const fitted = inSample.map((p) => predictHour(model, p));
    const d = fitDispersion(fitted, counts.slice(-16 * 168), 170);
    // Rounding noise only: variance ≈ 1/12 per hour at most, far below Poisson.
    expect(d.phi + d.kappa2).toBeLessThan(0.2);
    const small = predictionInterval(1, d, Z95);
    const large = predictionInterval(10, d, Z95);
    expect(large.upper - large.lower).toBeGreaterThan(small.upper - small.lower);
  });

  it('a young history is fitted from its first arrival, not from the zeros before it', () => {
    const young = history.map((p, i) => (p.start < now - 3 * WEEK ? 0 : counts[i]));
    const m = fitSeasonalModel(history, young, now);
    const p = future.find((x) => DateTime.fromMillis(x.start, { zone: ZONE }).toFormat('ccc HH') === 'Mon 10')!;
    const truth = trueRate(p.start, start, ZONE, holidays);
    expect(Math.abs(predictHour(m, p) - truth) / truth).toBeLessThan(0.08);
  });
});
// 0.02 per week relative to the first week's level; relative to the level at the end
// (1 + 0.02 · 20 = 1.4) that is 0.02 / 1.4.
const WEEKLY_GROWTH_AT_END = 0.02 / 1.4;

describe('error measures and buckets', () => {
  it('WAPE and MAPE by hand', () => {
    // actual 10, 0, 5; forecast 8, 1, 5: |e| = 2, 1, 0 → WAPE 3/15 = 0.2; MAPE over y > 0 = (0.2 + 0) / 2 = 0.1.
    expect(accuracy([8, 1, 5], [10, 0, 5])).toEqual({ wape: 0.2, mape: 0.1, buckets: 3 });
    expect(accuracy([1], [0])).toEqual({ wape: null, mape: null, buckets: 1 });
  });
  it('sums hours into DST days (23 and 25 hours) and clipped buckets', () => {
    const grid = hourGrid(new Date('2026-03-28T23:00:00Z'), new Date('2026-03-30T22:00:00Z'), ZONE);
    const points = hourPoints(grid, ZONE, []);
    const days = bucketGrid({ from: new Date('2026-03-28T23:00:00Z'), to: new Date('2026-03-30T12:30:00Z') }, { granularity: 'DAY', timeZone: ZONE });
    // Sunday 29 March has 23 hours; Monday is clipped at 12:30 UTC = 14:30 local, 14.5 hours.
    expect(sumIntoBuckets(points, points.map(() => 1), days)).toEqual([23, 14.5]);
  });
  it('fits φ for Poisson-like residuals', () => {
    // Residuals ±√μ alternate: Var = μ exactly → φ = 1, κ² = 0 (before the n/(n−p) inflation, p = 0).
    const mu = [4, 4, 9, 9, 16, 16];
    const y = [6, 2, 12, 6, 20, 12];
    const d = fitDispersion(mu, y, 0);
    expect(d.phi).toBeCloseTo(1, 10);
    expect(d.kappa2).toBeCloseTo(0, 10);
  });
});

describe('backlog load', () => {
  it('spreads each hour\'s work over the target window', () => {
    const h = (i: number) => new Date(Date.UTC(2026, 0, 5, i));
    const buckets = [0, 1, 2, 3].map((i) => ({ start: h(i), end: h(i + 1), arrivals: i === 0 ? 60 : 0 }));
    // 60 tickets × 120 s = 7200 s of work arrive in hour 0, due within 2 hours: spread
    // evenly over [arrival, arrival + 2h]. Busy agents per hour (by hand, minute grid):
    // 120 s of work arrive per minute of hour 0; minute i carries the arrivals of the last
    // 120 minutes (its own included) / 120. Hour 0: Σ(i+1) for i = 0..59 = 1830 minutes'
    // worth → 120 · 1830 / 120 s = 1830 s = 0.5083 agents; hour 1: every minute sees all
    // of hour 0 → 1.0; hour 2: Σ(179 − i) for i = 120..179 = 1770 s → 0.4917; hour 3: 0.
    const load = backlogLoad(buckets, 120, 7200);
    expect(load[0]).toBeCloseTo(1830 / 3600, 10);
    expect(load[1]).toBeCloseTo(1.0, 10);
    expect(load[2]).toBeCloseTo(1770 / 3600, 10);
    expect(load[3]).toBeCloseTo(0, 10);
    // Total work is conserved: 2 agent-hours.
    expect(load.reduce((a, b) => a + b, 0)).toBeCloseTo(2, 2);
  });
  it('with a window shorter than a minute, is the hour\'s own workload', () => {
    const buckets = [{ start: new Date(0), end: new Date(3_600_000), arrivals: 30 }];
    expect(backlogLoad(buckets, 240, 20)[0]).toBeCloseTo((30 * 240) / 3600, 10);
  });
});

void DAY_SHAPE;
void HOUR_SHAPE;

describe('properties (fast-check)', () => {
  it('hourGrid equals the engine grid for any range and zone', () => {
    const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'America/St_Johns'];
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2027, 0, 1) }), fc.integer({ min: 1, max: 80 * 60 }), fc.constantFrom(...zones), (from, minutes, zone) => {
        const a = hourGrid(new Date(from), new Date(from + minutes * 60_000), zone);
        const b = engineHourGrid(new Date(from), new Date(from + minutes * 60_000), zone);
        expect(a.map((x) => [x.start.getTime(), x.end.getTime()])).toEqual(b.map((x) => [x.start.getTime(), x.end.getTime()]));
      }),
      { numRuns: 60 },
    );
  });
  it('agentsForTarget returns the fewest agents meeting the target', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.05, max: 300, noNaN: true }), fc.integer({ min: 30, max: 900 }), fc.integer({ min: 50, max: 99 }), fc.integer({ min: 5, max: 120 }), (a, aht, percent, within) => {
        const s = agentsForTarget(a, aht, { kind: 'serviceLevel', percent, withinSeconds: within }, 0.9);
        expect(s.serviceLevel).toBeGreaterThanOrEqual(percent / 100 - 1e-12);
        expect(s.occupancy).toBeLessThanOrEqual(0.9 + 1e-12);
        const fewer = s.agents - 1;
        if (fewer > a && a / fewer <= 0.9) expect(serviceLevel(fewer, a, aht, within)).toBeLessThan(percent / 100);
      }),
      { numRuns: 200 },
    );
  });
});
