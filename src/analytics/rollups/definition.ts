import { Prisma } from '../../generated/prisma/client.ts';
import type { EventSource } from '../registry.ts';

/**
 * What the rollup tables of migrations 0009_rollups (hourly) and 0011_span_rollups (the
 * same columns per UTC day and week) hold, read side: per event source its
 * code in "RollupHour"."source" and, per registry measure it can answer, the SQL over the
 * rows `r` of that table (or a histogram quantile). The rebuild side (what each column
 * sums) is the SQL function supportgraph_rollup_add (migration 0016); a property
 * test (test/analytics/rollups.test.ts) checks both sides agree with the raw path.
 */

/** One rollup row covers one UTC hour. */
export const HOUR_MS = 3_600_000;

/**
 * Relative error bound of percentiles from histograms: bins are (g^(i-1), g^i] with
 * g = (1 + a) / (1 - a), and a bin's representative 2g^i / (g + 1) is within a of every
 * value in it (DDSketch). Interpolating between two such estimates, as percentile_cont
 * interpolates between two values, keeps the bound.
 */
export const RELATIVE_ERROR = 0.01;

/** The bin base g; the migration's supportgraph_rollup_bin uses the same 1.01 / 0.99. */
export const GAMMA = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR);

/** An additive measure: an aggregate over rollup rows `r`. */
export interface AdditiveRollup {
  kind: 'additive';
  sql: Prisma.Sql;
}

/**
 * The histogram metric (RollupHistogram.metric) that a duration metric shares with its
 * calendar or business twin: a ticket whose two durations fall in one bin has a single
 * row there (migration 0016), so a duration's histogram is its own rows plus these.
 */
export const SHARED_METRIC: Readonly<Record<number, number>> = { 1: 5, 2: 5, 3: 6, 4: 6 };

/** A percentile from the histogram of one duration metric (its RollupHistogram.metric rows and SHARED_METRIC's). */
export interface QuantileRollup {
  kind: 'quantile';
  metric: number;
  q: number;
  /** The duration's columns in "RollupHour": the estimate is clamped to their exact min and max. */
  d: 'd1' | 'd2';
}

/** How a rollup answers one measure. */
export type RollupMeasure = AdditiveRollup | QuantileRollup;

/** One event source's rollup: its code and the measures it answers, by registry path. */
export interface RollupSource {
  code: number;
  measures: Record<string, RollupMeasure>;
  /** The row count a stock (backlog) takes from this source when rows enter or leave by it. */
  count: Prisma.Sql;
  /** SLA sources: the decision of a row (raw tail after the last whole hour before "now"). */
  decision?: { fulfilled: Prisma.Sql; due: Prisma.Sql };
}

const additive = (sql: string): AdditiveRollup => ({ kind: 'additive', sql: Prisma.raw(sql) });
const count = (column: string) => additive(`sum(r."${column}")::int`);
const rate = (column: string) => additive(`(sum(r."${column}")::float8 / NULLIF(sum(r."n")::bigint, 0))`);

/** DurationStats from columns dN* and histogram metric `metric`. */
function duration(path: string, d: 'd1' | 'd2', metric: number): Record<string, RollupMeasure> {
  return {
    [`${path}.count`]: count(`${d}n`),
    // Same arithmetic as the registry's avg: exact microsecond sum, then two divisions.
    [`${path}.avg`]: additive(`(sum(r."${d}sum")::float8 / 1000000 / NULLIF(sum(r."${d}n")::bigint, 0))`),
    [`${path}.min`]: additive(`min(r."${d}min")`),
    [`${path}.max`]: additive(`max(r."${d}max")`),
    [`${path}.median`]: { kind: 'quantile', metric, q: 0.5, d },
    [`${path}.p90`]: { kind: 'quantile', metric, q: 0.9, d },
  };
}

