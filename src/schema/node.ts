// The Node interface and node/nodes fields come from the relay plugin; every entity
// registers itself with builder.prismaNode. This file holds the viewer-scoped lookup
// rules: node(id:) uses them one id at a time, nodes(ids:) one statement per type.
import { brandWithType, type OutputType, type SchemaTypes } from '@pothos/core';
import { queryFromInfo } from '@pothos/plugin-prisma';
import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from './context.ts';

/** A Prisma delegate as nodes(ids:) uses it: one findMany per type. */
interface FindManyDelegate {
  findMany(args: { where: object } & Record<string, unknown>): Promise<Array<Record<string, unknown>>>;
}

// typename -> the rows of that type the viewer may read.
const scopes = new Map<string, (ctx: Context) => object>();

/**
 * Registers the viewer scope of a node type (named like its Prisma model) and returns
 * the `findUnique` for its prismaNode, so node(id:) and nodes(ids:) apply one rule.
 */
export function nodeScope<W extends object>(typeName: string, scope: (ctx: Context) => W) {
  scopes.set(typeName, scope);
  return (id: string | number, ctx: Context): { id: number; AND: W[] } => ({ id: Number(id), AND: [scope(ctx)] });
}

/** A parsed global id, as the relay plugin hands `nodes(ids:)` its argument. */
export interface ParsedGlobalId {
  typename: string;
  id: string;
}

const modelKey = (typeName: string) => typeName.charAt(0).toLowerCase() + typeName.slice(1);

/**
 * Resolves `nodes(ids:)` with one findMany per type (the ids cap keeps it bounded), in
 * the order asked, null for a missing id or one outside the viewer's scope. Ids of a
 * type without a registered scope go through `fallback`, the relay plugin's own
 * one-id-at-a-time loading, so no type loses its rules.
 */
export async function resolveNodesByType(
  ids: readonly (ParsedGlobalId | null | undefined)[],
  ctx: Context,
  info: GraphQLResolveInfo,
  fallback: () => Promise<readonly unknown[]>,
): Promise<unknown[]> {
  if (ids.some((id) => id && !scopes.has(id.typename))) return [...(await fallback())];
  const byType = new Map<string, Set<number>>();
  for (const id of ids) {
    if (!id) continue;
    const numeric = Number(id.id);
    // Non-integer ids cannot name a row; they answer null like a missing one.
    if (!Number.isSafeInteger(numeric)) continue;
    if (!byType.has(id.typename)) byType.set(id.typename, new Set());
    byType.get(id.typename)!.add(numeric);
  }
  const client = ctx.db.prisma as unknown as Record<string, FindManyDelegate>;
  const found = new Map<string, Record<string, unknown>>();
  await Promise.all(
    [...byType].map(async ([typename, wanted]) => {
      const query = queryFromInfo({ context: ctx, info, typeName: typename }) as Record<string, unknown>;
      // The answer is matched back to the ids asked by `id`, selected or not.
      if (query.select) query.select = { ...(query.select as object), id: true };
      const scope = scopes.get(typename)!(ctx);
      const rows = await client[modelKey(typename)].findMany({ ...query, where: { AND: [{ id: { in: [...wanted] } }, scope] } });
      for (const row of rows) {
        // The Node interface resolves a row's type from this brand, as the relay plugin's own loader sets it.
        brandWithType(row, typename as OutputType<SchemaTypes>);
        found.set(`${typename}:${String(row.id)}`, row);
      }
    }),
  );
  return ids.map((id) => (id ? found.get(`${id.typename}:${Number(id.id)}`) ?? null : null));
}
