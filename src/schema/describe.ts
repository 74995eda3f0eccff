import { isObjectType, isInterfaceType, type GraphQLSchema } from 'graphql';

// Fields the relay plugin generates carry no description; they mean the same thing on
// every connection, so they are described here once instead of at each call site.
const BOILERPLATE: Record<string, string> = {
  id: 'Global object id (opaque; pass it to node(id:) or to filters).',
  edges: 'The page, each item with its cursor.',
  nodes: 'The page, items only.',
  node: 'The item.',
  cursor: 'Opaque cursor of this item, for after/before.',
  pageInfo: 'Where this page sits in the whole list.',
  totalCount: 'How many items match, across all pages.',
  hasNextPage: 'Whether more items follow this page.',
  hasPreviousPage: 'Whether items precede this page.',
  startCursor: 'Cursor of the first item of the page.',
  endCursor: 'Cursor of the last item of the page.',
  after: 'Return items after this cursor.',
  before: 'Return items before this cursor.',
  first: 'How many items from the start (at most 100).',
  last: 'How many items from the end (at most 100).',
  ids: 'Global object ids.',
};

/** Fills in descriptions of generated Relay fields, types and arguments that have none. */
export function describeBoilerplate(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (!type.description) {
      if (type.name === 'PageInfo') type.description = 'Paging state of a connection.';
      else if (type.name === 'Node') type.description = 'An object with a global id, fetchable with node(id:).';
      else if (type.name.endsWith('ConnectionEdge') || type.name.endsWith('Edge')) type.description = 'An item of a connection and its cursor.';
      else if (type.name.endsWith('Connection')) type.description = 'A page of a list, Relay style.';
    }
    if (!isObjectType(type) && !isInterfaceType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      field.description ??= BOILERPLATE[field.name] ?? null;
      for (const arg of field.args) arg.description ??= BOILERPLATE[arg.name] ?? null;
    }
  }
  return schema;
}
