import { GraphQLError, getOperationAST, visit, type ASTVisitor, type DocumentNode, type ValidationContext } from 'graphql';
import { shouldRenderGraphiQL, type Plugin } from 'graphql-yoga';
import type { Database } from '../db/client.ts';
import { followResponse, followSignal, newRequestSqlContext, runInRequest, type ClosingResponse, type RequestBudget } from '../db/request-context.ts';
import { databaseUnavailable, RETRY_AFTER_SECONDS, userError } from '../errors.ts';
import { isConnectionFailure } from '../db/failures.ts';
import { unstorableText } from '../limits.ts';
import type { Logger } from '../logger.ts';
import type { Context } from '../schema/context.ts';
import { documentMemo } from '../schema/document-memo.ts';
import { authenticate, type AuthSettings } from './authenticate.ts';
import { accessViolation } from './policy.ts';
import type { RateLimiter } from './rate-limit.ts';
import { currentRequest, requestIdFor, runWithRequest, type RequestRecord } from './request.ts';

/** Largest request body accepted (HTTP 413 above it). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Routes that answer without a token: load balancers and orchestrators probe them. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(['/health', '/ready']);

/**
 * Routes that check a credential of their own instead of an API token: a saved report's
 * link carries the report's token in `?token=`, and its route must verify it.
 */
export const SELF_AUTHENTICATED_PREFIXES: readonly string[] = ['/reports/'];

/** Headers every response carries. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'x-permitted-cross-domain-policies': 'none',
};
// Data responses may not load anything; GraphiQL's page loads its scripts and styles.
const API_CSP = "default-src 'none'; frame-ancestors 'none'";
// The dashboard and GraphiQL load everything from this server (src/static/): scripts and
// workers only from 'self'; inline styles (the editor and charts set them) and data: images
// and fonts are allowed; nothing else.
const PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
  "connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

function errorResponse(fetchAPI: { Response: typeof Response }, error: GraphQLError, status: number, headers: Record<string, string> = {}): Response {
  return new fetchAPI.Response(JSON.stringify({ errors: [{ message: error.message, extensions: error.extensions }] }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

/** Options of the request lifecycle plugin. */
export interface LifecycleOptions {
  logger?: Logger;
  statementTimeoutMs: number;
  production: boolean;
  /** The budget of one /graphql request: statements, and milliseconds until its SQL is cancelled. */
  budget: RequestBudget;
}

/**
 * Gives each request an id, a SQL context (statement timeout, cancellation when the
 * client goes away, counters) and a record; stamps security headers and the request id
 * on the response; and logs one JSON line per request.
 */
export function useRequestLifecycle(options: LifecycleOptions): Plugin {
  return {
    instrumentation: {
      request({ request }, wrapped) {
        const path = requestPath(request.url);
        const record: RequestRecord = {
          id: requestIdFor(request),
          startedAt: performance.now(),
          method: request.method,
          path,
          // The client's departure is hooked in onRequest, from the Node response when there is one.
          sql: newRequestSqlContext(options.statementTimeoutMs, null, path === '/graphql' ? options.budget : null),
          auth: null,
          operationName: null,
          errorCodes: new Set(),
        };
        // The request's deadline timer and its hook on the client's signal end with it.
        const finish = () => record.sql.finish();
        const result = runWithRequest(record, () => runInRequest(record.sql, wrapped));
        if (result instanceof Promise) return result.finally(finish);
        finish();
        return result;
      },
    },
    onRequest({ request, serverContext }) {
      const record = currentRequest();
      if (!record) return;
      const response = (serverContext as { res?: Partial<ClosingResponse> } | undefined)?.res;
      if (typeof response?.once === 'function') followResponse(record.sql, response as ClosingResponse);
      else if (request.signal) followSignal(record.sql, request.signal);
    },
    onExecute({ args }) {
      const record = currentRequest();
      if (!record) return;
      const operation = getOperationAST(args.document, args.operationName ?? undefined);
      record.operationName = operation?.name?.value ?? args.operationName ?? null;
    },
    onResultProcess({ result }) {
      const record = currentRequest();
      if (!record) return;
      for (const item of Array.isArray(result) ? result : [result]) {
        const errors = (item as { errors?: readonly { extensions?: { code?: unknown } }[] }).errors ?? [];
        for (const error of errors) if (typeof error.extensions?.code === 'string') record.errorCodes.add(error.extensions.code);
      }
    },
    onResponse({ response }) {
      const record = currentRequest();
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.headers.set(name, value);
      const isPage = (response.headers.get('content-type') ?? '').startsWith('text/html');
      response.headers.set('content-security-policy', isPage ? PAGE_CSP : API_CSP);
      if (options.production) response.headers.set('strict-transport-security', 'max-age=31536000; includeSubDomains');
      if (!record) return;
      response.headers.set('x-request-id', record.id);
      const line = {
        requestId: record.id,
        method: record.method,
        path: record.path,
        status: response.status,
        durationMs: Math.round((performance.now() - record.startedAt) * 10) / 10,
        token: record.auth?.viewer.tokenName ?? null,
        role: record.auth?.viewer.role ?? null,
        operation: record.operationName,
        sqlStatements: record.sql.statements,
        sqlMs: Math.round(record.sql.sqlMs * 10) / 10,
        errors: record.errorCodes.size > 0 ? [...record.errorCodes] : undefined,
      };
      if (PUBLIC_PATHS.has(record.path)) options.logger?.debug(line, 'request');
      else options.logger?.info(line, 'request');
    },
  };
}

