import { lexicographicSortSchema, type GraphQLSchema } from 'graphql';
import { builder } from './builder.ts';
import { describeBoilerplate } from './describe.ts';
import './enums.ts';
import './filters.ts';
import './node.ts';
import './teams.ts';
import './agents.ts';
import './customers.ts';
import './categories.ts';
import './tickets.ts';
import './feedback.ts';
import './ingest.ts';
import './reports.ts';
import './sla.ts';
import './analytics.ts';
import './access.ts';
import './connections.ts';
import './planning.ts';
import { withMetricOrigins } from './monitoring.ts';

let schema: GraphQLSchema | undefined;

/** The executable GraphQL schema, built once from every domain file. */
export function buildSchema(): GraphQLSchema {
  schema ??= withMetricOrigins(describeBoilerplate(lexicographicSortSchema(builder.toSchema({ sortSchema: true }))));
  return schema;
}
