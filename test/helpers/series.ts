import type { SeriesBucket } from '../../src/analytics/engine.ts';

/** One measure (a dotted path such as `csat.responses`) of every bucket of a series, in order. */
export const column = (series: SeriesBucket[], path: string): unknown[] =>
  series.map((b) => path.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], b.metrics));
