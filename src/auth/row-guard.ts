import DataLoader from 'dataloader';
import {
  defaultFieldResolver,
  getNamedType,
  getNullableType,
  isAbstractType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLField,
  type GraphQLOutputType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from 'graphql';
import { userError } from '../errors.ts';
import { loaderFor, type Context } from '../schema/context.ts';

// The team scope is applied where rows are fetched (src/schema/scope.ts, the engine's
// ticketFilterSql). This is the net under it: every field of the schema that returns a
// team-owned row (Team, Agent, Ticket, Customer, Feedback), whoever wrote it, passes the
// row through a visibility check for a scoped viewer. It catches the relations a where
// clause cannot reach: a team's ticket assigned to another team's agent, that agent's
// team, a response naming another team's agent. Out-of-scope rows read as null (or
// vanish from lists); where the schema promises a value, the field fails with FORBIDDEN.

type Row = Record<string, unknown>;
type Check = (row: Row, ctx: Context) => boolean | Promise<boolean>;

const num = (value: unknown): number | null => (typeof value === 'number' ? value : null);
const inScope = (ctx: Context, teamId: number | null) => teamId !== null && (ctx.viewer.teamIds ?? []).includes(teamId);

function customerLoader(ctx: Context): DataLoader<number, boolean> {
  return loaderFor(ctx, 'row-guard:customer', () =>
    new DataLoader<number, boolean>(async (ids) => {
      const rows = await ctx.db.prisma.ticket.findMany({
        where: { customerId: { in: [...ids] }, teamId: { in: ctx.viewer.teamIds ?? [] } },
        select: { customerId: true },
        distinct: ['customerId'],
      });
      const visible = new Set(rows.map((row) => row.customerId));
      return ids.map((id) => visible.has(id));
    }),
  );
}

function feedbackLoader(ctx: Context): DataLoader<number, boolean> {
  return loaderFor(ctx, 'row-guard:feedback', () =>
    new DataLoader<number, boolean>(async (ids) => {
      const rows = await ctx.db.prisma.feedback.findMany({
        where: {
          id: { in: [...ids] },
          OR: [
            { ticket: { teamId: { in: ctx.viewer.teamIds ?? [] } } },
            { ticketId: null, agent: { teamId: { in: ctx.viewer.teamIds ?? [] } } },
          ],
        },
        select: { id: true },
      });
      const visible = new Set(rows.map((row) => row.id));
      return ids.map((id) => visible.has(id));
    }),
  );
}

/** Who may see a row of each team-owned type; a row missing the column needed is not visible. */
export const ROW_CHECKS: Readonly<Record<string, Check>> = {
  Team: (row, ctx) => inScope(ctx, num(row.id)),
  Agent: (row, ctx) => inScope(ctx, num(row.teamId)),
  Ticket: (row, ctx) => inScope(ctx, num(row.teamId)),
  Customer: (row, ctx) => (num(row.id) === null ? false : customerLoader(ctx).load(num(row.id) as number)),
  Feedback: (row, ctx) => (num(row.id) === null ? false : feedbackLoader(ctx).load(num(row.id) as number)),
};

async function typeNameOf(type: GraphQLOutputType, value: unknown, ctx: Context, info: GraphQLResolveInfo): Promise<string | null> {
  const named = getNamedType(type);
  if (isObjectType(named)) return named.name;
  if (isAbstractType(named) && named.resolveType) {
    const name = await named.resolveType(value, ctx, info, named);
    return typeof name === 'string' ? name : null;
  }
  return null;
}

async function visible(type: GraphQLOutputType, value: unknown, ctx: Context, info: GraphQLResolveInfo): Promise<boolean> {
  if (value === null || value === undefined || typeof value !== 'object') return true;
  const name = await typeNameOf(type, value, ctx, info);
  const check = name ? ROW_CHECKS[name] : undefined;
  return check ? check(value as Row, ctx) : true;
}

async function guardValue(type: GraphQLOutputType, value: unknown, ctx: Context, info: GraphQLResolveInfo): Promise<unknown> {
  if (value === null || value === undefined) return value;
  const inner = getNullableType(type);
  if (isListType(inner) && Array.isArray(value)) {
    const items = await Promise.all(value.map(async (item) => ((await visible(inner.ofType, await item, ctx, info)) ? item : undefined)));
    const itemNullable = !isNonNullType(inner.ofType);
    return value.flatMap((item, i) => (items[i] !== undefined ? [item] : itemNullable ? [null] : []));
  }
  if (await visible(type, value, ctx, info)) return value;
  if (!isNonNullType(type)) return null;
  throw userError('FORBIDDEN', `${info.parentType.name}.${info.fieldName} leads to data outside the teams of this token`);
}

function guardsType(type: GraphQLOutputType, schema: GraphQLSchema): boolean {
  const named = getNamedType(type);
  if (named.name in ROW_CHECKS) return true;
  return isAbstractType(named) && schema.getPossibleTypes(named).some((possible) => possible.name in ROW_CHECKS);
}

const guarded = new WeakSet<GraphQLSchema>();

/**
 * Wraps, once per schema, every field that returns a team-owned type so a scoped viewer
 * only ever receives rows of its teams. Viewers without a scope pass straight through.
 */
export function guardTeamScope(schema: GraphQLSchema): GraphQLSchema {
  if (guarded.has(schema)) return schema;
  guarded.add(schema);
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields()) as GraphQLField<unknown, Context>[]) {
      if (!guardsType(field.type, schema)) continue;
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, ctx, info) => {
        const result = resolve(source, args, ctx, info);
        if (ctx.viewer.teamIds === null) return result;
        return Promise.resolve(result).then((value) => guardValue(field.type, value, ctx, info));
      };
    }
  }
  return schema;
}
