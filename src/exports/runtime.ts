import type { Clock } from './clock.ts';
import type { ReportRunner } from './runner.ts';
import type { ExportSettings } from '../config.ts';

/** What report resolvers need from the server that runs them (set by the exports plugin). */
export interface ExportRuntime {
  runner: ReportRunner;
  settings: ExportSettings;
  clock: Clock;
}

declare module '../schema/context.ts' {
  interface Context {
    /** The report runner and export settings; present on requests served with the exports plugin. */
    exports?: ExportRuntime;
  }
}
