import { DateTime } from 'luxon';
import type { Database } from '../../src/db/client.ts';
import { Prisma } from '../../src/generated/prisma/client.ts';

/**
 * A synthetic arrival history whose true rate the tests know, in local time of `zone`:
 *   λ(t) = HOUR_SHAPE[local hour] · DAY_SHAPE[local weekday] · (1 + 0.02 · weeks since start) · (0.3 on holidays)
 * Counts are whole tickets: ⌊λ + u⌋ with a deterministic dither u (golden-ratio sequence),
 * so that over the weeks each hour's counts average λ (plain rounding would turn a rate of
 * 0.4 into 0 every week). Peak ≈ 7 · 1.2 · 1.4 ≈ 12 tickets an hour.
 */
export const HOUR_SHAPE = [0, 0, 0, 0, 0, 0, 1, 2, 4, 6, 7, 7, 6, 6, 7, 6, 5, 4, 3, 2, 1, 1, 0, 0];
/** ISO weekday 1-7 (index 0 unused). */
export const DAY_SHAPE = [0, 1.2, 1.1, 1, 1, 0.9, 0.4, 0.3];
export const HOLIDAY_FACTOR = 0.3;
export const WEEKLY_GROWTH = 0.02;

/** The true expected arrivals in the local hour starting at `start`. */
export function trueRate(start: number, historyStart: number, zone: string, holidays: ReadonlySet<string>): number {
  const t = DateTime.fromMillis(start, { zone });
  const weeks = (start - historyStart) / (7 * 86_400_000);
  const holiday = holidays.has(t.toISODate() ?? '') ? HOLIDAY_FACTOR : 1;
  return HOUR_SHAPE[t.hour] * DAY_SHAPE[t.weekday] * (1 + WEEKLY_GROWTH * weeks) * holiday;
}

/** Whole tickets for hour number `i` of rate `rate`: ⌊rate + frac(i · φ)⌋, unbiased on average. */
export function ditheredCount(rate: number, i: number): number {
  const u = ((i + 1) * 0.6180339887498949) % 1;
  return Math.floor(rate + u);
}

/** Hour starts from `from` to `to` (absolute hours; the zones used here have whole-hour offsets). */
export function hoursBetween(from: number, to: number): number[] {
  const out: number[] = [];
  for (let s = from; s < to; s += 3_600_000) out.push(s);
  return out;
}

/**
 * Inserts the synthetic history `[from, to)` as tickets of `channel` with one SQL
 * statement: each hour's rounded count of tickets, spread evenly inside the hour.
 */
export async function insertHistory(db: Database, opts: { from: number; to: number; zone: string; holidays: ReadonlySet<string>; channel?: string; scale?: number; prefix?: string }) {
  const hours = hoursBetween(opts.from, opts.to);
  const counts = hours.map((h, i) => ditheredCount(trueRate(h, opts.from, opts.zone, opts.holidays) * (opts.scale ?? 1), i));
  const prefix = opts.prefix ?? opts.channel ?? 'EMAIL';
  await db.prisma.$executeRaw(Prisma.sql`
    INSERT INTO "Ticket" ("externalId", "channel", "status", "createdAt")
    SELECT ${prefix} || '-' || h.i || '-' || g.k, ${opts.channel ?? 'EMAIL'}::"Channel", 'NEW'::"TicketStatus",
           h.s + (g.k * interval '1 second' * 3600 / (h.n + 1))
    FROM unnest(${hours.map((h) => new Date(h).toISOString())}::timestamptz[], ${counts}::int[]) WITH ORDINALITY AS h(s, n, i),
         generate_series(1, h.n) AS g(k)`);
  return counts.reduce((a, b) => a + b, 0);
}
