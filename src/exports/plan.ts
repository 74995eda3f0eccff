import {
  getNamedType,
  getNullableType,
  isCompositeType,
  isEnumType,
  isInterfaceType,
  isListType,
  isObjectType,
  isScalarType,
  Kind,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { badInput } from '../errors.ts';
import { columnFormat, columnHeader, type ColumnFormat, type ColumnKind, type FieldSegment } from './labels.ts';

export type { ColumnKind } from './labels.ts';

/** One column of an export: its names and where its value sits inside a row item. */
export interface Column {
  /** The response keys from the row item down to the value, joined with dots: JSON's key. */
  name: string;
  /** The readable header CSV and XLSX write, with the unit of the written value: `First response time, median (h)`. */
  header: string;
  /** Response keys from the row item to the value. */
  path: string[];
  /** The schema fields behind `name`, one per step (the header is made from them). */
  segments: FieldSegment[];
  kind: ColumnKind;
  /** Decimals CSV and XLSX round the written number to; null for non-numbers. */
  decimals: number | null;
  /** The unit of the written value, stated in the header (`h`, `s`, `%`); null for none. */
  unit: string | null;
}

/**
 * How to turn one list of the result into rows: each item gives one row of `columns`,
 * or, when `nested` is set, one row per item of that inner list with the item's own
 * columns repeated (a long table, like breakdown groups with their buckets).
 */
export interface TablePlan {
  /** Response keys from the enclosing object (the data root, or the outer row item) to the list. */
  listPath: string[];
  columns: Column[];
  nested: TablePlan | null;
}

/** A table of the export: a sheet name and how to read its rows from the result. */
export interface ExportTable {
  /** Sheet name for XLSX; the root field's response key, or `Export` for a single row. */
  name: string;
  /** How to read the rows; with `isList` false, one row of columns read from the data root. */
  plan: TablePlan;
  /** Whether `plan.listPath` names a list (false: one row from the root object). */
  isList: boolean;
}

/** The connection the exporter pages through with `after` cursors. */
export interface PagingTarget {
  /** Response keys from the data root to the connection object. */
  connectionPath: string[];
  /** The response key the rewritten query uses for `pageInfo { hasNextPage endCursor }`. */
  pageInfoKey: string;
  /** The variable carrying the cursor. */
  afterVariable: string;
  /** The first cursor, when the query gave `after` itself. */
  initialAfter: string | null;
}

/** Everything the exporter needs to know about a query before running it. */
export interface ExportPlan {
  operation: OperationDefinitionNode;
  /** The document to execute: fragments inlined and, when paging, rewritten for cursors. */
  document: DocumentNode;
  tables: ExportTable[];
  paging: PagingTarget | null;
}

/** Rows fetched per page when the exporter pages through a connection. */
export const EXPORT_PAGE_SIZE = 100;

const PAGE_INFO_KEY = '__exportPageInfo';
const AFTER_VARIABLE = '__exportAfter';

// --- the shape of a selection, typed by the schema ---------------------------------

interface LeafShape {
  kind: 'leaf';
  format: ColumnFormat;
  /** The fields from the data root down to this leaf. */
  trail: FieldSegment[];
}
interface ObjectShape {
  kind: 'object';
  fields: Map<string, Shape>;
}
interface ListShape {
  kind: 'list';
  item: ObjectShape;
  /** The fields from the data root down to this list. */
  trail: FieldSegment[];
}
type Shape = LeafShape | ObjectShape | ListShape;

function mergeInto(target: ObjectShape, key: string, shape: Shape): void {
  const existing = target.fields.get(key);
  if (!existing) {
    target.fields.set(key, shape);
    return;
  }
  // Validation guarantees fields with one response key have one type; merge their selections.
  const a = existing.kind === 'list' ? existing.item : existing;
  const b = shape.kind === 'list' ? shape.item : shape;
  if (a.kind === 'object' && b.kind === 'object') for (const [k, s] of b.fields) mergeInto(a, k, s);
}

function unwrapList(type: GraphQLOutputType): { named: GraphQLNamedType; list: boolean; depth: number } {
  let current = getNullableType(type) as GraphQLOutputType;
  let depth = 0;
  while (isListType(current)) {
    depth += 1;
    current = getNullableType(current.ofType) as GraphQLOutputType;
  }
  return { named: getNamedType(current), list: depth > 0, depth };
}

const JSON_FORMAT: ColumnFormat = { kind: 'json', decimals: null, unit: null };
const TEXT_FORMAT: ColumnFormat = { kind: 'text', decimals: null, unit: null };

function shapeOfSelection(
  schema: GraphQLSchema,
  selectionSet: SelectionSetNode,
  parent: GraphQLCompositeType,
  into: ObjectShape,
  trail: FieldSegment[],
): ObjectShape {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
      if (condition && isCompositeType(condition)) shapeOfSelection(schema, selection.selectionSet, condition, into, trail);
      continue;
    }
    if (selection.kind !== Kind.FIELD) continue; // fragment spreads are inlined before planning
    const key = selection.alias?.value ?? selection.name.value;
    const name = selection.name.value;
    if (name === '__typename') {
      const here = [...trail, { parentType: parent.name, field: name, key, type: 'String' }];
      mergeInto(into, key, { kind: 'leaf', format: columnFormat(here, false), trail: here });
      continue;
    }
    const field = fieldOf(parent, name);
    if (!field) continue;
    const { named, list, depth } = unwrapList(field.type);
    const here = [...trail, { parentType: parent.name, field: name, key, type: named.name }];
    if (isCompositeType(named) && selection.selectionSet) {
      const item = shapeOfSelection(schema, selection.selectionSet, named, { kind: 'object', fields: new Map() }, here);
      // Lists of lists are too irregular for a table; their items are written as JSON.
      if (depth > 1) mergeInto(into, key, { kind: 'leaf', format: JSON_FORMAT, trail: here });
      else mergeInto(into, key, list ? { kind: 'list', item, trail: here } : item);
    } else {
      const format = depth > 1 ? JSON_FORMAT : isEnumType(named) || !isScalarType(named) ? TEXT_FORMAT : columnFormat(here, list);
      mergeInto(into, key, { kind: 'leaf', format, trail: here });
    }
  }
  return into;
}

