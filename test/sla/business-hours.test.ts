import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addBusinessMinutes,
  businessMillisBetween,
  businessSecondsBetween,
  calendarProblems,
  openIntervals,
  validateCalendar,
  type BusinessCalendarSpec,
  type OpenInterval,
} from '../../src/sla/business-hours.ts';
import { computeTicketSla, slaStatus, statusAsOf } from '../../src/sla/ticket-sla.ts';
import { matchPolicy, policyConflicts } from '../../src/sla/policies.ts';
import { randomCalendar } from './generators.ts';

const d = (iso: string) => new Date(iso);
const weekdays = (start: string, end: string): OpenInterval[] => [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start, end }));
const everyDay = (start: string, end: string): OpenInterval[] => [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start, end }));

/** Berlin office, Mon-Fri 09:00-17:00, German Unity Day and a Christmas Eve afternoon closed. */
const BERLIN: BusinessCalendarSpec = {
  timeZone: 'Europe/Berlin',
  hours: weekdays('09:00', '17:00'),
  holidays: [
    { date: '2024-10-03', name: 'Tag der Deutschen Einheit' },
    { date: '2024-12-24', name: 'Heiligabend', start: '12:00' },
  ],
};
/** A night desk in Berlin, open every day 22:00 to 06:00 the next morning. */
const NIGHTS: BusinessCalendarSpec = { timeZone: 'Europe/Berlin', hours: everyDay('22:00', '06:00') };
/** Only Sunday night 22:00 to Monday 06:00: the shift wraps the end of the ISO week. */
const SUNDAY_NIGHT: BusinessCalendarSpec = { timeZone: 'Europe/Berlin', hours: [{ weekday: 7, start: '22:00', end: '06:00' }] };
/** Two shifts a day with a lunch break. */
const SPLIT: BusinessCalendarSpec = {
  timeZone: 'America/New_York',
  hours: [...weekdays('08:00', '12:00'), ...weekdays('13:00', '17:30')],
};
/** Open around the clock, expressed as two intervals a day (the second ends at midnight). */
const ROUND_THE_CLOCK: BusinessCalendarSpec = {
  timeZone: 'Europe/Berlin',
  hours: [...everyDay('00:00', '12:00'), ...everyDay('12:00', '00:00')],
};

