import type { Plugin } from 'graphql-yoga';
import { collectAnalyticsPaths, type AnalyticsPathReport } from '../analytics/rollups/report.ts';

/**
 * Says in the response which path the KPI engine took: `extensions.analyticsPaths` lists,
 * per metrics statement the operation ran, each event source and whether a rollup or the
 * rows answered it (`{ call: "series", paths: { created: "rollup", feedback: "raw" } }`);
 * a time series also says how many of its buckets came from an earlier answer
 * (`reusedBuckets`, src/analytics/series-memo.ts).
 */
export function useAnalyticsPaths(): Plugin {
  return {
    onExecute({ executeFn, setExecuteFn }) {
      const reports: AnalyticsPathReport[] = [];
      setExecuteFn((args) => collectAnalyticsPaths(reports, () => executeFn(args)));
      return {
        onExecuteDone({ result, setResult }) {
          if (reports.length === 0 || Symbol.asyncIterator in result) return;
          setResult({ ...result, extensions: { ...result.extensions, analyticsPaths: reports } });
        },
      };
    },
  };
}
