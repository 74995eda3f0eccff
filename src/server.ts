import { GraphQLError } from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { EnvelopArmor } from '@escape.tech/graphql-armor';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import type { Config } from './config.ts';
import { readDatabase, type Database } from './db/client.ts';
import { readMigrations } from './db/migrate.ts';
import { isStatementCancellation, type RequestBudget } from './db/request-context.ts';
import { MAX_STATEMENTS_PER_REQUEST } from './limits.ts';
import { databaseUnavailable, userError } from './errors.ts';
import { isConnectionFailure } from './db/failures.ts';
import type { Logger } from './logger.ts';
import type { ServerLifecycle } from './lifecycle.ts';
import { maskError } from './error-masking.ts';
import { usePageSizeLimit } from './schema/page-size-plugin.ts';
import { buildSchema } from './schema/index.ts';
import type { Context } from './schema/context.ts';
import { useAnalyticsPaths } from './schema/analytics-paths-plugin.ts';
import { useReadRouting } from './schema/read-routing-plugin.ts';
import { createResponseCacheStore, useResponseCache, type ResponseCacheStore } from './schema/response-cache-plugin.ts';
import { SeriesMemo } from './analytics/series-memo.ts';
import { exampleTabs } from './schema/examples.ts';
import { useStaticRoutes } from './static/routes.ts';
import { renderGraphiQLPage } from './static/graphiql.ts';
import { useTrustedDocuments } from './static/persisted.ts';
import { useExports } from './exports/http.ts';
import { useCostLimit } from './auth/cost.ts';
import { createRateLimiter, type RateLimiter } from './auth/rate-limit.ts';
import { currentRequest } from './auth/request.ts';
import { guardTeamScope } from './auth/row-guard.ts';
import {
  DEFAULT_AUTH_FAILURES_PER_MINUTE,
  useAccessPolicy,
  useAuthGate,
  useBodyLimit,
  useIntrospection,
  useRequestCancellation,
  useRequestLifecycle,
} from './auth/plugins.ts';

/** The settings of src/config.ts the server uses; tests give the few they need. */
export type ServerConfig = Pick<
  Config,
  'adminToken' | 'queryTimeoutMs' | 'rateLimitPerMinute' | 'redisUrl' | 'corsOrigins' | 'queryCostLimit' | 'graphiql' | 'trustedDocumentsOnly' | 'authFailuresPerMinute'
>;

/** Options for the HTTP/GraphQL server. */
export interface ServerOptions {
  db: Database;
  /** Every request needs a token; unexpected errors are masked. */
  production?: boolean;
  /** Serve GraphiQL and allow introspection (default: config.graphiql, else on outside production). */
  graphiql?: boolean;
  logger?: Logger;
  config?: Partial<ServerConfig>;
  /** A rate limiter to use instead of creating one from config.redisUrl. */
  rateLimiter?: RateLimiter;
  /** The HTTP server's lifecycle: while it drains, `/ready` answers 503. */
  lifecycle?: ServerLifecycle;
  /** false: the KPI engine reads every source from the rows, never from rollups (benchmarks compare both). */
  analyticsRollups?: boolean;
  /** false: no response cache and no reuse of closed series buckets (default: on; answers in Redis when config.redisUrl is set, else in memory; buckets in memory). */
  responseCache?: boolean;
  /** A response cache store to use instead of creating one from config.redisUrl. */
  responseCacheStore?: ResponseCacheStore;
  /**
   * The budget of one /graphql request as a whole (default: MAX_STATEMENTS_PER_REQUEST
   * statements, and config.queryTimeoutMs for all of its SQL together).
   */
  requestBudget?: Partial<RequestBudget>;
}

/** How long `/health` and `/ready` wait for the database before answering 503. */
export const HEALTH_TIMEOUT_MS = 1_000;

/** The server type handed to tests (`yoga.fetch`) and to `node:http`. */
export type SupportgraphServer = YogaServerInstance<Record<string, unknown>, Context>;

/** Defaults of the limits, as src/config.ts documents them. */
export const LIMITS = {
  maxDepth: 10,
  maxAliases: 30,
  maxDirectives: 10,
  maxTokens: 10_000,
} as const;