describe('businessSecondsBetween (hand-computed)', () => {
  it.each([
    // [case, calendar, from, to, expected seconds, how]
    ['same open day', BERLIN, '2024-06-10T08:00:00Z', '2024-06-10T10:30:00Z', 9000, 'Mon 10:00-12:30 CEST, all open: 2.5 h'],
    ['weekend', BERLIN, '2024-06-07T14:00:00Z', '2024-06-10T08:00:00Z', 7200, 'Fri 16:00-17:00 + Mon 09:00-10:00 CEST'],
    ['created outside open hours', BERLIN, '2024-06-08T08:00:00Z', '2024-06-10T07:30:00Z', 1800, 'Sat 10:00 → Mon 09:30: only Mon 09:00-09:30'],
    ['holiday (whole day)', BERLIN, '2024-10-02T14:00:00Z', '2024-10-04T08:00:00Z', 7200, 'Wed 16-17 + Thu 3 Oct closed + Fri 09-10'],
    ['holiday (afternoon)', BERLIN, '2024-12-24T07:00:00Z', '2024-12-24T17:00:00Z', 10800, 'Tue 24 Dec 08:00-18:00 CET: open 09-12 only'],
    ['overnight shift', NIGHTS, '2024-06-10T18:00:00Z', '2024-06-11T06:00:00Z', 28800, 'Mon 20:00 → Tue 08:00 CEST: 22:00-06:00 = 8 h'],
    ['overnight across the week end', SUNDAY_NIGHT, '2024-06-09T21:00:00Z', '2024-06-10T10:00:00Z', 25200, 'Sun 23:00 → Mon 12:00: 23:00-06:00 = 7 h'],
    ['DST ends inside a night shift', NIGHTS, '2024-10-26T18:00:00Z', '2024-10-27T07:00:00Z', 32400, 'Sat 22:00 CEST (20Z) → Sun 06:00 CET (05Z) = 9 h'],
    ['DST starts inside a night shift', NIGHTS, '2024-03-30T19:00:00Z', '2024-03-31T06:00:00Z', 25200, 'Sat 22:00 CET (21Z) → Sun 06:00 CEST (04Z) = 7 h'],
    ['DST change between two office days', BERLIN, '2024-10-25T14:00:00Z', '2024-10-28T09:00:00Z', 7200, 'Fri 16-17 CEST + Mon 09-10 CET (08-09Z)'],
    ['lunch break', SPLIT, '2024-06-10T15:00:00Z', '2024-06-10T18:00:00Z', 7200, 'Mon 11:00-14:00 EDT minus 12-13 lunch'],
    ['closed all along', BERLIN, '2024-06-08T00:00:00Z', '2024-06-09T23:00:00Z', 0, 'Saturday and Sunday'],
    ['reversed interval', BERLIN, '2024-06-10T10:00:00Z', '2024-06-10T08:00:00Z', 0, 'to before from: nothing elapsed'],
    ['24/7 (no calendar)', null, '2024-10-26T18:00:00Z', '2024-10-27T07:00:00Z', 46800, '13 calendar hours (DST does not matter in UTC)'],
    ['round the clock in intervals, over DST', ROUND_THE_CLOCK, '2024-10-26T18:00:00Z', '2024-10-27T07:00:00Z', 46800, 'the 25-hour day is open throughout: 13 h'],
  ] as const)('%s', (_case, calendar, from, to, expected, _how) => {
    expect(businessSecondsBetween(calendar, d(from), d(to))).toBe(expected);
  });

  it('keeps milliseconds exact', () => {
    // 09:00:00.250 → 09:00:01.000 CEST on a Monday: 0.75 s.
    expect(businessSecondsBetween(BERLIN, d('2024-06-10T07:00:00.250Z'), d('2024-06-10T07:00:01Z'))).toBe(0.75);
  });
});

describe('addBusinessMinutes (hand-computed deadlines)', () => {
  it.each([
    // [case, calendar, from, minutes, expected deadline, how]
    ['the issue: Friday 18:00, 4 business hours, 9-17', BERLIN, '2024-06-07T16:00:00Z', 240, '2024-06-10T11:00:00.000Z', 'Mon 09:00 + 4 h = 13:00 CEST'],
    ['used up exactly at closing time: due at closing', BERLIN, '2024-06-10T07:00:00Z', 480, '2024-06-10T15:00:00.000Z', 'Mon 09:00 + 8 h = 17:00 CEST, not Tue 09:00'],
    ['over a whole-day holiday', BERLIN, '2024-10-02T14:00:00Z', 120, '2024-10-04T08:00:00.000Z', 'Wed 16-17, Thu closed, Fri 09-10 CEST'],
    ['over a DST change', BERLIN, '2024-10-25T14:00:00Z', 120, '2024-10-28T09:00:00.000Z', 'Fri 16-17 CEST, Mon 09-10 CET = 09Z'],
    ['in a night shift', NIGHTS, '2024-06-10T12:00:00Z', 600, '2024-06-11T22:00:00.000Z', 'Mon 22-06 (8 h) + Tue 22:00-00:00 CEST = 22Z'],
    ['created outside open hours', BERLIN, '2024-06-08T08:00:00Z', 60, '2024-06-10T08:00:00.000Z', 'Sat → Mon 09:00 + 1 h = 10:00 CEST'],
    ['24/7: plain minutes', null, '2024-06-07T16:00:00Z', 240, '2024-06-07T20:00:00.000Z', '4 calendar hours'],
    ['lunch break', SPLIT, '2024-06-10T15:30:00Z', 60, '2024-06-10T17:30:00.000Z', 'Mon 11:30-12:00 EDT + 13:00-13:30 = 17:30Z'],
  ] as const)('%s', (_case, calendar, from, minutes, expected, _how) => {
    expect(addBusinessMinutes(calendar, d(from), minutes)?.toISOString()).toBe(expected);
  });

  it('has no deadline for a calendar that never opens', () => {
    expect(addBusinessMinutes({ timeZone: 'UTC', hours: [] }, d('2024-06-10T00:00:00Z'), 60)).toBeNull();
  });
});

