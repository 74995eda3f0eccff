import { builder } from './builder.ts';
import { nodeScope } from './node.ts';
import { checkPageArgs, connectionSizes } from './pagination.ts';
import { decodeId } from './filters.ts';
import { customerWhere, ticketWhere } from './scope.ts';
import { CustomerTierEnum } from './enums.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import type { CustomerTier } from '../generated/prisma/enums.ts';
import type { Context } from './context.ts';

/** A customer (requester) who opens tickets. */
export const CustomerRef = builder.prismaNode('Customer', {
  id: { field: 'id' },
  // Select mode: each field reads its own columns. Safe because every Customer row
  // reaches the schema through Pothos (relations, connections, nodes); the row guard
  // checks by id.
  select: { id: true },
  // node(id:) returns null for a missing row or one outside the viewer's scope.
  nullable: true,
  findUnique: nodeScope('Customer', (ctx) => customerWhere(ctx)),
  description: 'A customer who opens tickets (a requester or end user).',
  fields: (t) => ({
    externalId: t.exposeString('externalId', { description: "The customer's id in the source help desk." }),
    name: t.exposeString('name', { nullable: true, description: 'Display name.' }),
    email: t.exposeString('email', { nullable: true, description: 'E-mail address.' }),
    organization: t.exposeString('organization', { nullable: true, description: 'Company or organization.' }),
    tier: t.expose('tier', { type: CustomerTierEnum, nullable: true, description: 'Commercial tier.' }),
    country: t.exposeString('country', { nullable: true, description: 'ISO 3166-1 alpha-2 country code.' }),
    tickets: t.relatedConnection('tickets', {
      cursor: 'id',
      description: "The customer's tickets, newest first.",
      totalCount: true,
      ...connectionSizes,
      query: (args, ctx) => {
        checkPageArgs(args);
        return { where: ticketWhere(ctx), orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] };
      },
    }),
  }),
});

/** Which customers to list. */
export const CustomerFilterInput = builder.inputType('CustomerFilter', {
  description: 'Which customers to list; conditions combine with AND.',
  fields: (t) => ({
    tiers: t.field({ type: [CustomerTierEnum], description: 'Customers of any of these tiers.' }),
    organization: t.string({ description: 'Exact organization name.' }),
    search: t.string({ description: 'Case-insensitive substring of the name or e-mail.' }),
  }),
});

interface CustomerFilterArg {
  tiers?: CustomerTier[] | null;
  organization?: string | null;
  search?: string | null;
}

function customerListWhere(ctx: Context, f: CustomerFilterArg | null | undefined): Prisma.CustomerWhereInput {
  const and: Prisma.CustomerWhereInput[] = [customerWhere(ctx)];
  if (f?.tiers && f.tiers.length > 0) and.push({ tier: { in: f.tiers } });
  if (f?.organization) and.push({ organization: f.organization });
  if (f?.search) {
    and.push({
      OR: [
        { name: { contains: f.search, mode: 'insensitive' } },
        { email: { contains: f.search, mode: 'insensitive' } },
      ],
    });
  }
  return { AND: and };
}

builder.queryFields((t) => ({
  customers: t.prismaConnection({
    type: 'Customer',
    cursor: 'id',
    description: 'Customers the viewer may see, by id.',
    ...connectionSizes,
    args: { filter: t.arg({ type: CustomerFilterInput, description: 'Which customers to list.' }) },
    totalCount: (_root, args, ctx) => ctx.db.prisma.customer.count({ where: customerListWhere(ctx, args.filter) }),
    resolve: (query, _root, args, ctx) => {
      checkPageArgs(args);
      return ctx.db.prisma.customer.findMany({ ...query, where: customerListWhere(ctx, args.filter), orderBy: { id: 'asc' } });
    },
  },
  { name: 'CustomerConnection', description: 'A page of customer results.' },
  { name: 'CustomerEdge', description: 'A customer and its cursor.' },
  ),
  customer: t.prismaField({
    type: 'Customer',
    nullable: true,
    description: 'One customer by id; null when it does not exist or is outside the viewer’s scope.',
    args: { id: t.arg.id({ required: true, description: 'A Customer id.' }) },
    resolve: (query, _root, args, ctx) =>
      ctx.db.prisma.customer.findFirst({
        ...query,
        where: { AND: [{ id: decodeId(args.id, 'Customer') }, customerWhere(ctx)] },
      }),
  }),
}));
