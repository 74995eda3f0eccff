import { GraphQLError } from 'graphql';

/** Stable error codes clients can branch on (`extensions.code`). */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'QUERY_TOO_COMPLEX'
  | 'QUERY_TIMEOUT'
  | 'RATE_LIMITED'
  | 'DATABASE_UNAVAILABLE'
  | 'SHUTTING_DOWN'
  | 'PERSISTED_QUERY_NOT_FOUND'
  | 'PERSISTED_QUERY_ONLY'
  | 'INTERNAL_SERVER_ERROR';

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  PERSISTED_QUERY_ONLY: 403,
  RATE_LIMITED: 429,
  DATABASE_UNAVAILABLE: 503,
  SHUTTING_DOWN: 503,
};

/** Seconds a client should wait before retrying a 503 (DATABASE_UNAVAILABLE, SHUTTING_DOWN). */
export const RETRY_AFTER_SECONDS = 1;

/**
 * The one way to build an error a client sees: a stable code, a message that says
 * what to change, and optional details in `extensions`.
 */
export function userError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  const status = HTTP_STATUS[code];
  return new GraphQLError(message, {
    extensions: {
      code,
      ...extensions,
      ...(status === 503 ? { http: { status, headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } } } : status ? { http: { status } } : {}),
    },
  });
}

/** A BAD_USER_INPUT error, the most common kind. */
export function badInput(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return userError('BAD_USER_INPUT', message, extensions);
}

/** The error of a request whose database connection failed: retryable, HTTP 503. */
export function databaseUnavailable(extensions: Record<string, unknown> = {}): GraphQLError {
  return userError(
    'DATABASE_UNAVAILABLE',
    `the database connection failed while serving this request (database restart, failover or network); retry in ${RETRY_AFTER_SECONDS} s`,
    extensions,
  );
}
