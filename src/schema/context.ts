import type { Database } from '../db/client.ts';
import type { SeriesMemo } from '../analytics/series-memo.ts';

/** The roles a request can act as (see the Access section of api.md). */
export type RoleName = 'ADMIN' | 'ANALYST' | 'TEAM_LEAD' | 'INGEST';

/** Who is asking, and which teams' data they may read (`null`: every team). */
export interface Viewer {
  role: RoleName;
  /** Team ids the viewer is limited to; null means no limit. */
  teamIds: number[] | null;
  tokenName: string | null;
  tokenId: number | null;
}

/** Per-request state handed to every resolver. */
export interface Context {
  db: Database;
  viewer: Viewer;
  requestId: string;
  /** Per-request caches (DataLoaders) keyed by name; created lazily. */
  loaders: Map<string, unknown>;
  /** false: analytics read the rows, never rollups (set by the server's analyticsRollups option). */
  analyticsRollups?: boolean;
  /** The server's closed series buckets, reused while no write reaches them (absent: every series computed whole). */
  seriesMemo?: SeriesMemo;
}

/** The viewer of development mode and in-process tests: an unrestricted admin. */
export const DEVELOPMENT_VIEWER: Viewer = { role: 'ADMIN', teamIds: null, tokenName: null, tokenId: null };

/** Returns the request's cached loader called `key`, creating it on first use. */
export function loaderFor<T>(ctx: Context, key: string, create: () => T): T {
  let loader = ctx.loaders.get(key) as T | undefined;
  if (!loader) {
    loader = create();
    ctx.loaders.set(key, loader);
  }
  return loader;
}
