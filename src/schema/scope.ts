import type { Prisma } from '../generated/prisma/client.ts';
import { ticketFilterWhere, type ViewerScope } from '../analytics/filter.ts';
import type { Context } from './context.ts';

/** The viewer's team scope as the analytics engine takes it. */
export function viewerScope(ctx: Context): ViewerScope {
  return { teamIds: ctx.viewer.teamIds };
}

/** Tickets the viewer may see. */
export function ticketWhere(ctx: Context): Prisma.TicketWhereInput {
  return ticketFilterWhere(null, viewerScope(ctx));
}

/** Teams the viewer may see. */
export function teamWhere(ctx: Context): Prisma.TeamWhereInput {
  const { teamIds } = ctx.viewer;
  return teamIds === null ? {} : { id: { in: teamIds } };
}

/** Agents the viewer may see: members of the viewer's teams. */
export function agentWhere(ctx: Context): Prisma.AgentWhereInput {
  const { teamIds } = ctx.viewer;
  return teamIds === null ? {} : { teamId: { in: teamIds } };
}

/** Customers the viewer may see: those with a ticket in the viewer's teams. */
export function customerWhere(ctx: Context): Prisma.CustomerWhereInput {
  const { teamIds } = ctx.viewer;
  return teamIds === null ? {} : { tickets: { some: { teamId: { in: teamIds } } } };
}

/** Feedback the viewer may see: on the viewer's teams' tickets, or credited to their agents. */
export function feedbackWhere(ctx: Context): Prisma.FeedbackWhereInput {
  const { teamIds } = ctx.viewer;
  return teamIds === null
    ? {}
    : {
        OR: [
          { ticket: { teamId: { in: teamIds } } },
          { ticketId: null, agent: { teamId: { in: teamIds } } },
        ],
      };
}
