import { printSchema } from 'graphql';
import { buildSchema } from './index.ts';

/** The schema as committed in schema.graphql: sorted SDL with a trailing newline. */
export function printSchemaFile(): string {
  return `${printSchema(buildSchema())}\n`;
}
