import type { DocumentNode, GraphQLSchema } from 'graphql';

/**
 * Remembers what a plugin computed about a parsed document, per schema, document and a
 * key of the plugin's choosing (operation name, role, variables). Yoga's parser cache
 * hands every request with the same query text the same DocumentNode, so analysing a
 * document (walking it with TypeInfo, estimating its cost) happens once per distinct
 * document instead of once per request. Entries go with their document; at most
 * `perDocument` keys are kept for one document (the oldest is dropped first).
 */
export function documentMemo<T>(perDocument = 64): (schema: GraphQLSchema, document: DocumentNode, key: string, compute: () => T) => T {
  const bySchema = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, T>>>();
  return (schema, document, key, compute) => {
    let byDocument = bySchema.get(schema);
    if (!byDocument) {
      byDocument = new WeakMap();
      bySchema.set(schema, byDocument);
    }
    let entries = byDocument.get(document);
    if (!entries) {
      entries = new Map();
      byDocument.set(document, entries);
    }
    if (entries.has(key)) return entries.get(key) as T;
    const value = compute();
    if (entries.size >= perDocument) entries.delete(entries.keys().next().value as string);
    entries.set(key, value);
    return value;
  };
}
