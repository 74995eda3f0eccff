import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { bucketCount, bucketGrid, MAX_BUCKETS, validTimeZone, type Granularity, type IsoWeekday } from '../../src/analytics/buckets.ts';

const range = (from: string, to: string) => ({ from: new Date(from), to: new Date(to) });
const hours = (b: { start: Date; end: Date }) => (b.end.getTime() - b.start.getTime()) / 3_600_000;
const rows = (buckets: ReturnType<typeof bucketGrid>) =>
  buckets.map((b) => [b.label, b.start.toISOString(), b.end.toISOString()]);

describe('bucketGrid', () => {
  it('cuts Berlin days at local midnight: 23 hours on the last Sunday of March', () => {
    // Local midnights: 28th 00:00 CET = 27T23:00Z; 29th 00:00 CET = 28T23:00Z; the clocks
    // jump 02:00 -> 03:00 on the 29th, so 30th 00:00 CEST = 29T22:00Z.
    const grid = bucketGrid(range('2026-03-27T23:00:00Z', '2026-03-30T22:00:00Z'), { granularity: 'DAY', timeZone: 'Europe/Berlin' });
    expect(rows(grid)).toEqual([
      ['2026-03-28', '2026-03-27T23:00:00.000Z', '2026-03-28T23:00:00.000Z'],
      ['2026-03-29', '2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z'],
      ['2026-03-30', '2026-03-29T22:00:00.000Z', '2026-03-30T22:00:00.000Z'],
    ]);
    expect(grid.map(hours)).toEqual([24, 23, 24]);
  });

  it('cuts Berlin days at local midnight: 25 hours on the last Sunday of October', () => {
    const grid = bucketGrid(range('2026-10-23T22:00:00Z', '2026-10-26T23:00:00Z'), { granularity: 'DAY', timeZone: 'Europe/Berlin' });
    expect(grid.map((b) => b.label)).toEqual(['2026-10-24', '2026-10-25', '2026-10-26']);
    expect(grid.map(hours)).toEqual([24, 25, 24]);
  });

  it('cuts New York days at local midnight (EDT, UTC-4) and clips the first and last bucket', () => {
    const grid = bucketGrid(range('2026-03-27T23:00:00Z', '2026-03-30T22:00:00Z'), { granularity: 'DAY', timeZone: 'America/New_York' });
    expect(rows(grid)).toEqual([
      ['2026-03-27', '2026-03-27T23:00:00.000Z', '2026-03-28T04:00:00.000Z'],
      ['2026-03-28', '2026-03-28T04:00:00.000Z', '2026-03-29T04:00:00.000Z'],
      ['2026-03-29', '2026-03-29T04:00:00.000Z', '2026-03-30T04:00:00.000Z'],
      ['2026-03-30', '2026-03-30T04:00:00.000Z', '2026-03-30T22:00:00.000Z'],
    ]);
  });

  it('labels hours locally: the skipped hour is missing, the repeated hour appears twice', () => {
    const spring = bucketGrid(range('2026-03-29T00:00:00Z', '2026-03-29T02:00:00Z'), { granularity: 'HOUR', timeZone: 'Europe/Berlin' });
    expect(spring.map((b) => b.label)).toEqual(['2026-03-29T01', '2026-03-29T03']);
    const fall = bucketGrid(range('2026-10-25T00:00:00Z', '2026-10-25T02:00:00Z'), { granularity: 'HOUR', timeZone: 'Europe/Berlin' });
    expect(rows(fall)).toEqual([
      ['2026-10-25T02', '2026-10-25T00:00:00.000Z', '2026-10-25T01:00:00.000Z'],
      ['2026-10-25T02', '2026-10-25T01:00:00.000Z', '2026-10-25T02:00:00.000Z'],
    ]);
    // Half-hour zones keep local hours: 05:30 IST is 00:00Z, so the first hour is clipped.
    const india = bucketGrid(range('2026-01-01T00:00:00Z', '2026-01-01T02:00:00Z'), { granularity: 'HOUR', timeZone: 'Asia/Kolkata' });
    expect(rows(india)).toEqual([
      ['2026-01-01T05', '2026-01-01T00:00:00.000Z', '2026-01-01T00:30:00.000Z'],
      ['2026-01-01T06', '2026-01-01T00:30:00.000Z', '2026-01-01T01:30:00.000Z'],
      ['2026-01-01T07', '2026-01-01T01:30:00.000Z', '2026-01-01T02:00:00.000Z'],
    ]);
  });

  it('keeps local clock hours in 30-minute DST zones (Lord Howe) and in +05:45 / +05:30 zones', () => {
    const lh = { granularity: 'HOUR', timeZone: 'Australia/Lord_Howe' } as const;
    // 4 October 2026: at 02:00 LHST (+10:30) = 03T15:30Z the clock jumps to 02:30 LHDT (+11),
    // so local hour 02 is the 30 minutes 02:30-03:00 (15:30Z-16:00Z).
    expect(rows(bucketGrid(range('2026-10-03T13:30:00Z', '2026-10-03T17:00:00Z'), lh))).toEqual([
      ['2026-10-04T00', '2026-10-03T13:30:00.000Z', '2026-10-03T14:30:00.000Z'],
      ['2026-10-04T01', '2026-10-03T14:30:00.000Z', '2026-10-03T15:30:00.000Z'],
      ['2026-10-04T02', '2026-10-03T15:30:00.000Z', '2026-10-03T16:00:00.000Z'],
      ['2026-10-04T03', '2026-10-03T16:00:00.000Z', '2026-10-03T17:00:00.000Z'],
    ]);
    // A range starting inside that short hour aligns to its start (15:30Z), clipped.
    expect(rows(bucketGrid(range('2026-10-03T15:45:00Z', '2026-10-03T16:30:00Z'), lh))).toEqual([
      ['2026-10-04T02', '2026-10-03T15:45:00.000Z', '2026-10-03T16:00:00.000Z'],
      ['2026-10-04T03', '2026-10-03T16:00:00.000Z', '2026-10-03T16:30:00.000Z'],
    ]);
    // 5 April 2026: at 02:00 LHDT (+11) = 04T15:00Z the clock goes back to 01:30 LHST
    // (+10:30): hour 01 appears twice, once for an hour (+11), once for 30 minutes (+10:30).
    expect(rows(bucketGrid(range('2026-04-04T13:00:00Z', '2026-04-04T16:30:00Z'), lh))).toEqual([
      ['2026-04-05T00', '2026-04-04T13:00:00.000Z', '2026-04-04T14:00:00.000Z'],
      ['2026-04-05T01', '2026-04-04T14:00:00.000Z', '2026-04-04T15:00:00.000Z'],
      ['2026-04-05T01', '2026-04-04T15:00:00.000Z', '2026-04-04T15:30:00.000Z'],
      ['2026-04-05T02', '2026-04-04T15:30:00.000Z', '2026-04-04T16:30:00.000Z'],
    ]);
    // Starting in the repeated half hour (15:10Z = 01:40 +10:30) aligns to the change at 15:00Z.
    expect(rows(bucketGrid(range('2026-04-04T15:10:00Z', '2026-04-04T15:40:00Z'), lh))).toEqual([
      ['2026-04-05T01', '2026-04-04T15:10:00.000Z', '2026-04-04T15:30:00.000Z'],
      ['2026-04-05T02', '2026-04-04T15:30:00.000Z', '2026-04-04T15:40:00.000Z'],
    ]);
    // Kathmandu is +05:45 all year: local hours start at :15 UTC.
    expect(rows(bucketGrid(range('2026-01-01T00:00:00Z', '2026-01-01T02:00:00Z'), { granularity: 'HOUR', timeZone: 'Asia/Kathmandu' }))).toEqual([
      ['2026-01-01T05', '2026-01-01T00:00:00.000Z', '2026-01-01T00:15:00.000Z'],
      ['2026-01-01T06', '2026-01-01T00:15:00.000Z', '2026-01-01T01:15:00.000Z'],
      ['2026-01-01T07', '2026-01-01T01:15:00.000Z', '2026-01-01T02:00:00.000Z'],
    ]);
    // Lord Howe days still start at local midnight: 4 October has 23.5 hours.
    const days = bucketGrid(range('2026-10-02T13:30:00Z', '2026-10-05T13:00:00Z'), { granularity: 'DAY', timeZone: 'Australia/Lord_Howe' });
    expect(days.map(hours)).toEqual([24, 23.5, 24]);
  });

  it('starts weeks on Monday (ISO week labels) or on another weekday', () => {
    const r = range('2026-03-16T00:00:00Z', '2026-04-06T00:00:00Z');
    expect(rows(bucketGrid(r, { granularity: 'WEEK', timeZone: 'UTC' }))).toEqual([
      ['2026-W12', '2026-03-16T00:00:00.000Z', '2026-03-23T00:00:00.000Z'],
      ['2026-W13', '2026-03-23T00:00:00.000Z', '2026-03-30T00:00:00.000Z'],
      ['2026-W14', '2026-03-30T00:00:00.000Z', '2026-04-06T00:00:00.000Z'],
    ]);
    // Sunday weeks take the ISO week of their fourth day (Wednesday): Sun 03-29..Sat 04-04 is W14.
    expect(rows(bucketGrid(r, { granularity: 'WEEK', timeZone: 'UTC', weekStart: 7 }))).toEqual([
      ['2026-W12', '2026-03-16T00:00:00.000Z', '2026-03-22T00:00:00.000Z'],
      ['2026-W13', '2026-03-22T00:00:00.000Z', '2026-03-29T00:00:00.000Z'],
      ['2026-W14', '2026-03-29T00:00:00.000Z', '2026-04-05T00:00:00.000Z'],
      ['2026-W15', '2026-04-05T00:00:00.000Z', '2026-04-06T00:00:00.000Z'],
    ]);
    // ISO week-numbering year: Monday 2024-12-30 starts 2025-W01.
    expect(bucketGrid(range('2024-12-30T00:00:00Z', '2025-01-06T00:00:00Z'), { granularity: 'WEEK', timeZone: 'UTC' })[0].label).toBe('2025-W01');
    // A Berlin week over the DST change is 167 hours long.
    const berlin = bucketGrid(range('2026-03-22T23:00:00Z', '2026-03-29T22:00:00Z'), { granularity: 'WEEK', timeZone: 'Europe/Berlin' });
    expect(berlin.map((b) => [b.label, hours(b)])).toEqual([['2026-W13', 167]]);
  });

  it('uses calendar months, quarters and years in the zone', () => {
    const r = range('2025-12-20T00:00:00Z', '2026-07-10T00:00:00Z');
    expect(bucketGrid(r, { granularity: 'MONTH', timeZone: 'UTC' }).map((b) => b.label)).toEqual([
      '2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07',
    ]);
    expect(rows(bucketGrid(r, { granularity: 'QUARTER', timeZone: 'America/New_York' }))).toEqual([
      ['2025-Q4', '2025-12-20T00:00:00.000Z', '2026-01-01T05:00:00.000Z'],
      ['2026-Q1', '2026-01-01T05:00:00.000Z', '2026-04-01T04:00:00.000Z'],
      ['2026-Q2', '2026-04-01T04:00:00.000Z', '2026-07-01T04:00:00.000Z'],
      ['2026-Q3', '2026-07-01T04:00:00.000Z', '2026-07-10T00:00:00.000Z'],
    ]);
    expect(bucketGrid(r, { granularity: 'YEAR', timeZone: 'Asia/Tokyo' }).map((b) => b.label)).toEqual(['2025', '2026']);
  });

  it('refuses more than 2000 buckets, saying how many were asked', () => {
    expect(() => bucketGrid(range('2025-01-01T00:00:00Z', '2026-02-05T00:00:00Z'), { granularity: 'HOUR', timeZone: 'UTC' })).toThrow(
      'granularity HOUR over 400 days gives 9600 buckets; the limit is 2000',
    );
    // Exactly 2000 is allowed.
    const ok = range('2026-01-01T00:00:00Z', new Date(Date.parse('2026-01-01T00:00:00Z') + 2000 * 3_600_000).toISOString());
    expect(bucketGrid(ok, { granularity: 'HOUR', timeZone: 'UTC' })).toHaveLength(MAX_BUCKETS);
  });

  it('refuses unknown zones and empty ranges with BAD_USER_INPUT', () => {
    expect(() => validTimeZone('Mars/Olympus_Mons')).toThrow(/not an IANA time zone/);
    try {
      bucketGrid(range('2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'), { granularity: 'DAY', timeZone: 'UTC' });
      expect.unreachable();
    } catch (error) {
      expect((error as { extensions: { code: string } }).extensions.code).toBe('BAD_USER_INPUT');
    }
  });

  it('covers any range without gaps or overlaps, in order, clipped to the range (property)', () => {
    const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'America/Santiago', 'Pacific/Chatham'];
    const spans: Record<Granularity, number> = { HOUR: 5, DAY: 120, WEEK: 700, MONTH: 3000, QUARTER: 9000, YEAR: 20000 };
    fc.assert(
      fc.property(
        fc.constantFrom<Granularity>('HOUR', 'DAY', 'WEEK', 'MONTH', 'QUARTER', 'YEAR'),
        fc.constantFrom(...zones),
        fc.integer({ min: 1, max: 7 }),
        fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2035-01-01T00:00:00Z'), noInvalidDate: true }),
        fc.double({ min: 0.001, max: 1, noNaN: true }),
        (granularity, timeZone, weekStart, from, fraction) => {
          const to = new Date(from.getTime() + Math.max(1, Math.round(fraction * spans[granularity] * 86_400_000)));
          const r = { from, to };
          const options = { granularity, timeZone, weekStart: weekStart as IsoWeekday };
          const grid = bucketGrid(r, options);
          expect(grid.length).toBe(bucketCount(r, options));
          expect(grid[0].start.getTime()).toBe(from.getTime());
          expect(grid[grid.length - 1].end.getTime()).toBe(to.getTime());
          for (let i = 0; i < grid.length; i++) {
            expect(grid[i].end.getTime()).toBeGreaterThan(grid[i].start.getTime());
            if (i > 0) expect(grid[i].start.getTime()).toBe(grid[i - 1].end.getTime());
          }
          // Labels are unique except the repeated local hour of a DST fall-back.
          if (granularity !== 'HOUR') expect(new Set(grid.map((b) => b.label)).size).toBe(grid.length);
          else {
            // An hour's label is the local clock hour of every instant in it; a label repeats
            // only with another UTC offset (the fall-back hour).
            const local = (d: Date) => DateTime.fromJSDate(d, { zone: timeZone });
            for (const b of grid) {
              expect(b.label).toBe(local(b.start).toFormat("yyyy-MM-dd'T'HH"));
              expect(local(new Date(b.end.getTime() - 1)).toFormat("yyyy-MM-dd'T'HH")).toBe(b.label);
            }
            expect(new Set(grid.map((b) => `${b.label}${local(b.start).offset}`)).size).toBe(grid.length);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
