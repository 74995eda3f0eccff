import { GraphQLError } from 'graphql';
import { PothosValidationError } from '@pothos/core';

// Pothos and the relay plugin throw plain errors for bad cursors and global ids: these
// are the client's mistakes, so they become BAD_USER_INPUT instead of masked failures.
const USER_MISTAKE = /^(Invalid (global ID|cursor)|Cursor must be|Arguments? ".*" (is|are) not supported|Argument ".*" must be)/;

/**
 * Gives every error that reaches a client a stable `extensions.code`; unexpected
 * errors keep their message only outside production.
 */
export function maskError(error: unknown, message: string, production: boolean): GraphQLError {
  if (!(error instanceof GraphQLError)) {
    return new GraphQLError(production ? message : String((error as Error)?.message ?? error), {
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  }
  if (typeof error.extensions?.code === 'string') return error;
  const original = error.originalError;
  const options = { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path };
  // No original error: a request-level problem such as a variable of the wrong type.
  if (!original) return new GraphQLError(error.message, { ...options, extensions: { ...error.extensions, code: 'BAD_USER_INPUT' } });
  if (original instanceof GraphQLError) {
    if (typeof original.extensions?.code === 'string') {
      return new GraphQLError(original.message, { ...options, extensions: original.extensions });
    }
    // graphql-js itself raised it: a value that does not coerce (enum, scalar, variable).
    return new GraphQLError(error.message, { ...options, extensions: { ...error.extensions, code: 'BAD_USER_INPUT' } });
  }
  if (original instanceof PothosValidationError || USER_MISTAKE.test(original.message)) {
    return new GraphQLError(original.message, { ...options, extensions: { code: 'BAD_USER_INPUT' } });
  }
  return new GraphQLError(production ? message : original.message, {
    ...options,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  });
}