// A path of only these characters reads the same before and after URL normalisation.
const PLAIN_PATH = /^\/[A-Za-z0-9/_-]*$/;

/**
 * The path of an absolute request URL, as `new URL(url).pathname` gives it. Plain paths
 * (every request but odd ones) are cut out of the string, which costs a fraction of
 * parsing the URL; anything with dots, escapes or other characters is parsed, so
 * `/x/../graphql` is `/graphql` here as it is to the router.
 */
export function requestPath(url: string): string {
  const authority = url.indexOf('//') + 2;
  const start = url.indexOf('/', authority);
  const query = url.indexOf('?', authority);
  const fragment = url.indexOf('#', authority);
  const end = Math.min(query < 0 ? url.length : query, fragment < 0 ? url.length : fragment);
  // The authority ends at the path's slash: a `?` or `#` before it means there is no path.
  if (authority >= 2 && start >= 0 && start < end) {
    const path = url.slice(start, end);
    if (PLAIN_PATH.test(path)) return path;
  }
  return new URL(url).pathname;
}

/**
 * Stops a GraphQL execution when its client goes away. Yoga's own plugin hands the
 * executor the request's signal, a proxy whose every property read costs a string
 * search, and the executor reads it once per resolved field; the request context's
 * `clientSignal` is a plain AbortSignal that follows it.
 */
export function useRequestCancellation(): Plugin {
  const signal = () => currentRequest()?.sql.clientSignal ?? undefined;
  return {
    onExecute({ args }) {
      (args as { signal?: AbortSignal }).signal = signal();
    },
    onSubscribe({ args }) {
      (args as { signal?: AbortSignal }).signal = signal();
    },
  };
}

/**
 * Refuses bodies over `maxBytes` with HTTP 413: by Content-Length when the client sends
 * one, else by reading at most that much of the stream. The server's only body limit
 * (yoga's own, which pipes every body through a counting stream, is off).
 */
export function useBodyLimit(maxBytes: number = MAX_BODY_BYTES): Plugin {
  const tooLarge = (size: string) =>
    userError('BAD_USER_INPUT', `the request body is ${size}; the limit is ${maxBytes} bytes (1 MB)`, { limit: maxBytes });
  return {
    async onRequest({ request, setRequest, endResponse, fetchAPI }) {
      if (!request.body || request.method === 'GET' || request.method === 'HEAD') return;
      const declared = request.headers.get('content-length');
      if (declared !== null) {
        // One non-negative integer only ("10, 10" and the like are request-smuggling attempts).
        if (!/^\d+$/.test(declared)) {
          endResponse(errorResponse(fetchAPI, userError('BAD_USER_INPUT', 'the Content-Length header must be one non-negative integer'), 400));
        } else if (Number(declared) > maxBytes) {
          endResponse(errorResponse(fetchAPI, tooLarge(`${declared} bytes`), 413));
        }
        // The HTTP parser delivers exactly the declared length: nothing more to count.
        return;
      }
      const reader = request.body.getReader();
      const chunks: Uint8Array[] = [];
      let size = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > maxBytes) {
          await reader.cancel().catch(() => undefined);
          endResponse(errorResponse(fetchAPI, tooLarge('more than that'), 413));
          return;
        }
        chunks.push(value);
      }
      const body = new Uint8Array(size);
      let offset = 0;
      for (const chunk of chunks) {
        body.set(chunk, offset);
        offset += chunk.byteLength;
      }
      setRequest(new fetchAPI.Request(request.url, { method: request.method, headers: request.headers, body, signal: request.signal }));
    },
  };
}

/** Options of the authentication gate. */
export interface GateOptions {
  db: Database;
  settings: AuthSettings;
  limiter: RateLimiter;
  /** GraphiQL is served: its page (not its requests) loads without a token. */
  graphiql: boolean;
  logger?: Logger;
  /** Failed authentications (wrong API or report-link tokens) one address may make a minute. */
  authFailuresPerMinute?: number;
}