describe('openIntervals', () => {
  it('merges touching intervals and cuts holidays out of a shift that began the day before', () => {
    // Night desk with a holiday on Tue 2024-06-11: Monday's 22:00-06:00 shift stops at Tuesday midnight,
    // Tuesday's own 22:00 shift is gone, Wednesday's runs normally.
    const cal: BusinessCalendarSpec = { ...NIGHTS, holidays: [{ date: '2024-06-11' }] };
    const got = openIntervals(cal, d('2024-06-10T12:00:00Z').getTime(), d('2024-06-12T12:00:00Z').getTime());
    expect(got.map(([s, e]) => [new Date(s).toISOString(), new Date(e).toISOString()])).toEqual([
      ['2024-06-10T20:00:00.000Z', '2024-06-10T22:00:00.000Z'], // Mon 22:00-24:00 CEST
      ['2024-06-11T22:00:00.000Z', '2024-06-12T04:00:00.000Z'], // Wed 00:00-06:00 CEST (Tue's shift, after the holiday)
    ]);
  });
});

describe('ticket SLA values (hand-computed)', () => {
  const policy = { firstResponseMinutes: 120, resolutionMinutes: 480, calendar: BERLIN };

  it('a solve without any reply fulfils the first-response target', () => {
    // Mon 09:00 CEST created, no reply, solved 10:00: FR due 11:00 (09Z) achieved by the solve;
    // resolution due 17:00 (15Z) achieved; 3600 business seconds to resolve; no FR seconds.
    const v = computeTicketSla(
      { createdAt: d('2024-06-10T07:00:00Z'), firstResponseAt: null, solvedAt: d('2024-06-10T08:00:00Z') },
      policy,
      d('2025-01-01T00:00:00Z'),
    );
    expect(v).toEqual({
      firstResponseDueAt: d('2024-06-10T09:00:00Z'),
      firstResponseSlaStatus: 'ACHIEVED',
      resolutionDueAt: d('2024-06-10T15:00:00Z'),
      resolutionSlaStatus: 'ACHIEVED',
      firstResponseBusinessSeconds: null,
      resolutionBusinessSeconds: 3600,
    });
  });

  it('an open ticket breaches when its deadline passes (and is pending before)', () => {
    // Mon 09:00 CEST created, nothing since; FR due 11:00 CEST = 09Z.
    const ticket = { createdAt: d('2024-06-10T07:00:00Z'), firstResponseAt: null, solvedAt: null };
    expect(computeTicketSla(ticket, policy, d('2024-06-10T08:59:59Z')).firstResponseSlaStatus).toBe('PENDING');
    expect(computeTicketSla(ticket, policy, d('2024-06-10T09:00:00Z')).firstResponseSlaStatus).toBe('BREACHED');
    expect(statusAsOf('PENDING', d('2024-06-10T09:00:00Z'), d('2024-06-10T09:00:01Z'))).toBe('BREACHED');
    expect(statusAsOf('ACHIEVED', d('2024-06-10T09:00:00Z'), d('2024-06-11T00:00:00Z'))).toBe('ACHIEVED');
  });

  it('statuses', () => {
    const due = d('2024-06-10T09:00:00Z');
    expect(slaStatus(due, d('2024-06-10T09:00:00Z'), due)).toBe('ACHIEVED'); // on the deadline is in time
    expect(slaStatus(due, d('2024-06-10T09:00:01Z'), due)).toBe('BREACHED');
    expect(slaStatus(null, null, due)).toBeNull();
  });

  it('without a policy business seconds are calendar seconds and there are no targets', () => {
    const v = computeTicketSla(
      { createdAt: d('2024-06-07T16:00:00Z'), firstResponseAt: d('2024-06-10T11:00:00Z'), solvedAt: null },
      null,
      d('2025-01-01T00:00:00Z'),
    );
    // Fri 16:00Z → Mon 11:00Z = 67 h = 241200 s.
    expect(v.firstResponseBusinessSeconds).toBe(241200);
    expect(v.firstResponseDueAt).toBeNull();
    expect(v.firstResponseSlaStatus).toBeNull();
  });
});

