import { builder } from './builder.ts';
import { nodeScope } from './node.ts';
import { checkPageArgs, connectionSizes } from './pagination.ts';
import { decodeId, decodeIds } from './filters.ts';
import { agentWhere, ticketWhere } from './scope.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import type { Context } from './context.ts';

/** A support agent. */
export const AgentRef = builder.prismaNode('Agent', {
  id: { field: 'id' },
  // node(id:) returns null for a missing row or one outside the viewer's scope.
  nullable: true,
  findUnique: nodeScope('Agent', (ctx) => agentWhere(ctx)),
  description: 'A support agent who works tickets.',
  fields: (t) => ({
    externalId: t.exposeString('externalId', { description: "The agent's id in the source help desk." }),
    name: t.exposeString('name', { description: 'Display name.' }),
    email: t.exposeString('email', { nullable: true, description: 'E-mail address, when known.' }),
    role: t.exposeString('role', { nullable: true, description: 'Role in the help desk (agent, lead, admin...), as the source names it.' }),
    active: t.exposeBoolean('active', { description: 'False for agents who left or were deactivated.' }),
    team: t.relation('team', { nullable: true, description: 'The team the agent belongs to.' }),
    tickets: t.relatedConnection('tickets', {
      cursor: 'id',
      description: 'Tickets currently assigned to the agent, newest first.',
      totalCount: true,
      ...connectionSizes,
      query: (args, ctx) => {
        checkPageArgs(args);
        return { where: ticketWhere(ctx), orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] };
      },
    }),
  }),
});

/** Which agents to list. */
export const AgentFilterInput = builder.inputType('AgentFilter', {
  description: 'Which agents to list; conditions combine with AND.',
  fields: (t) => ({
    teamIds: t.idList({ description: 'Agents of any of these teams (Team ids).' }),
    active: t.boolean({ description: 'Only active (true) or inactive (false) agents.' }),
    search: t.string({ description: 'Case-insensitive substring of the name or e-mail.' }),
  }),
});

interface AgentFilterArg {
  teamIds?: string[] | null;
  active?: boolean | null;
  search?: string | null;
}

function agentListWhere(ctx: Context, filter: AgentFilterArg | null | undefined): Prisma.AgentWhereInput {
  const and: Prisma.AgentWhereInput[] = [agentWhere(ctx)];
  const teamIds = decodeIds(filter?.teamIds, 'Team', 'filter.teamIds');
  if (teamIds && teamIds.length > 0) and.push({ teamId: { in: teamIds } });
  if (typeof filter?.active === 'boolean') and.push({ active: filter.active });
  if (filter?.search) {
    and.push({
      OR: [
        { name: { contains: filter.search, mode: 'insensitive' } },
        { email: { contains: filter.search, mode: 'insensitive' } },
      ],
    });
  }
  return { AND: and };
}

builder.queryFields((t) => ({
  agents: t.prismaConnection({
    type: 'Agent',
    cursor: 'id',
    description: 'Agents the viewer may see, by name.',
    ...connectionSizes,
    args: { filter: t.arg({ type: AgentFilterInput, description: 'Which agents to list.' }) },
    totalCount: (_root, args, ctx) => ctx.db.prisma.agent.count({ where: agentListWhere(ctx, args.filter) }),
    resolve: (query, _root, args, ctx) => {
      checkPageArgs(args);
      return ctx.db.prisma.agent.findMany({
        ...query,
        where: agentListWhere(ctx, args.filter),
        orderBy: [{ name: 'asc' }, { id: 'asc' }],
      });
    },
  },
  { name: 'AgentConnection', description: 'A page of agent results.' },
  { name: 'AgentEdge', description: 'A agent and its cursor.' },
  ),
  agent: t.prismaField({
    type: 'Agent',
    nullable: true,
    description: 'One agent by id; null when it does not exist or is outside the viewer’s scope.',
    args: { id: t.arg.id({ required: true, description: 'An Agent id.' }) },
    resolve: (query, _root, args, ctx) =>
      ctx.db.prisma.agent.findFirst({ ...query, where: { AND: [{ id: decodeId(args.id, 'Agent') }, agentWhere(ctx)] } }),
  }),
}));
