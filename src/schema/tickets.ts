import { builder } from './builder.ts';
import { nodeScope } from './node.ts';
import { checkPageArgs, connectionSizes } from './pagination.ts';
import { decodeId, resolveTicketFilter, TicketFilterInput, withLocalClockIds, type TicketFilterArg } from './filters.ts';
import type { Context } from './context.ts';
import { ChannelEnum, OrderDirectionEnum, PriorityEnum, TicketEventTypeEnum, TicketStatusEnum } from './enums.ts';
import { ticketWhere, viewerScope } from './scope.ts';
import { ticketFilterWhere } from '../analytics/filter.ts';
import type { Prisma } from '../generated/prisma/client.ts';

// Exact to the millisecond: the same rule as the business seconds and the KPI engine.
const seconds = (from: Date | null, to: Date | null): number | null =>
  from && to ? (to.getTime() - from.getTime()) / 1000 : null;

/** A support ticket with its lifecycle timestamps. */
export const TicketRef = builder.prismaNode('Ticket', {
  id: { field: 'id' },
  // node(id:) returns null for a missing row or one outside the viewer's scope.
  nullable: true,
  findUnique: nodeScope('Ticket', (ctx) => ticketWhere(ctx)),
  // Select mode: a ticket has 48 columns and a page usually shows a few; each field adds
  // its own. The team is always read: the row guard (src/auth/row-guard.ts) checks it.
  select: { id: true, teamId: true },
  description: 'A support ticket: who asked, through which channel, who handled it and when.',
  fields: (t) => ({
    externalId: t.exposeString('externalId', { description: "The ticket's id in the source help desk." }),
    subject: t.exposeString('subject', { nullable: true, description: 'Subject line.' }),
    channel: t.expose('channel', { type: ChannelEnum, description: 'The channel the ticket arrived through.' }),
    priority: t.expose('priority', { type: PriorityEnum, description: 'Priority.' }),
    status: t.expose('status', { type: TicketStatusEnum, description: 'Current status.' }),
    tags: t.exposeStringList('tags', { description: 'Tags, as the source sent them.' }),
    category: t.relation('category', { nullable: true, description: 'Contact reason.' }),
    team: t.relation('team', { nullable: true, description: 'The team that owns the ticket.' }),
    assignee: t.relation('assignee', { nullable: true, description: 'The agent the ticket is assigned to.' }),
    customer: t.relation('customer', { nullable: true, description: 'The customer who asked.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the customer opened the ticket.' }),
    firstResponseAt: t.expose('firstResponseAt', {
      type: 'DateTime',
      nullable: true,
      description: 'First public reply by an agent; null before any.',
    }),
    solvedAt: t.expose('solvedAt', { type: 'DateTime', nullable: true, description: 'Latest solve; null while unsolved.' }),
    closedAt: t.expose('closedAt', { type: 'DateTime', nullable: true, description: 'When the ticket was closed.' }),
    agentReplies: t.exposeInt('agentReplies', { description: 'Number of public agent replies.' }),
    reopenCount: t.exposeInt('reopenCount', { description: 'How often the ticket was reopened after a solve.' }),
    escalated: t.exposeBoolean('escalated', { description: 'Whether the ticket was escalated.' }),
    escalatedAt: t.expose('escalatedAt', { type: 'DateTime', nullable: true, description: 'First escalation.' }),
    firstResponseSeconds: t.float({
      nullable: true,
      description: 'First response time in calendar seconds (firstResponseAt - createdAt), exact to the millisecond; null without a reply.',
      select: { createdAt: true, firstResponseAt: true },
      resolve: (ticket) => seconds(ticket.createdAt, ticket.firstResponseAt),
    }),
    resolutionSeconds: t.float({
      nullable: true,
      description: 'Full resolution time in calendar seconds (solvedAt - createdAt), exact to the millisecond; null while unsolved.',
      select: { createdAt: true, solvedAt: true },
      resolve: (ticket) => seconds(ticket.createdAt, ticket.solvedAt),
    }),
    firstResponseBusinessSeconds: t.exposeFloat('firstResponseBusinessSeconds', {
      nullable: true,
      description:
        "First response time counted only in the open hours of the ticket's SLA policy calendar (24/7 without one, then equal to firstResponseSeconds), exact to the millisecond like it; null without a reply or while the SLA is not computed (see slaState).",
    }),
    resolutionBusinessSeconds: t.exposeFloat('resolutionBusinessSeconds', {
      nullable: true,
      description:
        "Resolution time counted only in the open hours of the ticket's SLA policy calendar (24/7 without one, then equal to resolutionSeconds), exact to the millisecond; null while unsolved or while the SLA is not computed (see slaState).",
    }),
    events: t.relation('events', {
      description: 'What happened to the ticket, in order.',
      query: { orderBy: [{ occurredAt: 'asc' }, { seq: 'asc' }] },
    }),
    feedback: t.relation('feedback', {
      description: 'Survey responses about this ticket, oldest first.',
      query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
    }),
  }),
});

