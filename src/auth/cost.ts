import {
  getNamedType,
  getNullableType,
  getOperationAST,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { getArgumentValues } from 'graphql/execution/values.js';
import type { Plugin } from 'graphql-yoga';
import { bucketCount, type Granularity, type IsoWeekday } from '../analytics/buckets.ts';
import { userError } from '../errors.ts';
import { documentMemo } from '../schema/document-memo.ts';
import { DEFAULT_PAGE_SIZE } from '../schema/pagination.ts';
import { MAX_BREAKDOWN_GROUPS, MAX_LIST_ARGUMENT, MAX_NODE_IDS } from '../limits.ts';

// Cost = how many field values an operation can make the server produce: every field
// counts 1 for each time it resolves, and a field that returns many items multiplies
// its sub-selection. The multipliers are read from the arguments as the resolvers will
// see them, literal or variable: first/last of a connection, ids of nodes(ids:), the
// buckets of a time series, the groups × buckets of a breakdown.

/** Items a list without a size argument is assumed to hold. */
export const DEFAULT_LIST_ESTIMATE = DEFAULT_PAGE_SIZE;
/** Groups a breakdown dimension with no fixed set of values is assumed to have. */
export const DEFAULT_GROUP_ESTIMATE = 100;
/** Values (and the null group) of the breakdown dimensions that are enums. */
const DIMENSION_GROUPS: Record<string, number> = { CHANNEL: 7, PRIORITY: 5, STATUS: 7, CUSTOMER_TIER: 5 };

/** The cost of an operation and its most expensive root field. */
export interface CostEstimate {
  cost: number;
  largest: { field: string; cost: number } | null;
  /** Arguments over a cap; the operation is refused when there is any. */
  problems: ArgumentProblem[];
}

interface Walk {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  /** Arguments over a cap (list lengths, nodes ids, breakdown limit), first found first. */
  problems: ArgumentProblem[];
  /** Queries only: mutations validate their input rows themselves, naming each row. */
  checkArguments: boolean;
}

/** An argument value over one of the caps of src/limits.ts. */
export interface ArgumentProblem {
  /** `field(argument.path)`, e.g. `tickets(filter.tags)`. */
  field: string;
  message: string;
}

/** Values in the lists of an argument value (each costs one), and lists over the cap. */
function listValues(value: unknown, path: string, field: string, problems: ArgumentProblem[], depth = 0): number {
  if (depth > 20 || value === null || typeof value !== 'object') return 0;
  if (Array.isArray(value)) {
    if (value.length > MAX_LIST_ARGUMENT) {
      problems.push({ field: `${field}(${path})`, message: `${field}(${path}) has ${value.length} values; the limit is ${MAX_LIST_ARGUMENT}` });
    }
    return value.length + value.reduce<number>((sum, item, i) => sum + listValues(item, `${path}[${i}]`, field, problems, depth + 1), 0);
  }
  let total = 0;
  for (const [key, item] of Object.entries(value)) total += listValues(item, path ? `${path}.${key}` : key, field, problems, depth + 1);
  return total;
}

/** Checks a field's arguments against the caps; returns what its list arguments cost. */
function argumentCost(field: GraphQLField<unknown, unknown>, args: Record<string, unknown>, walk: Walk): number {
  let cost = 0;
  for (const [name, value] of Object.entries(args)) {
    if (field.name === 'nodes' && name === 'ids' && Array.isArray(value)) {
      if (value.length > MAX_NODE_IDS) {
        walk.problems.push({ field: 'nodes(ids)', message: `nodes(ids) asks for ${value.length} ids; the limit is ${MAX_NODE_IDS}: split the ids into several requests` });
      }
      continue; // the ids are counted as items by multiplier()
    }
    if (name === 'limit' && 'by' in args && typeof value === 'number' && value > MAX_BREAKDOWN_GROUPS) {
      walk.problems.push({ field: `${field.name}(limit)`, message: `${field.name}(limit) is ${value}; the limit is ${MAX_BREAKDOWN_GROUPS} groups: filter, or page by a narrower dimension` });
    }
    cost += listValues(value, name, field.name, walk.problems);
  }
  return cost;
}

interface Scope {
  /** Buckets of the enclosing breakdown, for its groups' `buckets` lists. */
  buckets: number | null;
  /** Inside a connection: its edges/nodes lists are already counted by the page size. */
  inConnection: boolean;
}

function toDate(value: unknown): Date | null {
  if (value instanceof Date) return value;
  if (typeof value === 'string' || typeof value === 'number') {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? null : date;
  }
  return null;
}

const WEEKDAYS: Record<string, IsoWeekday> = { MONDAY: 1, TUESDAY: 2, WEDNESDAY: 3, THURSDAY: 4, FRIDAY: 5, SATURDAY: 6, SUNDAY: 7 };

/** Buckets a (range, granularity, timeZone) argument set asks for; null when it cannot tell. */
function bucketsOf(args: Record<string, unknown>): number | null {
  const range = args.range as { from?: unknown; to?: unknown } | undefined;
  const granularity = args.granularity;
  if (!range || typeof granularity !== 'string') return null;
  const from = toDate(range.from);
  const to = toDate(range.to);
  if (!from || !to || from.getTime() >= to.getTime()) return null;
  const weekStart = typeof args.weekStart === 'number' ? args.weekStart : WEEKDAYS[String(args.weekStart)] ?? 1;
  try {
    return bucketCount(
      { from, to },
      { granularity: granularity as Granularity, timeZone: typeof args.timeZone === 'string' ? args.timeZone : 'UTC', weekStart: weekStart as IsoWeekday },
    );
  } catch {
    // An invalid zone or the like: the resolver reports it with a better message.
    return null;
  }
}

function groupsOf(args: Record<string, unknown>): number {
  const by = Array.isArray(args.by) ? args.by : [];
  const estimate = by.reduce<number>((product, dimension) => product * (DIMENSION_GROUPS[String(dimension)] ?? DEFAULT_GROUP_ESTIMATE), 1);
  // Enum dimensions have a known number of groups; the others as many as `limit` asks for.
  const bounded = by.every((dimension) => String(dimension) in DIMENSION_GROUPS);
  const limit = typeof args.limit === 'number' && args.limit > 0 ? args.limit : null;
  if (limit === null) return Math.max(1, estimate);
  return Math.max(1, bounded ? Math.min(limit, estimate) : limit);
}

function argumentsOf(field: GraphQLField<unknown, unknown>, node: FieldNode, walk: Walk): Record<string, unknown> {
  try {
    return getArgumentValues(field, node, walk.variables) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** How many times a field's sub-selection resolves per resolution of the field, and the scope below it. */
function multiplier(field: GraphQLField<unknown, unknown>, args: Record<string, unknown>, scope: Scope): [number, Scope] {
  const type = getNullableType(field.type);
  const named = getNamedType(field.type);
  const isConnection = (isObjectType(named) || isInterfaceType(named)) && 'pageInfo' in named.getFields();
  const pageSize = (typeof args.first === 'number' ? args.first : null) ?? (typeof args.last === 'number' ? args.last : null);
  if (isConnection) return [Math.max(0, pageSize ?? DEFAULT_PAGE_SIZE), { buckets: null, inConnection: true }];
  if (!isListType(type)) return [1, { ...scope, inConnection: false }];
  if ('by' in args) {
    // Without a granularity a group's `buckets` is null: nothing below it resolves.
    const buckets = 'granularity' in args && args.granularity ? (bucketsOf(args) ?? 1) : 0;
    return [groupsOf(args), { buckets, inConnection: false }];
  }
  if ('range' in args && 'granularity' in args) return [bucketsOf(args) ?? 1, { buckets: null, inConnection: false }];
  if (Array.isArray(args.ids)) return [args.ids.length, { buckets: null, inConnection: false }];
  if (pageSize !== null) return [Math.max(0, pageSize), { buckets: null, inConnection: false }];
  if (scope.inConnection) return [1, { buckets: null, inConnection: false }];
  if (field.name === 'buckets' && scope.buckets !== null) return [scope.buckets, { buckets: null, inConnection: false }];
  return [DEFAULT_LIST_ESTIMATE, { buckets: null, inConnection: false }];
}

function selectionCost(
  selectionSet: SelectionSetNode,
  parent: GraphQLNamedType,
  times: number,
  scope: Scope,
  walk: Walk,
  fragmentsSeen: readonly string[],
  roots?: Map<string, number>,
): number {
  let total = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      const name = selection.name.value;
      if (name.startsWith('__')) continue;
      if (!isObjectType(parent) && !isInterfaceType(parent)) continue;
      const field = parent.getFields()[name];
      if (!field) continue;
      let cost = times;
      const args = field.args.length > 0 ? argumentsOf(field, selection, walk) : {};
      // Each value of a list argument (ids, tags, category ids) is work for the SQL.
      if (walk.checkArguments) cost += times * argumentCost(field, args, walk);
      if (selection.selectionSet) {
        const [factor, below] = multiplier(field, args, scope);
        cost += selectionCost(selection.selectionSet, getNamedType(field.type), times * factor, below, walk, fragmentsSeen);
      }
      total += cost;
      if (roots) roots.set(name, (roots.get(name) ?? 0) + cost);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const type = selection.typeCondition ? walk.schema.getType(selection.typeCondition.name.value) : parent;
      if (type) total += selectionCost(selection.selectionSet, type, times, scope, walk, fragmentsSeen, roots);
    } else {
      const name = selection.name.value;
      const fragment = walk.fragments.get(name);
      if (!fragment || fragmentsSeen.includes(name)) continue;
      const type = walk.schema.getType(fragment.typeCondition.name.value);
      if (type) total += selectionCost(fragment.selectionSet, type, times, scope, walk, [...fragmentsSeen, name], roots);
    }
  }
  return total;
}

/** Estimates what an operation costs before it runs. */
export function estimateCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): CostEstimate {
  const operation = getOperationAST(document, operationName ?? undefined);
  if (!operation) return { cost: 0, largest: null, problems: [] };
  const root = schema.getRootType(operation.operation);
  if (!root) return { cost: 0, largest: null, problems: [] };
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const roots = new Map<string, number>();
  const walk: Walk = { schema, fragments, variables: variables ?? {}, problems: [], checkArguments: operation.operation === 'query' };
  const cost = selectionCost(operation.selectionSet, root, 1, { buckets: null, inConnection: false }, walk, [], roots);
  let largest: CostEstimate['largest'] = null;
  for (const [field, fieldCost] of roots) if (!largest || fieldCost > largest.cost) largest = { field, cost: fieldCost };
  return { cost, largest, problems: walk.problems };
}