/** Failed authentications an address may make a minute before it gets 429 (AUTH_FAILURES_PER_MINUTE). */
export const DEFAULT_AUTH_FAILURES_PER_MINUTE = 30;

/**
 * The response for an error that is not the client's: DATABASE_UNAVAILABLE (503,
 * Retry-After) when the database connection failed, else a masked
 * INTERNAL_SERVER_ERROR with the request id, logged with its stack.
 */
export function unexpectedFailure(
  error: unknown,
  requestId: string | undefined,
  logger?: Logger,
): { error: GraphQLError; status: number; headers: Record<string, string> } {
  if (isConnectionFailure(error)) {
    logger?.warn({ requestId, err: error instanceof Error ? error.message : String(error) }, 'database connection failed');
    return { error: databaseUnavailable({ requestId }), status: 503, headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } };
  }
  logger?.error({ requestId, err: error instanceof Error ? error : String(error) }, 'unexpected error');
  return {
    error: userError('INTERNAL_SERVER_ERROR', 'Unexpected error.', { requestId }),
    status: 500,
    headers: {},
  };
}

/**
 * Authenticates every request but the public routes and spends one request of the
 * token's rate budget: 401 UNAUTHENTICATED without a valid token (in production), 429
 * RATE_LIMITED with Retry-After over budget. The viewer is kept on the request record,
 * where the GraphQL context (and any route) reads it.
 */
export function useAuthGate(options: GateOptions): Plugin {
  const failureLimit = options.authFailuresPerMinute ?? DEFAULT_AUTH_FAILURES_PER_MINUTE;
  const failureKey = (serverContext: unknown) => {
    const address = clientAddress(serverContext);
    return address === null ? null : `auth-failures:${address}`;
  };
  const failed = async (serverContext: unknown) => {
    const key = failureKey(serverContext);
    if (key) await options.limiter.hit(key, failureLimit);
  };
  /** 429 while this address has used up its failed attempts; null otherwise. */
  const blocked = async (serverContext: unknown, fetchAPI: { Response: typeof Response }): Promise<Response | null> => {
    const key = failureKey(serverContext);
    if (key === null) return null;
    const decision = await options.limiter.peek(key, failureLimit);
    if (decision.allowed) return null;
    currentRequest()?.errorCodes.add('RATE_LIMITED');
    const error = userError(
      'RATE_LIMITED',
      `too many failed authentications from this address (${failureLimit} a minute); try again in ${decision.retryAfterSeconds} s`,
      { limit: failureLimit, retryAfter: decision.retryAfterSeconds },
    );
    return errorResponse(fetchAPI, error, 429, { 'retry-after': String(decision.retryAfterSeconds) });
  };
  return {
    async onRequest({ request, url, endResponse, fetchAPI, serverContext }) {
      if (PUBLIC_PATHS.has(url.pathname) || request.method === 'OPTIONS') return;
      if (SELF_AUTHENTICATED_PREFIXES.some((prefix) => url.pathname.startsWith(prefix)) && !request.headers.has('authorization')) {
        // A report link checks its own token (src/exports/http.ts); guessing is limited here.
        const refusal = await blocked(serverContext, fetchAPI);
        if (refusal) endResponse(refusal);
        return;
      }
      if (options.graphiql && url.pathname === '/graphql' && shouldRenderGraphiQL(request)) return;
      const record = currentRequest();
      if (request.headers.has('authorization')) {
        const refusal = await blocked(serverContext, fetchAPI);
        if (refusal) {
          endResponse(refusal);
          return;
        }
      }
      let auth;
      try {
        auth = await authenticate(options.db, request.headers.get('authorization'), options.settings);
      } catch (error) {
        if (!(error instanceof GraphQLError)) {
          // The token lookup itself failed (database down): a coded JSON error, never a stack.
          const failure = unexpectedFailure(error, record?.id, options.logger);
          record?.errorCodes.add(String(failure.error.extensions.code));
          endResponse(errorResponse(fetchAPI, failure.error, failure.status, failure.headers));
          return;
        }
        record?.errorCodes.add(String(error.extensions.code));
        await failed(serverContext);
        endResponse(errorResponse(fetchAPI, error, 401, { 'www-authenticate': 'Bearer' }));
        return;
      }
      if (record) record.auth = auth;
      if (auth.rateKey === null) return;
      const decision = await options.limiter.hit(auth.rateKey, auth.ratePerMinute);
      if (!decision.allowed) {
        const error = userError(
          'RATE_LIMITED',
          `this token may make ${decision.limit} requests a minute; try again in ${decision.retryAfterSeconds} s`,
          { limit: decision.limit, retryAfter: decision.retryAfterSeconds },
        );
        record?.errorCodes.add('RATE_LIMITED');
        endResponse(
          errorResponse(fetchAPI, error, 429, {
            'retry-after': String(decision.retryAfterSeconds),
            'ratelimit-limit': String(decision.limit),
            'ratelimit-remaining': '0',
          }),
        );
      }
    },
    async onResponse({ request, response, serverContext }) {
      // A report link answered 401: a wrong (guessed) token, counted like a wrong API token.
      if (response.status !== 401) return;
      const path = requestPath(request.url);
      if (SELF_AUTHENTICATED_PREFIXES.some((prefix) => path.startsWith(prefix)) && !request.headers.has('authorization')) {
        await failed(serverContext);
      }
    },
  };
}

