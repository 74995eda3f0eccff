import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeSeries, computeTotals } from '../../src/analytics/engine.ts';
import { RELATIVE_ERROR } from '../../src/analytics/rollups/definition.ts';
import { Random } from '../../seeds/random.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';

// Duration statistics against an independent implementation, on seeded random data.

let db: TestDatabase;

beforeAll(async () => {
  db = await openTestDatabase();
});

afterAll(async () => {
  await db?.destroy();
});

/** A seeded stream in [0, 1): the demo generator's mulberry32, so a run can be replayed. */
function random(seed: number): () => number {
  const rng = new Random(seed);
  return () => rng.next();
}

/** Continuous percentile (linear interpolation between closest ranks), as SQL percentile_cont. */
function percentileCont(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

function stats(values: number[]) {
  return {
    count: values.length,
    avg: values.length ? values.reduce((s, v) => s + v, 0) / values.length : null,
    median: percentileCont(values, 0.5),
    p90: percentileCont(values, 0.9),
    min: values.length ? Math.min(...values) : null,
    max: values.length ? Math.max(...values) : null,
  };
}

const DAY = 86_400_000;
const START = Date.parse('2026-05-01T00:00:00Z');
const DAYS = 7;

async function load(seed: number, n: number): Promise<number[][]> {
  await db.prisma.ticket.deleteMany({});
  const next = random(seed);
  const perDay: number[][] = Array.from({ length: DAYS }, () => []);
  const rows = Array.from({ length: n }, (_, i) => {
    const created = START + Math.floor(next() * DAYS * DAY);
    // Heavy-tailed, millisecond resolution, with ties: a mix of short and very long waits.
    const ms = next() < 0.1 ? 60_000 : Math.floor(Math.exp(next() * 14) * 1000);
    const responded = created + ms;
    // Bucketed by first response: the day the reply falls in (may be after the range).
    const day = Math.floor((responded - START) / DAY);
    if (day < DAYS) perDay[day].push(ms / 1000);
    return {
      externalId: `s${seed}-${i}`,
      channel: 'EMAIL' as const,
      status: 'OPEN' as const,
      createdAt: new Date(created),
      firstResponseAt: new Date(responded),
    };
  });
  await db.prisma.ticket.createMany({ data: rows });
  return perDay;
}

describe('DurationStats', () => {
  it.each([
    [1, 1],
    [2, 2],
    [3, 7],
    [42, 400],
    [7, 3000],
  ])('matches percentile_cont computed in JS (seed %i, %i tickets)', async (seed, n) => {
    const perDay = await load(seed, n);
    const range = { from: new Date(START), to: new Date(START + DAYS * DAY) };
    const measures = ['firstResponseTime.count', 'firstResponseTime.avg', 'firstResponseTime.median', 'firstResponseTime.p90', 'firstResponseTime.min', 'firstResponseTime.max'];
    // exact: percentile_cont on the rows; otherwise hourly histogram rollups answer the
    // percentiles, within their documented 1 % relative error (the rest stays exact).
    for (const exact of [true, false]) {
      const close = (actual: number | null | undefined, value: number, key: string, label: string) => {
        if (!exact && (key === 'median' || key === 'p90')) {
          expect(Math.abs((actual as number) - value), `${label} ${key} (histogram)`).toBeLessThanOrEqual(RELATIVE_ERROR * Math.abs(value) + 1e-9);
        } else expect(actual, `${label} ${key}`).toBeCloseTo(value, 3);
      };
      const buckets = await computeSeries(db, { range, granularity: 'DAY', timeZone: 'UTC', scope: { teamIds: null }, measures, exact });
      expect(buckets).toHaveLength(DAYS);
      buckets.forEach((bucket, i) => {
        const expected = stats(perDay[i]);
        const actual = bucket.metrics.firstResponseTime as Record<string, number | null>;
        for (const [key, value] of Object.entries(expected)) {
          if (value === null) expect(actual[key], `${bucket.label} ${key}`).toBeNull();
          else close(actual[key], value, key, bucket.label);
        }
      });
      const totals = await computeTotals(db, { range, scope: { teamIds: null }, measures, exact });
      const all = perDay.flat();
      const expected = stats(all);
      for (const [key, value] of Object.entries(expected)) {
        const actual = (totals.firstResponseTime as Record<string, number | null>)[key];
        if (value === null) expect(actual).toBeNull();
        else close(actual, value, key, 'totals');
      }
    }
  });
});