function fieldOf(parent: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  if (isObjectType(parent) || isInterfaceType(parent)) return parent.getFields()[name];
  return undefined;
}

// --- fragments -----------------------------------------------------------------------

/**
 * Replaces every named fragment spread with an inline fragment of the same type, so
 * each field of the operation has exactly one node the exporter can find and rewrite.
 */
export function inlineFragments(document: DocumentNode, operation: OperationDefinitionNode): OperationDefinitionNode {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const inline = (node: OperationDefinitionNode | FragmentDefinitionNode, seen: Set<string>): typeof node =>
    visit(node, {
      FragmentSpread(spread) {
        const fragment = fragments.get(spread.name.value);
        if (!fragment || seen.has(fragment.name.value)) return null;
        const expanded = inline(fragment, new Set([...seen, fragment.name.value])) as FragmentDefinitionNode;
        return {
          kind: Kind.INLINE_FRAGMENT,
          typeCondition: expanded.typeCondition,
          directives: spread.directives,
          selectionSet: expanded.selectionSet,
        };
      },
    });
  return inline(operation, new Set()) as OperationDefinitionNode;
}

/** The operation a document runs: the named one, or the only one. */
export function selectOperation(document: DocumentNode, operationName?: string | null): OperationDefinitionNode {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operationName) {
    const named = operations.find((op) => op.name?.value === operationName);
    if (!named) throw badInput(`operationName "${operationName}" names no operation in the query`, { argument: 'operationName' });
    return named;
  }
  if (operations.length !== 1) {
    throw badInput(`the query holds ${operations.length} operations; give operationName to pick the one to export`, {
      argument: 'operationName',
    });
  }
  return operations[0];
}

// --- tables --------------------------------------------------------------------------

interface FoundList {
  path: string[];
  list: ListShape;
}

/** Lists reachable from an object without passing through another list. */
function listsIn(shape: ObjectShape, prefix: string[] = []): FoundList[] {
  const found: FoundList[] = [];
  for (const [key, child] of shape.fields) {
    if (child.kind === 'list') found.push({ path: [...prefix, key], list: child });
    else if (child.kind === 'object') found.push(...listsIn(child, [...prefix, key]));
  }
  return found;
}

function makeColumn(name: string, path: string[], segments: FieldSegment[], format: ColumnFormat): Column {
  return { name, header: columnHeader(segments, format), path, segments, kind: format.kind, decimals: format.decimals, unit: format.unit };
}

function leafColumns(shape: ObjectShape, prefix: string[] = []): Column[] {
  const columns: Column[] = [];
  for (const [key, child] of shape.fields) {
    const path = [...prefix, key];
    if (child.kind === 'leaf') columns.push(makeColumn(path.join('.'), path, child.trail.slice(-path.length), child.format));
    else if (child.kind === 'object') columns.push(...leafColumns(child, path));
  }
  return columns;
}

const describeLists = (lists: FoundList[], prefix: string[]): string =>
  lists.map((l) => [...prefix, ...l.path].join('.')).join(', ');

/**
 * Plans the rows of a list item: its own leaves, plus one row per item of at most one
 * nested list. A Relay edge's `node` fields are named without the `node.` prefix and
 * its cursor is left out.
 */
