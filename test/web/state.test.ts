import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { duration, formatChange, formatValue } from '../../web/src/format.ts';
import { readState, resolveRange, ticketFilter, writeState, type ViewState } from '../../web/src/state.ts';

const base: ViewState = { range: '7d', from: '', to: '', timeZone: 'Europe/Berlin', granularity: 'DAY', teamIds: [], channels: [], priorities: [] };
// Monday 30 March 2026, 12:00 in Berlin; summer time began on Sunday 29 March at 02:00.
const NOW = DateTime.fromISO('2026-03-30T10:00:00Z');

describe('the dashboard range in the view zone', () => {
  it.each([
    // 7 local days ending tonight; the week before starts in winter time (+01:00).
    ['7d', 'Europe/Berlin', '', '', '2026-03-23T23:00:00Z', '2026-03-30T22:00:00Z', '2026-03-16T23:00:00Z'],
    // Last full ISO week (Mon 23 - Sun 29 March, 167 hours) and the one before it.
    ['lastweek', 'Europe/Berlin', '', '', '2026-03-22T23:00:00Z', '2026-03-29T22:00:00Z', '2026-03-15T23:00:00Z'],
    // Last calendar month; the previous period is the month before (31 days, not 28).
    ['lastmonth', 'UTC', '', '', '2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z', '2026-01-01T00:00:00Z'],
    // Custom days are inclusive local days: 28 March 00:00 (+01:00) to 30 March 00:00 (+02:00),
    // 47 hours = 2 days; the previous period is the 2 days before.
    ['custom', 'Europe/Berlin', '2026-03-28', '2026-03-29', '2026-03-27T23:00:00Z', '2026-03-29T22:00:00Z', '2026-03-25T23:00:00Z'],
    // A custom range ending before it starts falls back to the last 28 days.
    ['custom', 'UTC', '2026-03-29', '2026-03-28', '2026-03-03T00:00:00Z', '2026-03-31T00:00:00Z', '2026-02-03T00:00:00Z'],
    // Tokyo's day starts at 15:00 UTC the day before.
    ['28d', 'Asia/Tokyo', '', '', '2026-03-02T15:00:00Z', '2026-03-30T15:00:00Z', '2026-02-02T15:00:00Z'],
  ] as const)('%s in %s (%s..%s)', (range, timeZone, from, to, expectFrom, expectTo, expectPrevious) => {
    const r = resolveRange({ ...base, range, timeZone, from, to }, NOW);
    expect(r.current).toEqual({ from: expectFrom, to: expectTo });
    expect(r.previous).toEqual({ from: expectPrevious, to: expectFrom });
  });
});

describe('the view in the URL', () => {
  it('round-trips through the query string', () => {
    const view: ViewState = { ...base, range: 'custom', from: '2026-03-01', to: '2026-03-07', timeZone: 'America/New_York', granularity: 'HOUR', teamIds: ['VGVhbTox'], channels: ['EMAIL', 'CHAT'], priorities: ['URGENT'] };
    expect(readState(writeState(view))).toEqual(view);
    expect(ticketFilter(view)).toEqual({ teamIds: ['VGVhbTox'], channels: ['EMAIL', 'CHAT'], priorities: ['URGENT'] });
    expect(ticketFilter(base)).toEqual({});
  });

  it('falls back to defaults on bad values instead of failing', () => {
    const view = readState('?range=year&tz=Mars%2FOlympus&granularity=MINUTE&channel=EMAIL,FAX&priority=NOW');
    expect(view.range).toBe('28d');
    expect(view.timeZone).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
    expect(view.granularity).toBe('DAY');
    expect(view.channels).toEqual(['EMAIL']);
    expect(view.priorities).toEqual([]);
    // 90 days of daily buckets would be a crowded chart: weekly unless the URL says otherwise.
    expect(readState('?range=90d').granularity).toBe('WEEK');
  });
});

describe('number formats', () => {
  it.each([
    [45, '45s'],
    [720, '12m'],
    [12_000, '3h 20m'], // 200 minutes
    [187_200, '2d 4h'], // 52 hours
  ])('duration(%d) = %s', (seconds, text) => expect(duration(seconds)).toBe(text));

  it('reads values and changes in their unit', () => {
    expect(formatValue(0.4567, 'fraction')).toBe('45.7%');
    expect(formatValue(76.25, 'percent')).toBe('76.3%');
    expect(formatValue(12345, 'count')).toBe('12,345');
    expect(formatValue(null, 'seconds')).toBe('–');
    expect(formatChange(110, 100, 'count')).toEqual({ text: '+10.0%', delta: 10 });
    expect(formatChange(0.5, 0.45, 'fraction').text).toBe('+5.0 pts');
    expect(formatChange(20, 33.3, 'nps').text).toBe('-13.3 pts');
    expect(formatChange(5, 0, 'count').text).toBe('new');
    expect(formatChange(5, null, 'count')).toEqual({ text: 'no previous data', delta: null });
  });
});
