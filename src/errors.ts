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
  | 'INTERNAL_SERVER_ERROR';

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  RATE_LIMITED: 429,
};

/**
 * The one way to build an error a client sees: a stable code, a message that says
 * what to change, and optional details in `extensions`.
 */
export function userError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  const status = HTTP_STATUS[code];
  return new GraphQLError(message, {
    extensions: { code, ...extensions, ...(status ? { http: { status } } : {}) },
  });
}

/** A BAD_USER_INPUT error, the most common kind. */
export function badInput(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return userError('BAD_USER_INPUT', message, extensions);
}
