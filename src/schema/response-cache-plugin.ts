import { createHash } from 'node:crypto';
import { Kind, print, type DefinitionNode, type ExecutionResult, type OperationDefinitionNode, type SelectionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { Redis } from 'ioredis';
import type { Database } from '../db/client.ts';
import { dataVersion } from '../db/data-version.ts';
import type { Logger } from '../logger.ts';
import type { AnalyticsPathReport } from '../analytics/rollups/report.ts';
import type { Context } from './context.ts';
import { documentMemo } from './document-memo.ts';

/**
 * Where cached answers live. Entries are keyed by the data version they were computed
 * at, so an entry of an older version is never returned: no time-to-live decides
 * freshness (Redis keys expire after a day only to free memory).
 */
export interface ResponseCacheStore {
  get(version: string, key: string): Promise<ExecutionResult | undefined>;
  set(version: string, key: string, result: ExecutionResult): Promise<void>;
  close(): Promise<void>;
}

/** Answers in this process's memory, for the current data version only (at most `max` of them). */
export class MemoryResponseCache implements ResponseCacheStore {
  private version = '';
  private readonly entries = new Map<string, ExecutionResult>();

  constructor(private readonly max = 500) {}

  async get(version: string, key: string): Promise<ExecutionResult | undefined> {
    if (version !== this.version) return undefined;
    return this.entries.get(key);
  }

  async set(version: string, key: string, result: ExecutionResult): Promise<void> {
    if (version !== this.version) {
      // A write happened: every older answer is dead.
      this.entries.clear();
      this.version = version;
    }
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, result);
  }

  async close(): Promise<void> {
    this.entries.clear();
  }
}

/** Answers shared by every server process through Redis, under `sg:rc:<version>:<key>`. */
export class RedisResponseCache implements ResponseCacheStore {
  private readonly redis: Redis;

  constructor(url: string, private readonly logger?: Logger) {
    this.redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: true });
    this.redis.on('error', (error) => this.logger?.warn({ err: error }, 'response cache: redis error (answers are computed, not cached)'));
  }

  private name(version: string, key: string): string {
    // The version is `<database epoch>:<counter>`: servers of different databases share one Redis safely.
    return `sg:rc:${createHash('sha256').update(version).digest('hex').slice(0, 24)}:${key}`;
  }

  async get(version: string, key: string): Promise<ExecutionResult | undefined> {
    try {
      const value = await this.redis.get(this.name(version, key));
      return value ? (JSON.parse(value) as ExecutionResult) : undefined;
    } catch {
      return undefined;
    }
  }

  async set(version: string, key: string, result: ExecutionResult): Promise<void> {
    try {
      await this.redis.set(this.name(version, key), JSON.stringify(result), 'EX', 86_400);
    } catch {
      // A cache that cannot store just computes again.
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

/** Root fields whose answers are cached: the KPI queries, which are expensive and read-only. */
export const CACHED_ROOT_FIELDS = new Set(['metrics', 'timeSeries', 'breakdown']);

/** Options of the response cache. */
export interface ResponseCacheOptions {
  /** Where the answers are read from, and so the data version (src/db/data-version.ts). */
  db: Pick<Database, 'driver'>;
  store: ResponseCacheStore;
}

/**
 * Answers identical KPI queries — same document, variables and viewer scope (role and
 * teams: two team leads never share an answer) — from the cache until the data version
 * changes. Only queries whose root fields are all in CACHED_ROOT_FIELDS are cached, and
 * only answers that do not depend on the clock (SLA targets of a range reaching past
 * "now" are decided by time passing, not by writes) and carry no errors. The answer says
 * `extensions.responseCache`: HIT or MISS.
 */
export function useResponseCache(options: ResponseCacheOptions): Plugin<Context> {
  // Whether an operation is cacheable, and its printed text, depend on the document alone.
  const printed = documentMemo<string | null>();
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const text = printed(args.schema, args.document, args.operationName ?? '', () => {
        const operation = args.document.definitions.find(
          (d: DefinitionNode): d is OperationDefinitionNode =>
            d.kind === Kind.OPERATION_DEFINITION && (!args.operationName || d.name?.value === args.operationName),
        );
        if (!operation || operation.operation !== 'query') return null;
        const roots = operation.selectionSet.selections;
        if (!roots.every((s: SelectionNode) => s.kind === Kind.FIELD && CACHED_ROOT_FIELDS.has(s.name.value))) return null;
        return print(args.document);
      });
      // Not cacheable: no await, no extra tick for the request.
      if (text === null) return;
      const viewer = (args.contextValue as Context).viewer;
      const scope = { role: viewer.role, teams: viewer.teamIds === null ? null : [...viewer.teamIds].sort((a, b) => a - b) };
      const key = createHash('sha256')
        .update(JSON.stringify([text, args.operationName ?? null, args.variableValues ?? {}, scope]))
        .digest('hex');
      return (async () => {
        // The version is read before the query runs: a write during it makes the entry stale at once.
        const version = await dataVersion(options.db);
        const cached = await options.store.get(version, key);
        if (cached) {
          setResultAndStopExecution({ ...cached, extensions: { ...cached.extensions, responseCache: 'HIT' } });
          return;
        }
        return {
          onExecuteDone({ result, setResult }) {
            if (Symbol.asyncIterator in result) return;
            const reports = (result.extensions?.analyticsPaths ?? []) as AnalyticsPathReport[];
            const cacheable = !result.errors?.length && reports.length > 0 && reports.every((r) => !r.timeDependent);
            if (cacheable) void options.store.set(version, key, result);
            setResult({ ...result, extensions: { ...result.extensions, responseCache: 'MISS' } });
          },
        };
      })();
    },
  };
}

/** The store for a server: Redis when REDIS_URL is set, else this process's memory. */
export function createResponseCacheStore(redisUrl: string | null, logger?: Logger): ResponseCacheStore {
  return redisUrl ? new RedisResponseCache(redisUrl, logger) : new MemoryResponseCache();
}
