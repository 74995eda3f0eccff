import {
  getNamedType,
  getOperationAST,
  isObjectType,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLError,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { userError } from '../errors.ts';
import type { RoleName, Viewer } from '../schema/context.ts';

// The whole access policy is this file: which role may call which root field, and which
// types only ADMIN may read. Everything not listed falls to the safe side: a new
// Mutation field is ADMIN only, a new Query field needs a reading role (and its rows are
// limited by the viewer's team scope, see src/schema/scope.ts and src/auth/row-guard.ts).

/** Roles that read support data (a TEAM_LEAD only its teams'). */
export const READER_ROLES: readonly RoleName[] = ['ADMIN', 'ANALYST', 'TEAM_LEAD'];
/** Every role. */
export const ALL_ROLES: readonly RoleName[] = ['ADMIN', 'ANALYST', 'TEAM_LEAD', 'INGEST'];
const ADMIN_ONLY: readonly RoleName[] = ['ADMIN'];
const INGESTERS: readonly RoleName[] = ['ADMIN', 'INGEST'];

/** Mutations an INGEST token may call: the source-data upserts. Any other mutation is ADMIN only. */
export const INGEST_MUTATIONS: ReadonlySet<string> = new Set([
  'upsertTeams',
  'upsertAgents',
  'upsertCustomers',
  'upsertCategories',
  'upsertTickets',
  'upsertFeedback',
]);

/** Query fields every token may call, INGEST included. */
export const OPEN_QUERY_FIELDS: ReadonlySet<string> = new Set(['viewer']);

/** Query fields only ADMIN may call: administration, not support data. */
export const ADMIN_QUERY_FIELDS: ReadonlySet<string> = new Set(['apiTokens', 'reports', 'report', 'reportRuns', 'connections', 'alertRules', 'alertEvents']);

/**
 * Types only ADMIN may read wherever they turn up (`node(id:)`, nested fields): tokens,
 * and saved reports, whose links read with their creator's scope.
 */
export const ADMIN_TYPES: ReadonlySet<string> = new Set(['ApiToken', 'CreatedApiToken', 'Report', 'ReportRun', 'CreatedReport', 'Connection', 'AlertRule', 'AlertEvent']);

/** The roles that may call a root field of the given operation type. */
export function rolesFor(operation: 'query' | 'mutation' | 'subscription', field: string): readonly RoleName[] {
  if (field.startsWith('__')) return ALL_ROLES;
  if (operation === 'query') {
    if (OPEN_QUERY_FIELDS.has(field)) return ALL_ROLES;
    if (ADMIN_QUERY_FIELDS.has(field)) return ADMIN_ONLY;
    return READER_ROLES;
  }
  if (operation === 'mutation' && INGEST_MUTATIONS.has(field)) return INGESTERS;
  return ADMIN_ONLY;
}

function rootFields(
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  out: Set<string>,
  seen: Set<string>,
): Set<string> {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) out.add(selection.name.value);
    else if (selection.kind === Kind.INLINE_FRAGMENT) rootFields(selection.selectionSet, fragments, out, seen);
    else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (fragment && !seen.has(name)) {
        seen.add(name);
        rootFields(fragment.selectionSet, fragments, out, seen);
      }
    }
  }
  return out;
}

const forbidden = (viewer: Viewer, what: string, roles: readonly RoleName[]) =>
  userError('FORBIDDEN', `${what} needs the ${roles.join(' or ')} role; this token has ${viewer.role}`, {
    role: viewer.role,
    requiredRoles: roles,
  });

/**
 * Checks an operation against the policy before it runs: each root field's roles, and
 * no field of an ADMIN-only type for anyone else. Returns the first refusal, or null.
 */
export function accessViolation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  viewer: Viewer,
): GraphQLError | null {
  const operation = getOperationAST(document, operationName ?? undefined);
  if (!operation) return null;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  for (const field of rootFields(operation.selectionSet, fragments, new Set(), new Set())) {
    const roles = rolesFor(operation.operation, field);
    if (!roles.includes(viewer.role)) return forbidden(viewer, `${operation.operation} field ${field}`, roles);
  }
  if (viewer.role === 'ADMIN') return null;
  const typeInfo = new TypeInfo(schema);
  let violation: GraphQLError | null = null;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        if (violation || node.name.value === '__typename') return;
        const parent = typeInfo.getParentType();
        const type = typeInfo.getType();
        const named = type ? getNamedType(type) : null;
        if (parent && ADMIN_TYPES.has(parent.name)) violation = forbidden(viewer, `reading ${parent.name}`, ADMIN_ONLY);
        else if (named && isObjectType(named) && ADMIN_TYPES.has(named.name)) {
          violation = forbidden(viewer, `reading ${named.name}`, ADMIN_ONLY);
        }
      },
      InlineFragment(node) {
        if (!violation && node.typeCondition && ADMIN_TYPES.has(node.typeCondition.name.value)) {
          violation = forbidden(viewer, `reading ${node.typeCondition.name.value}`, ADMIN_ONLY);
        }
      },
    }),
  );
  return violation;
}
