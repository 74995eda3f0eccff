import { describe, expect, it } from 'vitest';
import { CALENDARS, OpenHours, easterSunday, germanHolidays, usHolidays } from '../../seeds/calendars.ts';

const HOUR = 3_600_000;

describe('demo holidays', () => {
  it.each([
    // Known Easter Sundays (published tables).
    [2024, { month: 3, day: 31 }],
    [2025, { month: 4, day: 20 }],
    [2026, { month: 4, day: 5 }],
    [2027, { month: 3, day: 28 }],
  ])('Easter %i', (year, date) => {
    expect(easterSunday(year)).toEqual(date);
  });

  it('lists German holidays of 2026 (Easter on April 5)', () => {
    const dates = germanHolidays(2026).filter((h) => !h.start).map((h) => h.date);
    expect(dates).toEqual(['2026-01-01', '2026-04-03', '2026-04-06', '2026-05-01', '2026-05-14', '2026-05-25',
      '2026-10-03', '2026-12-25', '2026-12-26']);
    expect(germanHolidays(2026)).toContainEqual({ date: '2026-12-24', name: 'Heiligabend (afternoon)', start: '12:00', end: '17:00' });
  });

  it('lists US holidays with observed dates', () => {
    // 2026-07-04 is a Saturday, so it is observed on Friday the 3rd; 2027-12-25 is a Saturday too.
    const dates2026 = usHolidays(2026).map((h) => h.date);
    expect(dates2026).toEqual(['2026-01-01', '2026-01-19', '2026-02-16', '2026-05-25', '2026-06-19', '2026-07-03',
      '2026-09-07', '2026-11-26', '2026-11-27', '2026-12-25']);
    expect(usHolidays(2027).map((h) => h.date)).toContain('2027-12-24');
  });
});

describe('OpenHours', () => {
  // Monday 2026-11-23 00:00 UTC; Berlin is UTC+1 in November, so 09:00-17:00 local is 08:00-16:00 UTC.
  const monday = Date.UTC(2026, 10, 23);
  const europe = new OpenHours(monday, 24 * 14, CALENDARS.europe);

  it('knows the open hours in the calendar time zone', () => {
    expect(europe.isOpen(monday + 7 * HOUR)).toBe(false);
    expect(europe.isOpen(monday + 8 * HOUR)).toBe(true);
    expect(europe.isOpen(monday + 15 * HOUR + 59 * 60_000)).toBe(true);
    expect(europe.isOpen(monday + 16 * HOUR)).toBe(false);
    // Saturday noon.
    expect(europe.isOpen(monday + 5 * 24 * HOUR + 12 * HOUR)).toBe(false);
  });

  it('waits for the next opening and counts only open time', () => {
    // Friday 20:00 UTC waits until Monday 08:00 UTC.
    expect(europe.nextOpenAt(monday + 4 * 24 * HOUR + 20 * HOUR)).toBe(monday + 7 * 24 * HOUR + 8 * HOUR);
    // Monday 15:00 UTC plus 2 open hours: 1 h on Monday, 1 h from Tuesday 08:00 UTC.
    expect(europe.addWorkTime(monday + 15 * HOUR, 2 * HOUR)).toBe(monday + 24 * HOUR + 9 * HOUR);
    expect(europe.addWorkTime(monday + 9 * HOUR, 30 * 60_000)).toBe(monday + 9 * HOUR + 30 * 60_000);
  });

  it('closes on holidays', () => {
    // Thursday 2026-11-26 is Thanksgiving: New York (UTC-5) opens again on Monday the 30th at 13:00 UTC.
    const us = new OpenHours(monday, 24 * 14, CALENDARS.us);
    expect(us.isOpen(monday + 2 * 24 * HOUR + 15 * HOUR)).toBe(true);
    expect(us.isOpen(monday + 3 * 24 * HOUR + 15 * HOUR)).toBe(false);
    expect(us.nextOpenAt(monday + 3 * 24 * HOUR + 15 * HOUR)).toBe(monday + 7 * 24 * HOUR + 13 * HOUR);
  });
});