/** One step in a ticket's history. */
export const TicketEventRef = builder.prismaObject('TicketEvent', {
  description: "One step in a ticket's history: a reply, a status change, an assignment, an escalation...",
  fields: (t) => ({
    externalId: t.exposeString('externalId', { description: "The event's id in the source, or <ticket externalId>#<seq>." }),
    type: t.expose('type', { type: TicketEventTypeEnum, description: 'What happened.' }),
    occurredAt: t.expose('occurredAt', { type: 'DateTime', description: 'When it happened.' }),
    public: t.exposeBoolean('public', { description: 'For replies: visible to the customer (false: internal note).' }),
    agent: t.relation('agent', { nullable: true, description: 'The agent who acted, if any.' }),
    status: t.expose('status', { type: TicketStatusEnum, nullable: true, description: 'STATUS_CHANGE: the new status.' }),
  }),
});

/** Sortable ticket fields. */
export const TicketOrderFieldEnum = builder.enumType('TicketOrderField', {
  description: 'Fields tickets can be sorted by.',
  values: {
    CREATED_AT: { value: 'createdAt', description: 'Creation time.' },
    SOLVED_AT: { value: 'solvedAt', description: 'Latest solve time (unsolved last).' },
    FIRST_RESPONSE_AT: { value: 'firstResponseAt', description: 'First response time (unanswered last).' },
    PRIORITY: { value: 'priority', description: 'Priority, LOW to URGENT.' },
  } as const,
});

/** How to sort tickets. */
export const TicketOrderInput = builder.inputType('TicketOrder', {
  description: 'Ticket sort order; ties are broken by id in the same direction.',
  fields: (t) => ({
    field: t.field({ type: TicketOrderFieldEnum, required: true, description: 'What to sort by.' }),
    direction: t.field({ type: OrderDirectionEnum, required: true, description: 'ASC or DESC.' }),
  }),
});

/** The Prisma `where` of a ticket list: filter and viewer scope, local wall-clock conditions resolved in SQL. */
async function listWhere(ctx: Context, filter: TicketFilterArg | null | undefined): Promise<Prisma.TicketWhereInput> {
  const scope = viewerScope(ctx);
  return ticketFilterWhere(await withLocalClockIds(ctx, await resolveTicketFilter(ctx, filter), scope), scope);
}

builder.queryFields((t) => ({
  tickets: t.prismaConnection({
    type: 'Ticket',
    cursor: 'id',
    description: 'Tickets the viewer may see, filtered and sorted; newest first by default. Page size at most 100.',
    ...connectionSizes,
    args: {
      filter: t.arg({ type: TicketFilterInput, description: 'Which tickets to list.' }),
      orderBy: t.arg({ type: TicketOrderInput, description: 'Sort order (default: createdAt DESC).' }),
    },
    totalCount: async (_root, args, ctx) => ctx.db.prisma.ticket.count({ where: await listWhere(ctx, args.filter) }),
    resolve: async (query, _root, args, ctx) => {
      checkPageArgs(args);
      const where = await listWhere(ctx, args.filter);
      const field = args.orderBy?.field ?? 'createdAt';
      const direction = args.orderBy?.direction === 'ASC' ? 'asc' : 'desc';
      const orderBy: Prisma.TicketOrderByWithRelationInput[] = [
        field === 'createdAt' || field === 'priority'
          ? { [field]: direction }
          : { [field]: { sort: direction, nulls: 'last' } },
        { id: direction },
      ];
      return ctx.db.prisma.ticket.findMany({ ...query, where, orderBy });
    },
  },
  { name: 'TicketConnection', description: 'A page of ticket results.' },
  { name: 'TicketEdge', description: 'A ticket and its cursor.' },
  ),
  ticket: t.prismaField({
    type: 'Ticket',
    nullable: true,
    description: 'One ticket by id; null when it does not exist or is outside the viewer’s scope.',
    args: { id: t.arg.id({ required: true, description: 'A Ticket id.' }) },
    resolve: (query, _root, args, ctx) =>
      ctx.db.prisma.ticket.findFirst({ ...query, where: { AND: [{ id: decodeId(args.id, 'Ticket') }, ticketWhere(ctx)] } }),
  }),
}));