const DEFAULT_CONFIG: ServerConfig = {
  adminToken: null,
  queryTimeoutMs: 15_000,
  rateLimitPerMinute: 600,
  redisUrl: null,
  corsOrigins: [],
  queryCostLimit: 200_000,
  graphiql: false,
  trustedDocumentsOnly: false,
  authFailuresPerMinute: DEFAULT_AUTH_FAILURES_PER_MINUTE,
};

function json(fetchAPI: { Response: typeof Response }, body: unknown, status: number): Response {
  return new fetchAPI.Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/** Whether the database answers and every shipped migration has been applied. */
async function readiness(db: Database, expected: readonly string[]): Promise<{ ready: boolean; pending: string[] }> {
  const rows = await db.driver.query<{ migration_name: string }>(
    `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
  );
  const applied = new Set(rows.map((row) => row.migration_name));
  const pending = expected.filter((name) => !applied.has(name));
  return { ready: pending.length === 0, pending };
}

// graphql-armor reports its refusals as plain validation errors; ours carry the code.
function armorRejection(context: { reportError(error: GraphQLError): void } | null, error: GraphQLError): void {
  const refusal = userError('QUERY_TOO_COMPLEX', error.message.replace(/^Syntax Error: /, ''));
  if (context) context.reportError(refusal);
  else throw refusal;
}

// graphql-armor removes `Did you mean "field"`; graphql-js also suggests enum values and
// argument names in other words. In production none of them may describe the schema.
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

function withoutSuggestions(error: GraphQLError, production: boolean): GraphQLError {
  if (!production || !error.message.includes('Did you mean')) return error;
  return new GraphQLError(error.message.replace(SUGGESTION, ''), {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: error.extensions,
  });
}

/**
 * In production, removes graphql-js' suggestions from validation errors too (a literal
 * enum value such as `channels: [EMAL]` is checked there, before any masking runs).
 */
function useNoSuggestions(production: boolean): Plugin {
  return {
    onValidate() {
      if (!production) return undefined;
      return ({ result, setResult }) => {
        if (result.some((error) => error.message.includes('Did you mean'))) {
          setResult(result.map((error) => withoutSuggestions(error, true)));
        }
      };
    },
  };
}

/**
 * Every error a client sees gets a stable code; a cancelled statement becomes
 * QUERY_TIMEOUT; an unexpected one is logged with the request id, which the client
 * also receives, and its message is masked in production.
 */
function maskForRequest(error: unknown, message: string, production: boolean, timeoutMs: number, logger?: Logger): GraphQLError {
  const record = currentRequest();
  const requestId = record?.id;
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  if (record?.sql.budgetExceeded === 'statements' && !(error instanceof GraphQLError && typeof error.extensions?.code === 'string')) {
    const budget = userError(
      'QUERY_TOO_COMPLEX',
      `this request needed more than ${record.sql.maxStatements} SQL statements; the limit is ${record.sql.maxStatements}. Ask for fewer items or split it into several requests`,
      { limit: record.sql.maxStatements, requestId },
    );
    return error instanceof GraphQLError ? new GraphQLError(budget.message, { nodes: error.nodes, path: error.path, extensions: budget.extensions }) : budget;
  }
  if (record?.sql.cancelled || isStatementCancellation(original)) {
    const gone = record?.sql.signal?.aborted && record.sql.budgetExceeded !== 'deadline';
    const timeout = userError(
      'QUERY_TIMEOUT',
      gone
        ? 'the request was cancelled because the client went away'
        : record?.sql.budgetExceeded === 'deadline'
          ? `the request ran longer than ${record.sql.deadlineMs ?? timeoutMs} ms in total and was cancelled; narrow the range or filter, ask for fewer fields, or split it`
          : `the query ran longer than ${timeoutMs} ms and was cancelled; narrow the range or filter, or ask for fewer fields`,
      { timeoutMs, requestId },
    );
    return error instanceof GraphQLError
      ? new GraphQLError(timeout.message, { nodes: error.nodes, path: error.path, extensions: timeout.extensions })
      : timeout;
  }
  if (error instanceof GraphQLError && !error.extensions?.code && /CSRF/.test(error.message)) {
    return userError('FORBIDDEN', 'browser-style requests must send the header x-graphql-yoga-csrf (or use Content-Type: application/json)', {
      http: { status: 403 },
    });
  }
  if (!(error instanceof GraphQLError && typeof error.extensions?.code === 'string') && isConnectionFailure(original)) {
    logger?.warn({ requestId, err: original instanceof Error ? original.message : String(original) }, 'database connection failed');
    const unavailable = databaseUnavailable({ requestId });
    return error instanceof GraphQLError
      ? new GraphQLError(unavailable.message, { nodes: error.nodes, path: error.path, extensions: unavailable.extensions })
      : unavailable;
  }
  const masked = withoutSuggestions(maskError(error, message, production), production);
  if (masked.extensions.code !== 'INTERNAL_SERVER_ERROR') return masked;
  logger?.error({ requestId, err: original instanceof Error ? original : String(original), path: masked.path }, 'unexpected error');
  return new GraphQLError(masked.message, {
    nodes: masked.nodes,
    path: masked.path,
    extensions: { ...masked.extensions, requestId },
  });
}

/**
 * Builds the Yoga server: GraphQL at /graphql plus /health and /ready, with
 * authentication, the access policy, query limits, per-request SQL budget, rate limits,
 * CORS, CSRF prevention, security headers and one log line per request.
 */
export function createServer(options: ServerOptions): SupportgraphServer {
  const { db } = options;
  const production = options.production ?? false;
  const config: ServerConfig = { ...DEFAULT_CONFIG, graphiql: !production, ...options.config };
  const graphiql = options.graphiql ?? config.graphiql;
  const limiter = options.rateLimiter ?? createRateLimiter(config.redisUrl, options.logger);
  const responseCache = options.responseCacheStore ?? createResponseCacheStore(config.redisUrl, options.logger);
  // Closed series buckets go with the response cache: both answer from earlier work.
  const seriesMemo = options.responseCache === false ? undefined : new SeriesMemo();
  const migrations = readMigrations().map((migration) => migration.name);
  const armor = new EnvelopArmor({
    maxDepth: { n: LIMITS.maxDepth, onReject: [armorRejection], propagateOnRejection: false },
    maxAliases: { n: LIMITS.maxAliases, onReject: [armorRejection], propagateOnRejection: false },
    maxDirectives: { n: LIMITS.maxDirectives, onReject: [armorRejection], propagateOnRejection: false },
    maxTokens: { n: LIMITS.maxTokens, onReject: [armorRejection], propagateOnRejection: false },
    // Our own cost limit reads variables and analytics arguments (src/auth/cost.ts).
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: !graphiql },
  });

  return createYoga<Record<string, unknown>, Context>({
    schema: guardTeamScope(buildSchema()),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    batching: false,
    // Yoga's own probe answers before any plugin: keep it off /health, which checks the database.
    healthCheckEndpoint: '/health/live',
    // useBodyLimit enforces MAX_BODY_BYTES (yoga's limit would pipe every body through a stream).
    maxRequestBodySize: false,
    cors: config.corsOrigins.length > 0
      ? {
          origin: config.corsOrigins,
          credentials: false,
          methods: ['GET', 'POST', 'OPTIONS'],
          allowedHeaders: ['authorization', 'content-type', 'x-graphql-yoga-csrf', 'x-request-id'],
          exposedHeaders: ['x-request-id', 'retry-after'],
          maxAge: 600,
        }
      : false,
    // Yoga reports every error it sees; user mistakes are not server faults, so they go to debug.
    logging: options.logger
      ? {
          debug: (...args: unknown[]) => options.logger?.debug({ yoga: args }, 'yoga'),
          info: (...args: unknown[]) => options.logger?.info({ yoga: args }, 'yoga'),
          warn: (...args: unknown[]) => options.logger?.warn({ yoga: args }, 'yoga'),
          // Unexpected errors are logged once, with the request id, by maskForRequest.
          error: (...args: unknown[]) => options.logger?.debug({ yoga: args }, 'yoga error'),
        }
      : false,
    maskedErrors: { maskError: (error, message) => maskForRequest(error, message, production, config.queryTimeoutMs, options.logger) },
    // GraphiQL's page and assets come from this server (src/static/), never from a CDN.
    renderGraphiQL: renderGraphiQLPage,
    graphiql: graphiql
      ? {
          title: 'Supportgraph',
          defaultTabs: exampleTabs(),
          // In production every request needs a token: show where it goes.
          ...(production ? { headers: '{"Authorization": "Bearer <token>"}' } : {}),
        }
      : false,
    context: (): Context => {
      const record = currentRequest();
      if (!record?.auth) throw userError('UNAUTHENTICATED', 'this request carries no authenticated viewer');
      return { db, viewer: record.auth.viewer, requestId: record.id, loaders: new Map(), analyticsRollups: options.analyticsRollups !== false, seriesMemo };
    },
    plugins: [
      // Order matters: the lifecycle wraps everything; routes and limits answer before
      // authentication; the access policy runs before any cost or page-size check.
      useRequestLifecycle({
        logger: options.logger,
        statementTimeoutMs: config.queryTimeoutMs,
        production,
        budget: { maxStatements: MAX_STATEMENTS_PER_REQUEST, deadlineMs: config.queryTimeoutMs, ...options.requestBudget },
      }),
      useBodyLimit(),
      {
        async onRequest({ request, url, endResponse, fetchAPI }) {
          if (url.pathname === '/health' && request.method === 'GET') {
            // Liveness: a connection of its own and a short timeout, never the pool's queue.
            try {
              await db.ping(HEALTH_TIMEOUT_MS);
              endResponse(json(fetchAPI, { status: 'ok', database: db.kind }, 200));
            } catch (error) {
              endResponse(json(fetchAPI, { status: 'unavailable', error: (error as Error).message }, 503));
            }
          } else if (url.pathname === '/ready' && request.method === 'GET') {
            // Asked again after the database checks: a drain that began while they ran
            // answers 503 as well, not a 200 whose Connection: close would send the
            // balancer's next poll (and so its first 503) to a new connection.
            const draining = () => options.lifecycle?.draining === true;
            const drainingResponse = () => json(fetchAPI, { status: 'draining', database: db.kind }, 503);
            if (draining()) {
              endResponse(drainingResponse());
              return;
            }
            try {
              await db.ping(HEALTH_TIMEOUT_MS);
              const state = await readiness(db, migrations);
              endResponse(
                draining()
                  ? drainingResponse()
                  : state.ready
                    ? json(fetchAPI, { status: 'ready', database: db.kind }, 200)
                    : json(fetchAPI, { status: 'migrations pending', pending: state.pending }, 503),
              );
            } catch (error) {
              endResponse(draining() ? drainingResponse() : json(fetchAPI, { status: 'unavailable', error: (error as Error).message }, 503));
            }
          }
        },
      },
      // The dashboard and GraphiQL's assets: public files, answered before authentication.
      useStaticRoutes({ graphiql }),
      useAuthGate({
        db,
        settings: { production, adminToken: config.adminToken, defaultRateLimit: config.rateLimitPerMinute },
        limiter,
        graphiql,
        logger: options.logger,
        authFailuresPerMinute: config.authFailuresPerMinute,
      }),
      // The dashboard's published documents, by hash; optionally the only ones allowed.
      ...useTrustedDocuments({ trustedOnly: config.trustedDocumentsOnly }),
      useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf', 'apollo-require-preflight'] }),
      ...armor.protect().plugins,
      useNoSuggestions(!graphiql),
      useIntrospection(graphiql),
      useAccessPolicy(),
      useCostLimit(config.queryCostLimit),
      usePageSizeLimit(),
      // A client that goes away stops the execution; its running SQL is cancelled by the db layer.
      useRequestCancellation(),
      useReadRouting(db.replica),
      useAnalyticsPaths(),
      // Versions come from where the answers are read: a lagging replica's own snapshot.
      ...(options.responseCache === false ? [] : [useResponseCache({ db: readDatabase(db), store: responseCache })]),
      useExports({ db, logger: options.logger }),
      {
        onDispose: async () => {
          if (!options.responseCacheStore) await responseCache.close();
          if (!options.rateLimiter) await limiter.close();
        },
      },
    ],
  });
}
