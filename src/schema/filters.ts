import { decodeGlobalID } from '@pothos/plugin-relay';
import { ticketFilterSql, type TicketFilterSpec, type TimeRange, type ViewerScope } from '../analytics/filter.ts';
import { CATEGORY_CLOSURE } from '../analytics/dimensions.ts';
import { Prisma } from '../generated/prisma/client.ts';
import type { Channel, Priority, TicketStatus } from '../generated/prisma/enums.ts';
import { badInput } from '../errors.ts';
import { builder } from './builder.ts';
import type { Context } from './context.ts';
import { agentWhere, customerWhere, teamWhere } from './scope.ts';
import { ChannelEnum, PriorityEnum, TicketStatusEnum } from './enums.ts';

/** The shape of a DateTimeRange argument. */
export interface DateTimeRangeArg {
  from: Date;
  to: Date;
}

/** `{ from, to }`, a half-open interval of instants. */
export const DateTimeRangeInput = builder.inputType('DateTimeRange', {
  description: 'A half-open interval of instants: from (inclusive) to (exclusive).',
  fields: (t) => ({
    from: t.field({ type: 'DateTime', required: true, description: 'First instant in the range (inclusive).' }),
    to: t.field({ type: 'DateTime', required: true, description: 'End of the range (exclusive); must be after from.' }),
  }),
});

/** The shape of a TicketFilter argument, before its ids are decoded. */
export interface TicketFilterArg {
  channels?: Channel[] | null;
  priorities?: Priority[] | null;
  statuses?: TicketStatus[] | null;
  categoryIds?: (string | number)[] | null;
  includeSubcategories?: boolean | null;
  teamIds?: (string | number)[] | null;
  agentIds?: (string | number)[] | null;
  customerIds?: (string | number)[] | null;
  tags?: string[] | null;
  createdAt?: DateTimeRangeArg | null;
  createdLocal?: { timeZone: string; weekdays?: number[] | null; hours?: number[] | null } | null;
}

/** Local weekdays and hours of creation, as a weekday × hour heatmap cell selects them. */
export const LocalClockFilterInput = builder.inputType('LocalClockFilter', {
  description:
    "Tickets by the local wall clock of their createdAt in a zone (the HOUR_OF_DAY and WEEKDAY dimensions' rule): a heatmap cell's tickets are weekdays: [d], hours: [h].",
  fields: (t) => ({
    timeZone: t.field({ type: 'TimeZone', required: true, description: 'IANA zone whose wall clock is read.' }),
    weekdays: t.intList({ description: 'ISO weekdays 1 (Monday) to 7 (Sunday); absent or empty: any weekday.' }),
    hours: t.intList({ description: 'Local hours 0 to 23; absent or empty: any hour.' }),
  }),
});

/** Filter shared by ticket lists and every analytics query. */
export const TicketFilterInput = builder.inputType('TicketFilter', {
  description:
    'Which tickets to include. Each list matches any of its values; lists combine with AND; an absent or empty list does not filter.',
  fields: (t) => ({
    channels: t.field({ type: [ChannelEnum], description: 'Tickets from any of these channels.' }),
    priorities: t.field({ type: [PriorityEnum], description: 'Tickets with any of these priorities.' }),
    statuses: t.field({ type: [TicketStatusEnum], description: 'Tickets currently in any of these statuses.' }),
    categoryIds: t.idList({ description: 'Tickets in any of these categories (Category ids); with includeSubcategories also in any category below them.' }),
    includeSubcategories: t.boolean({
      description: 'With categoryIds: also match tickets in every subcategory of the named categories (the roll-up). Default false: the named categories only.',
    }),
    teamIds: t.idList({ description: 'Tickets of any of these teams (Team ids).' }),
    agentIds: t.idList({
      description:
        "Metrics of any of these agents (Agent ids), each by the agent it belongs to: solved-ticket metrics by the assignee at solve time, first-response metrics by the first reply's author, replies by their author, the rest (and ticket lists) by the current assignee.",
    }),
    customerIds: t.idList({ description: 'Tickets of any of these customers (Customer ids).' }),
    tags: t.stringList({ description: 'Tickets carrying any of these tags.' }),
    createdAt: t.field({ type: DateTimeRangeInput, description: 'Tickets created in this half-open range.' }),
    createdLocal: t.field({
      type: LocalClockFilterInput,
      description: 'Tickets created on these local weekdays and/or hours (drill-through of a weekday × hour heatmap cell). Served by the raw path, never by rollups.',
    }),
  }),
});

/** Checks that a range is not empty or reversed; names the argument in the message. */
export function parseRange(range: DateTimeRangeArg, argument = 'range'): TimeRange {
  if (!(range.from instanceof Date) || !(range.to instanceof Date)) {
    throw badInput(`${argument} needs both from and to as DateTime values with an offset`);
  }
  if (range.from.getTime() >= range.to.getTime()) {
    throw badInput(
      `${argument}.from (${range.from.toISOString()}) must be before ${argument}.to (${range.to.toISOString()}); the range is half-open [from, to)`,
      { argument },
    );
  }
  return { from: range.from, to: range.to };
}

/** Decodes a list of global ids that must all be of one type, e.g. `Team`. */
export function decodeIds(ids: (string | number)[] | null | undefined, typename: string, argument: string): number[] | null {
  if (!ids) return null;
  return ids.map((id) => decodeId(id, typename, argument));
}

