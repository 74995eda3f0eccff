import { builder } from './builder.ts';
import { nodeScope } from './node.ts';
import { checkPageArgs, connectionSizes } from './pagination.ts';
import { decodeId } from './filters.ts';
import { teamWhere, ticketWhere } from './scope.ts';

/** A support team (a Zendesk group, a Freshdesk group). */
export const TeamRef = builder.prismaNode('Team', {
  id: { field: 'id' },
  // node(id:) returns null for a missing row or one outside the viewer's scope.
  nullable: true,
  findUnique: nodeScope('Team', (ctx) => teamWhere(ctx)),
  description: 'A support team: a group of agents that owns tickets.',
  fields: (t) => ({
    externalId: t.exposeString('externalId', { description: "The team's id in the source help desk." }),
    name: t.exposeString('name', { description: 'Display name.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When Supportgraph first stored the team.' }),
    agents: t.relatedConnection('agents', {
      cursor: 'id',
      description: "The team's agents, by name.",
      totalCount: true,
      ...connectionSizes,
      query: (args) => {
        checkPageArgs(args);
        return { orderBy: [{ name: 'asc' }, { id: 'asc' }] };
      },
    }),
    tickets: t.relatedConnection('tickets', {
      cursor: 'id',
      description: "Tickets owned by the team, newest first.",
      totalCount: true,
      ...connectionSizes,
      query: (args, ctx) => {
        checkPageArgs(args);
        return { where: ticketWhere(ctx), orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] };
      },
    }),
  }),
});

builder.queryFields((t) => ({
  teams: t.prismaField({
    type: ['Team'],
    description: 'Every team the viewer may see, by name.',
    resolve: (query, _root, _args, ctx) =>
      ctx.db.prisma.team.findMany({ ...query, where: teamWhere(ctx), orderBy: [{ name: 'asc' }, { id: 'asc' }] }),
  }),
  team: t.prismaField({
    type: 'Team',
    nullable: true,
    description: 'One team by id; null when it does not exist or is outside the viewer’s scope.',
    args: { id: t.arg.id({ required: true, description: 'A Team id.' }) },
    resolve: (query, _root, args, ctx) =>
      ctx.db.prisma.team.findFirst({ ...query, where: { AND: [{ id: decodeId(args.id, 'Team') }, teamWhere(ctx)] } }),
  }),
}));
