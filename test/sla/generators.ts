import fc from 'fast-check';
import type { BusinessCalendarSpec, Holiday, OpenInterval } from '../../src/sla/business-hours.ts';

const DAY_MIN = 1440;
const WEEK_MIN = 7 * DAY_MIN;
// Zones with DST in either hemisphere, a half-hour DST shift (Lord Howe), a half-hour offset and none.
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'America/Santiago', 'Pacific/Chatham'];

const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/**
 * Disjoint intervals on the weekly circle (quarter-hour points), cut into pieces of at
 * most 20 hours so that some cross midnight (overnight shifts) and some touch.
 */
function weeklyHours(points: number[]): OpenInterval[] {
  const sorted = [...points].sort((a, b) => a - b).map((p) => p * 15);
  const hours: OpenInterval[] = [];
  for (let i = 0; i + 1 < sorted.length; i += 2) {
    for (let s = sorted[i]; s < sorted[i + 1]; ) {
      const e = Math.min(sorted[i + 1], s + 20 * 60);
      hours.push({ weekday: Math.floor(s / DAY_MIN) + 1, start: hhmm(s % DAY_MIN), end: hhmm(e % DAY_MIN) });
      s = e;
    }
  }
  return hours;
}

const holiday: fc.Arbitrary<Holiday> = fc
  .tuple(fc.integer({ min: 0, max: 430 }), fc.option(fc.tuple(fc.integer({ min: 0, max: 95 }), fc.integer({ min: 1, max: 96 }))))
  .map(([day, part]) => {
    const date = new Date(Date.UTC(2024, 0, 1) + day * 86_400_000).toISOString().slice(0, 10);
    if (!part) return { date };
    const [a, b] = part;
    const start = Math.min(a, b - 1);
    return b >= 96 ? { date, start: hhmm(start * 15) } : { date, start: hhmm(start * 15), end: hhmm(Math.max(b, start + 1) * 15) };
  });

/** A random valid business calendar (in 2024-2025 terms for holidays). */
export function randomCalendar(options: { neverEmpty?: boolean } = {}): fc.Arbitrary<BusinessCalendarSpec> {
  return fc
    .record({
      timeZone: fc.constantFrom(...ZONES),
      points: fc.uniqueArray(fc.integer({ min: 0, max: WEEK_MIN / 15 - 1 }), { minLength: options.neverEmpty ? 2 : 0, maxLength: 16 }),
      holidays: fc.array(holiday, { maxLength: 6 }),
    })
    .map(({ timeZone, points, holidays }) => ({ timeZone, hours: weeklyHours(points), holidays }));
}