function planItem(listPath: string[], item: ObjectShape, where: string[]): TablePlan {
  let shape = item;
  let rename = (path: string[]): string => path.join('.');
  if (listPath[listPath.length - 1] === 'edges' && item.fields.get('node')?.kind === 'object') {
    shape = { kind: 'object', fields: new Map([...item.fields].filter(([key]) => key !== 'cursor')) };
    rename = (path) => (path[0] === 'node' ? path.slice(1) : path).join('.');
  }
  const inner = listsIn(shape);
  if (inner.length > 1) {
    throw badInput(
      `each ${where.join('.')} item holds ${inner.length} lists (${describeLists(inner, where)}); ` +
        'an export turns one list into rows: keep one of them in the query',
      { lists: inner.map((l) => [...where, ...l.path].join('.')) },
    );
  }
  const columns = leafColumns(shape).map((c) => ({ ...c, name: rename(c.path) }));
  if (inner.length === 0) return { listPath, columns, nested: null };
  const nestedPlan = planItem(inner[0].path, inner[0].list.item, [...where, ...inner[0].path]);
  const listSegments = inner[0].list.trail.slice(-inner[0].path.length);
  return { listPath, columns, nested: prefixNames(nestedPlan, rename(inner[0].path), listSegments) };
}

function prefixNames(plan: TablePlan, prefix: string, segments: FieldSegment[]): TablePlan {
  return {
    ...plan,
    columns: plan.columns.map((c) => {
      const prefixed = [...segments, ...c.segments];
      return { ...c, name: `${prefix}.${c.name}`, segments: prefixed, header: columnHeader(prefixed, c) };
    }),
    nested: plan.nested ? prefixNames(plan.nested, prefix, segments) : null,
  };
}

/** Every column a plan produces, outer item first, in row order. */
export function allColumns(plan: TablePlan): Column[] {
  return plan.nested ? [...plan.columns, ...allColumns(plan.nested)] : plan.columns;
}

/** Headers that would repeat (two aliases of one field, say) get their path in brackets. */
function distinctHeaders(columns: Column[]): void {
  const seen = new Map<string, number>();
  for (const column of columns) seen.set(column.header, (seen.get(column.header) ?? 0) + 1);
  for (const column of columns) if ((seen.get(column.header) ?? 0) > 1) column.header = `${column.header} [${column.name}]`;
}

function sheetName(path: string[], taken: Set<string>): string {
  const base = (path.join('.').replace(/[[\]:*?/\\]/g, '_') || 'Export').slice(0, 28);
  let name = base;
  for (let i = 2; taken.has(name.toLowerCase()); i += 1) name = `${base}_${i}`;
  taken.add(name.toLowerCase());
  return name;
}

/** Options that decide how a result may be split into tables. */
export interface PlanOptions {
  /** XLSX puts several sibling lists on one sheet each; CSV and JSON need exactly one list. */
  allowSeveralTables: boolean;
}

// --- paging --------------------------------------------------------------------------

function findFieldNodes(selectionSet: SelectionSetNode, key: string): FieldNode[] {
  const found: FieldNode[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD && (selection.alias?.value ?? selection.name.value) === key) found.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) found.push(...findFieldNodes(selection.selectionSet, key));
  }
  return found;
}

function isConnectionField(field: GraphQLField<unknown, unknown>): boolean {
  const type = getNamedType(field.type);
  if (!isObjectType(type) || isListType(getNullableType(field.type))) return false;
  const pageInfo = type.getFields().pageInfo;
  if (!pageInfo) return false;
  const info = getNamedType(pageInfo.type);
  return (
    isObjectType(info) &&
    'hasNextPage' in info.getFields() &&
    'endCursor' in info.getFields() &&
    field.args.some((a) => a.name === 'first') &&
    field.args.some((a) => a.name === 'after')
  );
}

/**
 * When the rows are the edges or nodes of a connection reached without passing a list,
 * and the query does not size the page itself (no first, last or before), rewrites the
 * connection to `first: 100, after: $__exportAfter` and adds its pageInfo, so the
 * exporter can fetch every page.
 */