/** The peer address of a request over node:http; null in process (yoga.fetch), which is not limited. */
function clientAddress(serverContext: unknown): string | null {
  const req = (serverContext as { req?: { socket?: { remoteAddress?: string } } } | undefined)?.req;
  return req?.socket?.remoteAddress ?? null;
}

/** The first string in a variable value PostgreSQL could not store, with where it is. */
function findUnstorable(value: unknown, path: string, depth = 0): { path: string; problem: string } | null {
  if (typeof value === 'string') {
    const problem = unstorableText(value);
    return problem ? { path, problem } : null;
  }
  if (depth > 50 || value === null || typeof value !== 'object') return null;
  for (const [key, item] of Object.entries(value)) {
    const found = findUnstorable(item, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return null;
}

/** The first string literal of a document PostgreSQL could not store, with the argument it is in. */
function unstorableLiteral(document: DocumentNode): { path: string; problem: string } | null {
  let bad: { path: string; problem: string } | null = null;
  const argumentNames: string[] = [];
  visit(document, {
    Argument: {
      enter: (node) => void argumentNames.push(node.name.value),
      leave: () => void argumentNames.pop(),
    },
    StringValue(node) {
      const problem = unstorableText(node.value);
      if (problem) bad ??= { path: `argument ${argumentNames.at(-1) ?? '(unknown)'}`, problem };
    },
  });
  return bad;
}

/**
 * Applies the access policy (src/auth/policy.ts) to every operation before it runs, for
 * /graphql and for anything else that executes through this server's pipeline. Also
 * refuses strings PostgreSQL cannot store or compare as text (NUL characters, lone
 * UTF-16 surrogates), naming where they are. What depends on the document alone (the
 * policy per role, the literals) is worked out once per document.
 */
export function useAccessPolicy(): Plugin<Context> {
  const allowed = documentMemo<boolean>();
  const literals = documentMemo<{ path: string; problem: string } | null>(1);
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const viewer = (args.contextValue as Partial<Context>).viewer;
      if (!viewer) {
        setResultAndStopExecution({ errors: [userError('UNAUTHENTICATED', 'no viewer: the request was not authenticated')] });
        return;
      }
      const policyKey = `${args.operationName ?? ''}\u0000${viewer.role}`;
      // Refusals are built afresh for each request (errors are request-owned); only "allowed" is remembered.
      if (!allowed(args.schema, args.document, policyKey, () => accessViolation(args.schema, args.document, args.operationName, viewer) === null)) {
        const violation = accessViolation(args.schema, args.document, args.operationName, viewer);
        if (violation) {
          setResultAndStopExecution({ errors: [violation] });
          return;
        }
      }
      let bad: { path: string; problem: string } | null = null;
      for (const [name, value] of Object.entries(args.variableValues ?? {})) {
        bad ??= findUnstorable(value, `$${name}`);
      }
      bad ??= literals(args.schema, args.document, '', () => unstorableLiteral(args.document));
      if (bad) {
        setResultAndStopExecution({
          errors: [userError('BAD_USER_INPUT', `the string at ${bad.path} ${bad.problem}`, { field: bad.path })],
        });
      }
    },
  };
}

/** A validation rule that refuses `__schema` and `__type` (introspection off). */
export function noIntrospectionRule(context: ValidationContext): ASTVisitor {
  return {
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') {
        context.reportError(
          userError('FORBIDDEN', `introspection (${node.name.value}) is disabled on this server; set GRAPHIQL=true to enable it`),
        );
      }
    },
  };
}

/** Turns introspection off (a validation rule) unless `enabled`. */
export function useIntrospection(enabled: boolean): Plugin {
  return {
    onValidate({ addValidationRule }) {
      if (!enabled) addValidationRule(noIntrospectionRule);
    },
  };
}