describe('calendar validation', () => {
  const problems = (hours: OpenInterval[], extra: Partial<BusinessCalendarSpec> = {}) =>
    calendarProblems({ timeZone: 'Europe/Berlin', hours, ...extra }).map((p) => p.message);

  it('accepts several intervals a day, touching intervals and overnight shifts', () => {
    expect(problems([...weekdays('08:00', '12:00'), ...weekdays('12:00', '17:00'), { weekday: 5, start: '22:00', end: '06:00' }])).toEqual([]);
  });

  it('rejects overlapping intervals, also across midnight and the week end', () => {
    expect(problems([{ weekday: 1, start: '09:00', end: '17:00' }, { weekday: 1, start: '16:00', end: '18:00' }])).toEqual([
      'hours[1] (MONDAY 16:00-18:00) overlaps hours[0] (MONDAY 09:00-17:00); open intervals may touch but not overlap',
    ]);
    expect(problems([{ weekday: 7, start: '22:00', end: '06:00' }, { weekday: 1, start: '05:00', end: '09:00' }])).toEqual([
      'hours[1] (MONDAY 05:00-09:00) overlaps hours[0] (SUNDAY 22:00-06:00); open intervals may touch but not overlap',
    ]);
  });

  it('rejects end == start, bad times, bad weekdays, an unknown zone and bad holidays', () => {
    expect(problems([{ weekday: 1, start: '09:00', end: '09:00' }])[0]).toMatch(/hours\[0\] \(MONDAY 09:00-09:00\) is empty: end equals start/);
    expect(problems([{ weekday: 1, start: '9:00', end: '25:00' }])).toEqual([
      'hours[0].start "9:00" is not a time of day HH:MM',
      'hours[0].end "25:00" is not a time of day HH:MM',
    ]);
    expect(problems([{ weekday: 8, start: '09:00', end: '10:00' }])).toEqual(['hours[0].weekday must be 1 (Monday) to 7 (Sunday), got 8']);
    expect(problems([], { timeZone: 'Mars/Olympus' })[0]).toMatch(/timeZone "Mars\/Olympus" is not an IANA time zone/);
    expect(problems([], { holidays: [{ date: '2024-02-30' }, { date: '2024-12-24', start: '17:00', end: '12:00' }] })).toEqual([
      'holidays[0].date "2024-02-30" is not a date YYYY-MM-DD',
      'holidays[1] closes 2024-12-24 from 17:00 to 12:00: end must be after start on the same date (omit end to close until midnight)',
    ]);
  });

  it('throws BAD_USER_INPUT listing every problem', () => {
    try {
      validateCalendar({ timeZone: 'Nowhere/City', hours: [{ weekday: 1, start: '10:00', end: '10:00' }] });
      expect.unreachable();
    } catch (error) {
      const e = error as { message: string; extensions: Record<string, unknown> };
      expect(e.message).toMatch(/^input\.timeZone "Nowhere\/City" is not an IANA time zone.*\(and 1 more problem\)$/);
      expect(e.extensions.code).toBe('BAD_USER_INPUT');
      expect(e.extensions.errors).toHaveLength(2);
    }
  });
});