function sla(path: string): Record<string, RollupMeasure> {
  return {
    [`${path}.achieved`]: count('c1'),
    [`${path}.breached`]: additive(`(sum(r."n") - sum(r."c1"))::int`),
    [`${path}.attainment`]: additive(`(sum(r."c1")::float8 / NULLIF(sum(r."n")::bigint, 0))`),
  };
}

/** Every source a rollup covers; sources not listed here always take the raw path. */
export const ROLLUP_SOURCES: Partial<Record<EventSource, RollupSource>> = {
  created: {
    code: 1,
    count: Prisma.raw(`sum(r."n")::int`),
    measures: { ticketsCreated: count('n'), escalationRate: rate('c1') },
  },
  solved: {
    code: 2,
    count: Prisma.raw(`sum(r."n")::int`),
    measures: {
      ticketsSolved: count('n'),
      reopenRate: rate('c1'),
      oneTouchRate: rate('c2'),
      firstContactResolutionRate: rate('c3'),
      ...duration('resolutionTime', 'd1', 3),
      ...duration('resolutionBusinessTime', 'd2', 4),
    },
  },
  firstResponse: {
    code: 3,
    count: Prisma.raw(`sum(r."n")::int`),
    measures: { ...duration('firstResponseTime', 'd1', 1), ...duration('firstResponseBusinessTime', 'd2', 2) },
  },
  slaFirstResponse: {
    code: 4,
    count: Prisma.raw(`sum(r."n")::int`),
    measures: sla('sla.firstResponse'),
    decision: { fulfilled: Prisma.sql`LEAST(t."firstResponseAt", t."solvedAt")`, due: Prisma.sql`t."firstResponseDueAt"` },
  },
  slaResolution: {
    code: 5,
    count: Prisma.raw(`sum(r."n")::int`),
    measures: sla('sla.resolution'),
    decision: { fulfilled: Prisma.sql`t."solvedAt"`, due: Prisma.sql`t."resolutionDueAt"` },
  },
  feedback: {
    code: 6,
    count: Prisma.raw(`sum(r."n")::int`),
    measures: {
      'csat.score': additive(`(100.0 * sum(r."c2")::bigint / NULLIF(sum(r."c1")::bigint, 0))::float8`),
      // avg(int) is numeric sum / numeric count: the same division on the same integers.
      'csat.average': additive(`(sum(r."s1")::numeric / NULLIF(sum(r."c1"), 0))::float8`),
      'csat.responses': count('c1'),
      'nps.score': additive(`(100.0 * (sum(r."c4")::bigint - sum(r."c6")::bigint) / NULLIF(sum(r."c3")::bigint, 0))::float8`),
      'nps.promoters': count('c4'),
      'nps.passives': count('c5'),
      'nps.detractors': count('c6'),
      'nps.responses': count('c3'),
      'ces.average': additive(`(sum(r."s2")::numeric / NULLIF(sum(r."c7"), 0))::float8`),
      'ces.responses': count('c7'),
    },
  },
};

/** The feedback count column of each survey kind (rows without the asked kinds are left out, as the raw path does). */
export const FEEDBACK_KIND_COLUMN: Record<'CSAT' | 'NPS' | 'CES', string> = { CSAT: 'c1', NPS: 'c3', CES: 'c7' };

/** Every measure column of "RollupHour", in table order. */
export const ROLLUP_COLUMNS = [
  'n', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 's1', 's2',
  'd1n', 'd1sum', 'd1min', 'd1max', 'd2n', 'd2sum', 'd2min', 'd2max',
] as const;

/** SQL for the representative value of histogram bin `bin` (see RELATIVE_ERROR). */
export function binValueSql(bin: Prisma.Sql): Prisma.Sql {
  const g = Prisma.raw(`(1.01::float8 / 0.99::float8)`);
  return Prisma.sql`(CASE WHEN ${bin} = -50000 THEN 0::float8
    WHEN ${bin} > -50000 THEN 2 * power(${g}, ${bin}) / (${g} + 1)
    ELSE -(2 * power(${g}, -100000 - ${bin}) / (${g} + 1)) END)`;
}