/**
 * Refuses, before execution, an operation whose estimated cost is over `limit`
 * (QUERY_TOO_COMPLEX). Estimates are remembered per document, operation and variables.
 */
export function useCostLimit(limit: number): Plugin {
  const estimates = documentMemo<CostEstimate>();
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const variables = args.variableValues as Record<string, unknown> | null | undefined;
      const key = `${args.operationName ?? ''}\u0000${variables ? JSON.stringify(variables) : ''}`;
      const estimate = estimates(args.schema, args.document, key, () => estimateCost(args.schema, args.document, args.operationName, variables));
      if (estimate.problems.length > 0) {
        const [first] = estimate.problems;
        setResultAndStopExecution({
          errors: [userError('BAD_USER_INPUT', first.message, { field: first.field, problems: estimate.problems })],
        });
        return;
      }
      if (estimate.cost <= limit) return;
      const largest = estimate.largest ? ` (${estimate.largest.field} alone: ${estimate.largest.cost})` : '';
      setResultAndStopExecution({
        errors: [
          userError(
            'QUERY_TOO_COMPLEX',
            `this query could return about ${estimate.cost} values${largest}; the limit is ${limit}. ` +
              'Ask for fewer items (first/last, limit), fewer buckets (a coarser granularity or a shorter range) or fewer fields.',
            { cost: estimate.cost, limit },
          ),
        ],
      });
    },
  };
}
