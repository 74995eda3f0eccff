import { runInSlot, scopeSlot, slotValue } from '../../request-scope.ts';
import type { SourcePath } from '../compile.ts';
import type { EventSource } from '../registry.ts';

/** One engine statement: which kind of call ran it and the path each of its sources took. */
export interface AnalyticsPathReport {
  call: 'totals' | 'series' | 'breakdown' | 'entities';
  paths: Partial<Record<EventSource, SourcePath>>;
  /** The answer can change without a write: it reads SLA targets of a range reaching past "now". */
  timeDependent: boolean;
  /** Series only: buckets taken from an earlier answer that no write since could have changed (src/analytics/series-memo.ts). */
  reusedBuckets?: number;
}

const slot = scopeSlot<AnalyticsPathReport[]>('analytics path reports');

/**
 * Runs `work` collecting the path reports of every engine statement it causes (the
 * server wraps each GraphQL execution, and puts them in `extensions.analyticsPaths`).
 */
export function collectAnalyticsPaths<T>(reports: AnalyticsPathReport[], work: () => T): T {
  return runInSlot(slot, reports, work);
}

/** Records one statement's paths in the collection of the running request, if any. */
export function reportAnalyticsPaths(report: AnalyticsPathReport): void {
  slotValue(slot)?.push(report);
}
