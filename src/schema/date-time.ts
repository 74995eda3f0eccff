import { GraphQLError, GraphQLScalarType, type ValueNode } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { inInstantWindow, instantWindowMessage } from '../limits.ts';

function bounded(value: unknown): Date {
  if (!(value instanceof Date) || !inInstantWindow(value)) {
    // No code of its own: graphql-js wraps it into an error naming the variable or
    // argument, which the error masking turns into BAD_USER_INPUT.
    throw new GraphQLError(`DateTime ${value instanceof Date ? instantWindowMessage(value) : 'is not a valid date-time'}`);
  }
  return value;
}

/**
 * graphql-scalars' RFC 3339 DateTime, accepting only instants in the documented window
 * (src/limits.ts): year 0 or 9999-12-31 in some zone would otherwise reach PostgreSQL
 * and fail there.
 */
export const BoundedDateTime = new GraphQLScalarType<Date, Date | string>({
  name: 'DateTime',
  description: `${DateTimeResolver.description ?? ''} Accepted from 1970-01-01T00:00:00Z up to (not including) 3000-01-01T00:00:00Z.`.trim(),
  serialize: (value) => DateTimeResolver.serialize(value) as Date | string,
  parseValue: (value) => bounded(DateTimeResolver.parseValue(value)),
  parseLiteral: (ast: ValueNode, variables) => bounded(DateTimeResolver.parseLiteral(ast, variables)),
  extensions: DateTimeResolver.extensions,
});
