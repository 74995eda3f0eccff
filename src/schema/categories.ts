import { builder } from './builder.ts';
import { decodeId } from './filters.ts';
import { nodeScope } from './node.ts';

/** A contact reason. */
export const CategoryRef = builder.prismaNode('Category', {
  id: { field: 'id' },
  nullable: true,
  findUnique: nodeScope('Category', () => ({})),
  description: 'A contact reason (ticket category), optionally nested under a parent.',
  fields: (t) => ({
    externalId: t.exposeString('externalId', { description: "The category's id in the source help desk." }),
    name: t.exposeString('name', { description: 'Display name.' }),
    parent: t.relation('parent', { nullable: true, description: 'The parent category, if nested.' }),
    children: t.relation('children', {
      description: 'Direct sub-categories, by name.',
      query: { orderBy: [{ name: 'asc' }, { id: 'asc' }] },
    }),
  }),
});

builder.queryFields((t) => ({
  categories: t.prismaField({
    type: ['Category'],
    description: 'Every category (contact reason), by name. Categories carry no team data, so every viewer sees all.',
    resolve: (query, _root, _args, ctx) =>
      ctx.db.prisma.category.findMany({ ...query, orderBy: [{ name: 'asc' }, { id: 'asc' }] }),
  }),
  category: t.prismaField({
    type: 'Category',
    nullable: true,
    description: 'One category by id; null when it does not exist.',
    args: { id: t.arg.id({ required: true, description: 'A Category id.' }) },
    resolve: (query, _root, args, ctx) =>
      ctx.db.prisma.category.findUnique({ ...query, where: { id: decodeId(args.id, 'Category') } }),
  }),
}));
