import { GraphQLError, Kind, visit, type DocumentNode, type ExecutionResult, type OperationDefinitionNode } from 'graphql';
import { IANAZone } from 'luxon';
import { badInput, userError } from '../errors.ts';
import { captureScope } from '../request-scope.ts';
import type { Context } from '../schema/context.ts';
import type { SupportgraphServer } from '../server.ts';
import { valueAt } from './flatten.ts';
import { planExport, type ExportPlan, type PlanOptions } from './plan.ts';

/**
 * The server an export runs through: its enveloped pipeline (parse, validate, context,
 * execute with every plugin), so exports obey the same rules as /graphql.
 */
export type GraphqlGateway = Pick<SupportgraphServer, 'getEnveloped'>;

/**
 * Whose rights a query runs with: an HTTP request (the server's context factory reads
 * its credentials, exactly as for /graphql), or a ready context (a saved report runs
 * with the scope stored on it).
 */
export type ContextSource =
  | { kind: 'request'; initialContext: { request: Request } & Record<string, unknown> }
  | { kind: 'context'; context: Context };

/** A query to export, as `POST /export` and saved reports carry it. */
export interface QueryInput {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

/** A query that parsed, validated and answered its first page; `pages()` yields every page's data. */
export interface PreparedQuery {
  plan: ExportPlan;
  variables: Record<string, unknown>;
  /** The data of each page in order, the first one already fetched. */
  pages(): AsyncGenerator<unknown>;
}

type Enveloped = ReturnType<GraphqlGateway['getEnveloped']>;

function firstError(errors: readonly GraphQLError[]): GraphQLError {
  const error = errors[0];
  if (typeof error.extensions?.code === 'string') return error;
  return badInput(error.message, errors.length > 1 ? { errors: errors.map((e) => e.message) } : {});
}

async function run(
  enveloped: Enveloped,
  document: DocumentNode,
  contextValue: Context,
  variableValues: Record<string, unknown>,
): Promise<unknown> {
  const result = (await enveloped.execute({ schema: enveloped.schema, document, contextValue, variableValues })) as
    | ExecutionResult
    | AsyncIterable<unknown>;
  if (Symbol.asyncIterator in result) throw badInput('exports do not support @defer or @stream; remove them from the query');
  // Partial data would make a silently incomplete file: any error fails the export.
  if (result.errors && result.errors.length > 0) throw firstError(result.errors);
  return result.data ?? null;
}

/**
 * Parses, validates and plans a query through the server's pipeline, builds the context
 * (running the server's authentication for a request), and fetches the first page, so
 * that every mistake is reported before the first byte of a file is written.
 */
export async function prepareQuery(
  gateway: GraphqlGateway,
  source: ContextSource,
  input: QueryInput,
  options: PlanOptions,
): Promise<PreparedQuery> {
  if (typeof input.query !== 'string' || input.query.trim() === '') throw badInput('query is required: a GraphQL document', { argument: 'query' });
  const variables = input.variables ?? {};
  if (typeof variables !== 'object' || Array.isArray(variables)) throw badInput('variables must be a JSON object', { argument: 'variables' });
  const initialContext =
    source.kind === 'request'
      ? { ...source.initialContext, params: { query: input.query, variables, operationName: input.operationName ?? undefined } }
      : { request: new Request('http://supportgraph.internal/export'), params: { query: input.query, variables } };
  const enveloped = gateway.getEnveloped(initialContext);
  const { schema } = enveloped;

  let document: DocumentNode;
  try {
    document = enveloped.parse(input.query);
  } catch (error) {
    throw badInput(`query: ${(error as Error).message}`, { argument: 'query' });
  }
  const errors = enveloped.validate(schema, document);
  if (errors.length > 0) throw firstError(errors);

  const plan = planExport(schema, document, input.operationName, variables, options);
  if (plan.document !== document) {
    const rewritten = enveloped.validate(schema, plan.document);
    if (rewritten.length > 0) throw userError('INTERNAL_SERVER_ERROR', `export paging rewrite is invalid: ${rewritten[0].message}`);
  }

  const contextValue = source.kind === 'request' ? ((await enveloped.contextFactory()) as unknown as Context) : source.context;
  const paging = plan.paging;
  const pageVariables = (after: string | null): Record<string, unknown> =>
    paging ? { ...variables, [paging.afterVariable]: after } : variables;
  const first = await run(enveloped, plan.document, contextValue, pageVariables(paging?.initialAfter ?? null));
  // Later pages run in the request's scope too (its statement timeout, cancellation when
  // the client leaves, statement counts): a CSV response's reader pulls them from
  // outside it, so without this they ran with none of these.
  const inRequestScope = captureScope();

  async function* pages(): AsyncGenerator<unknown> {
    let data = first;
    yield data;
    if (!paging) return;
    let seen = paging.initialAfter;
    for (;;) {
      const info = valueAt(data, [...paging.connectionPath, paging.pageInfoKey]) as
        | { hasNextPage?: boolean; endCursor?: string | null }
        | undefined;
      const cursor = info?.endCursor ?? null;
      if (!info?.hasNextPage || cursor === null || cursor === seen) return;
      seen = cursor;
      // A fresh loader cache per page: memory stays flat however many pages follow.
      contextValue.loaders.clear();
      data = await inRequestScope(() => run(enveloped, plan.document, contextValue, pageVariables(cursor)));
      yield data;
    }
  }
  return { plan, variables, pages };
}

/**
 * The time zone an export shows instants in: the one asked for, else the query's
 * `timeZone` variable, else a literal `timeZone:` argument in the query, else UTC.
 */
export function exportTimeZone(operation: OperationDefinitionNode, variables: Record<string, unknown>, explicit?: string | null): string {
  const candidates: unknown[] = [explicit, variables.timeZone];
  visit(operation, {
    Argument(node) {
      if (node.name.value === 'timeZone') {
        if (node.value.kind === Kind.STRING) candidates.push(node.value.value);
        else if (node.value.kind === Kind.VARIABLE) candidates.push(variables[node.value.name.value]);
      }
    },
  });
  for (const zone of candidates) {
    if (typeof zone === 'string' && zone !== '') {
      if (!IANAZone.isValidZone(zone)) throw badInput(`timeZone "${zone}" is not an IANA time zone such as Europe/Berlin`, { argument: 'timeZone' });
      return zone;
    }
  }
  return 'UTC';
}