describe('policy matching', () => {
  const policies = [
    { id: 1, externalId: 'normal', priorities: ['NORMAL' as const], channels: [] },
    { id: 2, externalId: 'normal-chat', priorities: ['NORMAL' as const], channels: ['CHAT' as const] },
    { id: 3, externalId: 'high', priorities: ['HIGH' as const, 'URGENT' as const], channels: [] },
  ];
  it('prefers the policy naming the channel, else the one with no channels, else none', () => {
    expect(matchPolicy(policies, 'NORMAL', 'CHAT')?.externalId).toBe('normal-chat');
    expect(matchPolicy(policies, 'NORMAL', 'EMAIL')?.externalId).toBe('normal');
    expect(matchPolicy(policies, 'URGENT', 'EMAIL')?.externalId).toBe('high');
    expect(matchPolicy(policies, 'LOW', 'EMAIL')).toBeNull();
  });
  it('finds ties of equal specificity only', () => {
    expect(policyConflicts({ externalId: 'x', priorities: ['URGENT'], channels: [] }, policies).map((c) => c.externalId)).toEqual(['high']);
    expect(policyConflicts({ externalId: 'x', priorities: ['NORMAL'], channels: ['EMAIL'] }, policies)).toEqual([]);
    expect(policyConflicts({ externalId: 'x', priorities: ['NORMAL'], channels: ['CHAT', 'WEB'] }, policies).map((c) => c.externalId)).toEqual([
      'normal-chat',
    ]);
    // Replacing a policy does not conflict with itself.
    expect(policyConflicts({ externalId: 'high', priorities: ['HIGH'], channels: [] }, policies)).toEqual([]);
  });
});

describe('properties', () => {
  const START = Date.UTC(2024, 0, 1);
  const instant = fc.integer({ min: 0, max: 400 * 86_400 }).map((s) => new Date(START + s * 1000));
  const span = fc.tuple(instant, fc.integer({ min: 0, max: 21 * 86_400_000 })).map(([a, len]) => [a, new Date(a.getTime() + len)] as const);

  it('business seconds never exceed calendar seconds', () => {
    fc.assert(
      fc.property(randomCalendar(), span, (cal, [a, b]) => {
        expect(businessSecondsBetween(cal, a, b)).toBeLessThanOrEqual((b.getTime() - a.getTime()) / 1000);
      }),
      { numRuns: 150 },
    );
  });

  it('business time is additive over split intervals', () => {
    fc.assert(
      fc.property(randomCalendar(), span, fc.double({ min: 0, max: 1, noNaN: true }), (cal, [a, c], f) => {
        const b = new Date(a.getTime() + Math.floor((c.getTime() - a.getTime()) * f));
        expect(businessMillisBetween(cal, a, b) + businessMillisBetween(cal, b, c)).toBe(businessMillisBetween(cal, a, c));
      }),
      { numRuns: 150 },
    );
  });

  it('a 24/7 calendar counts every calendar second (no calendar, or open around the clock in a DST zone)', () => {
    fc.assert(
      fc.property(span, ([a, b]) => {
        const seconds = (b.getTime() - a.getTime()) / 1000;
        expect(businessSecondsBetween(null, a, b)).toBe(seconds);
        expect(businessSecondsBetween(ROUND_THE_CLOCK, a, b)).toBe(seconds);
      }),
      { numRuns: 150 },
    );
  });

  it('a deadline is the earliest instant with exactly the target elapsed', () => {
    fc.assert(
      fc.property(randomCalendar({ neverEmpty: true }), instant, fc.integer({ min: 1, max: 5000 }), (cal, from, minutes) => {
        const due = addBusinessMinutes(cal, from, minutes);
        expect(due).not.toBeNull();
        expect(businessMillisBetween(cal, from, due as Date)).toBe(minutes * 60_000);
        expect(businessMillisBetween(cal, from, new Date((due as Date).getTime() - 1))).toBeLessThan(minutes * 60_000);
      }),
      { numRuns: 100 },
    );
  });
});
