import { Prisma } from '../generated/prisma/client.ts';
import type { Channel, Priority, TicketStatus } from '../generated/prisma/enums.ts';

/** A half-open interval of instants, `[from, to)`. */
export interface TimeRange {
  from: Date;
  to: Date;
}

/**
 * The TicketFilter of api.md with global ids already decoded to row ids. Every list is
 * "any of"; lists combine with AND; an empty or absent list does not filter.
 */
export interface TicketFilterSpec {
  channels?: Channel[] | null;
  priorities?: Priority[] | null;
  statuses?: TicketStatus[] | null;
  categoryIds?: number[] | null;
  teamIds?: number[] | null;
  agentIds?: number[] | null;
  customerIds?: number[] | null;
  tags?: string[] | null;
  createdAt?: TimeRange | null;
  /** Tickets created on these local weekdays and/or hours (a weekday × hour heatmap cell). */
  createdLocal?: LocalClockFilter | null;
  /**
   * Row ids that already satisfy `createdLocal` (and the rest), for Prisma `where`s, which
   * cannot compute a local wall-clock field; set by the entity list that needs it.
   */
  ticketIds?: number[] | null;
}

/** Local wall-clock fields of `createdAt` in a zone: ISO weekdays 1-7, hours 0-23. */
export interface LocalClockFilter {
  timeZone: string;
  weekdays?: number[] | null;
  hours?: number[] | null;
}

/**
 * Which teams' tickets a viewer may see: `null` means all. Applied to every statement
 * the engine and entity lists run, so row-level access lives in one place.
 */
export interface ViewerScope {
  teamIds: number[] | null;
}

/** A scope that sees everything. */
export const UNRESTRICTED: ViewerScope = { teamIds: null };

const has = <T>(list: T[] | null | undefined): list is T[] => Array.isArray(list) && list.length > 0;

/**
 * Ticket columns whose value can be supplied by an expression instead of the ticket
 * table, e.g. for feedback without a ticket: the agent it names and that agent's team.
 */
export type TicketFilterColumns = Partial<Record<'teamId' | 'assigneeId' | 'customerId', Prisma.Sql>>;

/**
 * SQL conditions (joined with AND, `TRUE` when empty) for a ticket filter and scope,
 * on the ticket table aliased `alias`. Values are parameters; the alias comes from code.
 * `columns` replaces a column by an expression (written in code, never from input).
 */
export function ticketFilterSql(
  spec: TicketFilterSpec | null | undefined,
  scope: ViewerScope,
  alias = 't',
  columns: TicketFilterColumns = {},
): Prisma.Sql {
  const col = (name: string) => columns[name as keyof TicketFilterColumns] ?? Prisma.raw(`${alias}."${name}"`);
  const parts: Prisma.Sql[] = [];
  const f = spec ?? {};
  if (has(f.channels)) parts.push(Prisma.sql`${col('channel')}::text = ANY(${f.channels}::text[])`);
  if (has(f.priorities)) parts.push(Prisma.sql`${col('priority')}::text = ANY(${f.priorities}::text[])`);
  if (has(f.statuses)) parts.push(Prisma.sql`${col('status')}::text = ANY(${f.statuses}::text[])`);
  if (has(f.categoryIds)) parts.push(Prisma.sql`${col('categoryId')} = ANY(${f.categoryIds}::int[])`);
  if (has(f.teamIds)) parts.push(Prisma.sql`${col('teamId')} = ANY(${f.teamIds}::int[])`);
  if (has(f.agentIds)) parts.push(Prisma.sql`${col('assigneeId')} = ANY(${f.agentIds}::int[])`);
  if (has(f.customerIds)) parts.push(Prisma.sql`${col('customerId')} = ANY(${f.customerIds}::int[])`);
  if (has(f.tags)) parts.push(Prisma.sql`${col('tags')} && ${f.tags}::text[]`);
  if (f.createdAt) {
    parts.push(Prisma.sql`${col('createdAt')} >= ${f.createdAt.from} AND ${col('createdAt')} < ${f.createdAt.to}`);
  }
  if (f.createdLocal) {
    // The same expression as the HOUR_OF_DAY and WEEKDAY dimensions, so a heatmap cell
    // and its drill-through count the same tickets.
    const local = Prisma.sql`(${col('createdAt')} AT TIME ZONE ${f.createdLocal.timeZone}::text)`;
    if (has(f.createdLocal.weekdays)) parts.push(Prisma.sql`EXTRACT(ISODOW FROM ${local})::int = ANY(${f.createdLocal.weekdays}::int[])`);
    if (has(f.createdLocal.hours)) parts.push(Prisma.sql`EXTRACT(HOUR FROM ${local})::int = ANY(${f.createdLocal.hours}::int[])`);
  }
  if (scope.teamIds !== null) parts.push(Prisma.sql`${col('teamId')} = ANY(${scope.teamIds}::int[])`);
  return parts.length === 0 ? Prisma.sql`TRUE` : Prisma.join(parts, ' AND ');
}

/** The same filter and scope as a Prisma `where` for entity lists. */
export function ticketFilterWhere(spec: TicketFilterSpec | null | undefined, scope: ViewerScope): Prisma.TicketWhereInput {
  const f = spec ?? {};
  const and: Prisma.TicketWhereInput[] = [];
  if (has(f.channels)) and.push({ channel: { in: f.channels } });
  if (has(f.priorities)) and.push({ priority: { in: f.priorities } });
  if (has(f.statuses)) and.push({ status: { in: f.statuses } });
  if (has(f.categoryIds)) and.push({ categoryId: { in: f.categoryIds } });
  if (has(f.teamIds)) and.push({ teamId: { in: f.teamIds } });
  if (has(f.agentIds)) and.push({ assigneeId: { in: f.agentIds } });
  if (has(f.customerIds)) and.push({ customerId: { in: f.customerIds } });
  if (has(f.tags)) and.push({ tags: { hasSome: f.tags } });
  if (f.createdAt) and.push({ createdAt: { gte: f.createdAt.from, lt: f.createdAt.to } });
  if (f.createdLocal) {
    // Prisma cannot express a local wall-clock field: the caller resolves the ids first.
    if (!f.ticketIds) throw new Error('ticketFilterWhere: createdLocal needs ticketIds resolved by the caller');
    and.push({ id: { in: f.ticketIds } });
  }
  if (scope.teamIds !== null) and.push({ teamId: { in: scope.teamIds } });
  return and.length === 0 ? {} : { AND: and };
}