function planPaging(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  listPath: string[],
  variables: Record<string, unknown>,
): { operation: OperationDefinitionNode; paging: PagingTarget } | null {
  const last = listPath[listPath.length - 1];
  if (listPath.length < 2 || (last !== 'edges' && last !== 'nodes')) return null;
  const connectionPath = listPath.slice(0, -1);

  // Walk the typed path to the connection field's nodes.
  let parent: GraphQLCompositeType | null | undefined = schema.getRootType(operation.operation);
  let selectionSets: SelectionSetNode[] = [operation.selectionSet];
  let nodes: FieldNode[] = [];
  let field: GraphQLField<unknown, unknown> | undefined;
  for (const key of connectionPath) {
    nodes = selectionSets.flatMap((set) => findFieldNodes(set, key));
    if (nodes.length === 0 || !parent) return null;
    field = fieldOf(parent, nodes[0].name.value);
    if (!field) return null;
    const named = getNamedType(field.type);
    parent = isCompositeType(named) ? named : null;
    selectionSets = nodes.flatMap((n) => (n.selectionSet ? [n.selectionSet] : []));
  }
  if (!field || !isConnectionField(field)) return null;
  const args = nodes[0].arguments ?? [];
  if (args.some((a) => ['first', 'last', 'before'].includes(a.name.value))) return null;
  const afterArg = args.find((a) => a.name.value === 'after');
  let initialAfter: string | null = null;
  if (afterArg) {
    const value = afterArg.value;
    if (value.kind === Kind.STRING) initialAfter = value.value;
    else if (value.kind === Kind.VARIABLE) {
      const given = variables[value.name.value];
      initialAfter = typeof given === 'string' ? given : null;
    }
  }
  const afterType = field.args.find((a) => a.name === 'after')!.type;
  const targets = new Set(nodes);
  const rewritten = visit(operation, {
    Field(node) {
      if (!targets.has(node)) return undefined;
      return {
        ...node,
        arguments: [
          ...(node.arguments ?? []).filter((a) => a.name.value !== 'after'),
          { kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'first' }, value: { kind: Kind.INT, value: String(EXPORT_PAGE_SIZE) } },
          {
            kind: Kind.ARGUMENT,
            name: { kind: Kind.NAME, value: 'after' },
            value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: AFTER_VARIABLE } },
          },
        ],
        selectionSet: {
          kind: Kind.SELECTION_SET,
          selections: [
            ...(node.selectionSet?.selections ?? []),
            {
              kind: Kind.FIELD,
              alias: { kind: Kind.NAME, value: PAGE_INFO_KEY },
              name: { kind: Kind.NAME, value: 'pageInfo' },
              selectionSet: {
                kind: Kind.SELECTION_SET,
                selections: ['hasNextPage', 'endCursor'].map((name) => ({ kind: Kind.FIELD, name: { kind: Kind.NAME, value: name } })),
              },
            },
          ],
        },
      } satisfies FieldNode;
    },
  }) as OperationDefinitionNode;
  const withVariable: OperationDefinitionNode = {
    ...rewritten,
    variableDefinitions: [
      ...(rewritten.variableDefinitions ?? []),
      {
        kind: Kind.VARIABLE_DEFINITION,
        variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: AFTER_VARIABLE } },
        type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: getNamedType(afterType).name } },
      },
    ],
  };
  return {
    operation: withVariable,
    paging: { connectionPath, pageInfoKey: PAGE_INFO_KEY, afterVariable: AFTER_VARIABLE, initialAfter },
  };
}

// --- the plan ------------------------------------------------------------------------

/**
 * Plans the export of a validated query: which list becomes the rows, the columns
 * (named by their path, typed by the schema so empty results still have a header),
 * and whether to page through a connection. Throws BAD_USER_INPUT for a mutation or
 * for sibling lists where only one table is possible.
 */
export function planExport(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown>,
  options: PlanOptions,
): ExportPlan {
  const selected = selectOperation(document, operationName);
  if (selected.operation !== 'query') {
    throw badInput(`exports run queries only; this operation is a ${selected.operation}`, { argument: 'query' });
  }
  const operation = inlineFragments(document, selected);
  const root = schema.getQueryType();
  if (!root) throw badInput('the schema has no query type');
  const shape = shapeOfSelection(schema, operation.selectionSet, root, { kind: 'object', fields: new Map() }, []);
  const lists = listsIn(shape);

  let tables: ExportTable[];
  if (lists.length === 0) {
    tables = [{ name: 'Export', plan: { listPath: [], columns: leafColumns(shape), nested: null }, isList: false }];
  } else if (lists.length === 1 || options.allowSeveralTables) {
    const taken = new Set<string>();
    tables = lists.map((l) => ({
      name: sheetName(lists.length === 1 ? [l.path[0]] : l.path, taken),
      plan: planItem(l.path, l.list.item, l.path),
      isList: true,
    }));
  } else {
    throw badInput(
      `the result holds ${lists.length} sibling lists (${describeLists(lists, [])}); an export turns one list into rows: ` +
        'keep one of them in the query, or export as XLSX to get one sheet per list',
      { lists: lists.map((l) => l.path.join('.')) },
    );
  }

  for (const table of tables) distinctHeaders(allColumns(table.plan));

  let finalOperation = operation;
  let paging: PagingTarget | null = null;
  if (tables.length === 1 && tables[0].isList) {
    const paged = planPaging(schema, operation, tables[0].plan.listPath, variables);
    if (paged) {
      finalOperation = paged.operation;
      paging = paged.paging;
    }
  }
  return {
    operation: finalOperation,
    document: { kind: Kind.DOCUMENT, definitions: [finalOperation] },
    tables,
    paging,
  };
}