/** Decodes one global id of the given type to its row id; clear error otherwise. */
export function decodeId(id: string | number, typename: string, argument = 'id'): number {
  const raw = String(id);
  let decoded: { typename: string; id: string };
  try {
    decoded = decodeGlobalID(raw);
  } catch {
    throw badInput(`${argument}: "${raw.slice(0, 80)}" is not a valid ${typename} id`, { argument });
  }
  if (decoded.typename !== typename || !/^\d+$/.test(decoded.id)) {
    throw badInput(
      `${argument}: "${raw.slice(0, 80)}" is a ${decoded.typename || 'unknown'} id, expected a ${typename} id`,
      { argument },
    );
  }
  return Number(decoded.id);
}

type CheckedModel = 'team' | 'agent' | 'category' | 'customer';

// Existence is checked within the viewer's scope, so a team lead cannot tell another
// team's real ids from made-up ones.
async function existingIds(ctx: Context, model: CheckedModel, ids: number[]): Promise<Set<number>> {
  const prisma = ctx.db.prisma;
  const select = { id: true } as const;
  const inIds = { id: { in: ids } };
  const rows =
    model === 'team'
      ? await prisma.team.findMany({ where: { AND: [inIds, teamWhere(ctx)] }, select })
      : model === 'agent'
        ? await prisma.agent.findMany({ where: { AND: [inIds, agentWhere(ctx)] }, select })
        : model === 'category'
          ? await prisma.category.findMany({ where: inIds, select })
          : await prisma.customer.findMany({ where: { AND: [inIds, customerWhere(ctx)] }, select });
  return new Set(rows.map((row) => row.id));
}

/**
 * Turns a TicketFilter argument into an engine filter: decodes ids, checks that they
 * name existing rows, and validates the createdAt range.
 */
export async function resolveTicketFilter(
  ctx: Context,
  filter: TicketFilterArg | null | undefined,
  argument = 'filter',
): Promise<TicketFilterSpec> {
  if (!filter) return {};
  const lists: [keyof TicketFilterArg, string, CheckedModel][] = [
    ['teamIds', 'Team', 'team'],
    ['agentIds', 'Agent', 'agent'],
    ['categoryIds', 'Category', 'category'],
    ['customerIds', 'Customer', 'customer'],
  ];
  const decoded: Record<string, number[] | null> = {};
  for (const [field, typename, model] of lists) {
    const ids = decodeIds(filter[field] as (string | number)[] | null | undefined, typename, `${argument}.${field}`);
    decoded[field] = ids;
    if (ids && ids.length > 0) {
      const found = await existingIds(ctx, model, ids);
      const missing = ids.filter((id) => !found.has(id));
      if (missing.length > 0) {
        throw badInput(`${argument}.${field}: no ${typename} with id ${missing.join(', ')}`, {
          argument: `${argument}.${field}`,
        });
      }
    }
  }
  if (filter.includeSubcategories && decoded.categoryIds && decoded.categoryIds.length > 0) {
    // The roll-up: the named categories and everything below them.
    const rows = await ctx.db.prisma.$queryRaw<{ id: number }[]>(
      Prisma.sql`SELECT DISTINCT descendant AS id FROM ${CATEGORY_CLOSURE} cc WHERE cc.ancestor = ANY(${decoded.categoryIds}::int[]) ORDER BY 1`,
    );
    decoded.categoryIds = rows.map((r) => Number(r.id));
  }
  return {
    channels: filter.channels,
    priorities: filter.priorities,
    statuses: filter.statuses,
    tags: filter.tags,
    teamIds: decoded.teamIds,
    agentIds: decoded.agentIds,
    categoryIds: decoded.categoryIds,
    customerIds: decoded.customerIds,
    createdAt: filter.createdAt ? parseRange(filter.createdAt, `${argument}.createdAt`) : null,
    createdLocal: filter.createdLocal ? parseLocalClock(filter.createdLocal, `${argument}.createdLocal`) : null,
  };
}

function parseLocalClock(
  value: NonNullable<TicketFilterArg['createdLocal']>,
  argument: string,
): NonNullable<TicketFilterSpec['createdLocal']> {
  const check = (list: number[] | null | undefined, field: string, min: number, max: number) => {
    const bad = (list ?? []).filter((n) => !Number.isInteger(n) || n < min || n > max);
    if (bad.length > 0) {
      throw badInput(`${argument}.${field}: ${bad.slice(0, 5).join(', ')} out of range; use whole numbers from ${min} to ${max}`, { argument: `${argument}.${field}` });
    }
    return list && list.length > 0 ? [...new Set(list)] : null;
  };
  return { timeZone: value.timeZone, weekdays: check(value.weekdays, 'weekdays', 1, 7), hours: check(value.hours, 'hours', 0, 23) };
}

/** The most tickets an entity list resolves by a local wall-clock filter before it asks for a narrower one. */
export const LOCAL_CLOCK_LIST_LIMIT = 10_000;

/**
 * For entity lists (Prisma `where`s): resolves a `createdLocal` condition to the matching
 * ticket ids in one SQL statement, since Prisma cannot compute a local wall-clock field.
 */
export async function withLocalClockIds(ctx: Context, spec: TicketFilterSpec, scope: ViewerScope): Promise<TicketFilterSpec> {
  if (!spec.createdLocal) return spec;
  const rows = await ctx.db.prisma.$queryRaw<{ id: number }[]>(
    Prisma.sql`SELECT t."id" FROM "Ticket" t WHERE ${ticketFilterSql(spec, scope)} LIMIT ${LOCAL_CLOCK_LIST_LIMIT + 1}`,
  );
  if (rows.length > LOCAL_CLOCK_LIST_LIMIT) {
    throw badInput(
      `filter.createdLocal matches more than ${LOCAL_CLOCK_LIST_LIMIT} tickets; narrow it with filter.createdAt or other filters`,
      { argument: 'filter.createdLocal' },
    );
  }
  return { ...spec, ticketIds: rows.map((r) => Number(r.id)) };
}
