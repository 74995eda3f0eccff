import { builder } from './builder.ts';
import { nodeScope } from './node.ts';
import { checkPageArgs, connectionSizes } from './pagination.ts';
import { decodeId, decodeIds, DateTimeRangeInput, parseRange } from './filters.ts';
import { FeedbackKindEnum } from './enums.ts';
import { feedbackWhere } from './scope.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import type { FeedbackKind } from '../generated/prisma/enums.ts';
import type { Context } from './context.ts';
import type { DateTimeRangeArg } from './filters.ts';

/** A survey response (CSAT, NPS or CES). */
export const FeedbackRef = builder.prismaNode('Feedback', {
  id: { field: 'id' },
  // Select mode: each field reads its own columns (a comment can be long, and a page
  // of scores need not read it). Safe because every Feedback row reaches the schema
  // through Pothos (relations, connections, nodes); the row guard checks by id.
  select: { id: true },
  // node(id:) returns null for a missing row or one outside the viewer's scope.
  nullable: true,
  findUnique: nodeScope('Feedback', (ctx) => feedbackWhere(ctx)),
  description: 'A survey response: CSAT (1-5), NPS (0-10) or CES (1-7).',
  fields: (t) => ({
    externalId: t.exposeString('externalId', { description: "The response's id in the source." }),
    kind: t.expose('kind', { type: FeedbackKindEnum, description: 'Which survey.' }),
    score: t.exposeInt('score', { description: 'The rating: CSAT 1-5, NPS 0-10, CES 1-7.' }),
    comment: t.exposeString('comment', { nullable: true, description: "The customer's comment." }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the customer answered; places it in buckets.' }),
    ticket: t.relation('ticket', { nullable: true, description: 'The ticket the response is about.' }),
    agent: t.relation('agent', {
      nullable: true,
      description: 'The agent named by the response itself (when it has no ticket, it is credited to this agent).',
    }),
    customer: t.relation('customer', { nullable: true, description: 'The customer who answered.' }),
  }),
});

/** Which feedback to list. */
export const FeedbackFilterInput = builder.inputType('FeedbackFilter', {
  description: 'Which survey responses to list; conditions combine with AND.',
  fields: (t) => ({
    kinds: t.field({ type: [FeedbackKindEnum], description: 'Responses of any of these kinds.' }),
    createdAt: t.field({ type: DateTimeRangeInput, description: 'Responses given in this half-open range.' }),
    agentIds: t.idList({ description: "Responses credited to any of these agents (the ticket's assignee, or the named agent)." }),
    ticketIds: t.idList({ description: 'Responses about any of these tickets.' }),
  }),
});

interface FeedbackFilterArg {
  kinds?: FeedbackKind[] | null;
  createdAt?: DateTimeRangeArg | null;
  agentIds?: string[] | null;
  ticketIds?: string[] | null;
}

function feedbackListWhere(ctx: Context, f: FeedbackFilterArg | null | undefined): Prisma.FeedbackWhereInput {
  const and: Prisma.FeedbackWhereInput[] = [feedbackWhere(ctx)];
  if (f?.kinds && f.kinds.length > 0) and.push({ kind: { in: f.kinds } });
  if (f?.createdAt) {
    const range = parseRange(f.createdAt, 'filter.createdAt');
    and.push({ createdAt: { gte: range.from, lt: range.to } });
  }
  const agentIds = decodeIds(f?.agentIds, 'Agent', 'filter.agentIds');
  if (agentIds && agentIds.length > 0) {
    and.push({
      OR: [{ ticket: { assigneeId: { in: agentIds } } }, { ticketId: null, agentId: { in: agentIds } }],
    });
  }
  const ticketIds = decodeIds(f?.ticketIds, 'Ticket', 'filter.ticketIds');
  if (ticketIds && ticketIds.length > 0) and.push({ ticketId: { in: ticketIds } });
  return { AND: and };
}

builder.queryFields((t) => ({
  feedback: t.prismaConnection({
    type: 'Feedback',
    cursor: 'id',
    description: 'Survey responses the viewer may see, newest first. Page size at most 100.',
    ...connectionSizes,
    args: { filter: t.arg({ type: FeedbackFilterInput, description: 'Which responses to list.' }) },
    totalCount: (_root, args, ctx) => ctx.db.prisma.feedback.count({ where: feedbackListWhere(ctx, args.filter) }),
    resolve: (query, _root, args, ctx) => {
      checkPageArgs(args);
      return ctx.db.prisma.feedback.findMany({
        ...query,
        where: feedbackListWhere(ctx, args.filter),
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      });
    },
  },
  { name: 'FeedbackConnection', description: 'A page of feedback results.' },
  { name: 'FeedbackEdge', description: 'A feedback and its cursor.' },
  ),
  feedbackResponse: t.prismaField({
    type: 'Feedback',
    nullable: true,
    description: 'One survey response by id; null when it does not exist or is outside the viewer’s scope.',
    args: { id: t.arg.id({ required: true, description: 'A Feedback id.' }) },
    resolve: (query, _root, args, ctx) =>
      ctx.db.prisma.feedback.findFirst({ ...query, where: { AND: [{ id: decodeId(args.id, 'Feedback') }, feedbackWhere(ctx)] } }),
  }),
}));
