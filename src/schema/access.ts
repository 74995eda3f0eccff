import { Role } from '../generated/prisma/enums.ts';
import { createApiToken, revokeApiToken, type ApiTokenRow } from '../auth/tokens.ts';
import { builder } from './builder.ts';
import { nodeScope } from './node.ts';
import type { Viewer } from './context.ts';
import { decodeId, decodeIds } from './filters.ts';
import { TeamRef } from './teams.ts';

/** What a token may do. */
export const RoleEnum = builder.enumType('Role', {
  description: 'What a token may do.',
  values: {
    ADMIN: { value: Role.ADMIN, description: 'Everything: read all data, ingest, and manage tokens, calendars, SLA policies and reports.' },
    ANALYST: { value: Role.ANALYST, description: 'Read all data and KPIs; change nothing.' },
    TEAM_LEAD: { value: Role.TEAM_LEAD, description: 'Read the data and KPIs of the teams listed on the token only; change nothing.' },
    INGEST: { value: Role.INGEST, description: 'Only the upsert mutations of ingestion (upsertTeams ... upsertFeedback); read nothing.' },
  } as const,
});

/** An API token (never its secret). */
export const ApiTokenRef = builder.prismaNode('ApiToken', {
  id: { field: 'id' },
  nullable: true,
  // Only ADMIN may read tokens; anyone else finds none through node(id:).
  findUnique: nodeScope('ApiToken', (ctx) => (ctx.viewer.role === 'ADMIN' ? {} : { id: { lt: 0 } })),
  description: 'An API token: a name, a role, its teams, and when it expires, was last used or was revoked. The secret is never shown again after creation.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'What the token is for, e.g. "Wallboard team Berlin".' }),
    role: t.expose('role', { type: RoleEnum, description: 'What the token may do.' }),
    teams: t.field({
      type: [TeamRef],
      description: 'TEAM_LEAD: the teams the token may read, by name. Empty for the other roles.',
      select: { teamIds: true },
      resolve: (token, _args, ctx) =>
        token.teamIds.length === 0
          ? []
          : ctx.db.prisma.team.findMany({ where: { id: { in: token.teamIds } }, orderBy: [{ name: 'asc' }, { id: 'asc' }] }),
    }),
    rateLimitPerMinute: t.exposeInt('rateLimitPerMinute', {
      nullable: true,
      description: 'Requests a minute this token may make; null: the server default (RATE_LIMIT_PER_MINUTE).',
    }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true, description: 'After this instant the token is refused; null: never expires.' }),
    lastUsedAt: t.expose('lastUsedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'The last request made with the token, to the minute; null: never used.',
    }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true, description: 'When the token was revoked; null: active.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the token was created.' }),
  }),
});

/** A new token and its secret. */
const CreatedApiTokenRef = builder.objectRef<{ token: ApiTokenRow; secret: string }>('CreatedApiToken').implement({
  description: 'A token just created, with its secret. The secret is shown this once: only its hash is stored.',
  fields: (t) => ({
    token: t.field({ type: ApiTokenRef, description: 'The token.', resolve: (created) => created.token }),
    secret: t.exposeString('secret', { description: 'Send it as "Authorization: Bearer <secret>". Store it now; it cannot be shown again.' }),
  }),
});

/** Who is asking. */
const ViewerRef = builder.objectRef<Viewer>('Viewer').implement({
  description: 'Who the request acts as: the role and team scope of its token.',
  fields: (t) => ({
    role: t.field({ type: RoleEnum, description: 'What the request may do.', resolve: (viewer) => viewer.role }),
    tokenName: t.string({
      nullable: true,
      description: 'The name of the token used; "ADMIN_TOKEN" for the bootstrap token; null without a token (development only).',
      resolve: (viewer) => viewer.tokenName,
    }),
    restrictedToTeams: t.boolean({
      description: 'True when the viewer reads only the teams listed in `teams` (TEAM_LEAD); false when it reads every team.',
      resolve: (viewer) => viewer.teamIds !== null,
    }),
    teams: t.field({
      type: [TeamRef],
      description: 'The teams a TEAM_LEAD token may read, by name; empty for viewers that read every team.',
      resolve: (viewer, _args, ctx) =>
        viewer.teamIds === null || viewer.teamIds.length === 0
          ? []
          : ctx.db.prisma.team.findMany({ where: { id: { in: viewer.teamIds } }, orderBy: [{ name: 'asc' }, { id: 'asc' }] }),
    }),
  }),
});

/** Input of createApiToken. */
const ApiTokenInput = builder.inputType('ApiTokenInput', {
  description: 'A new API token.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'What the token is for (1 to 100 characters).' }),
    role: t.field({ type: RoleEnum, required: true, description: 'What the token may do.' }),
    teamIds: t.idList({ description: 'TEAM_LEAD only, and required there: the teams (Team ids) the token may read.' }),
    expiresAt: t.field({ type: 'DateTime', description: 'After this instant the token is refused; absent: never expires.' }),
    rateLimitPerMinute: t.int({ description: 'Requests a minute for this token (1 to 1,000,000); absent: the server default.' }),
  }),
});

builder.queryFields((t) => ({
  viewer: t.field({
    type: ViewerRef,
    description: 'Who this request acts as. Every role may ask.',
    resolve: (_root, _args, ctx) => ctx.viewer,
  }),
  apiTokens: t.prismaField({
    type: ['ApiToken'],
    description: 'Every API token, newest first, revoked and expired ones included (ADMIN only).',
    resolve: (query, _root, _args, ctx) => ctx.db.prisma.apiToken.findMany({ ...query, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] }),
  }),
}));

builder.mutationFields((t) => ({
  createApiToken: t.field({
    type: CreatedApiTokenRef,
    description: 'Creates an API token and returns its secret, once (ADMIN only).',
    args: { input: t.arg({ type: ApiTokenInput, required: true, description: 'The token to create.' }) },
    resolve: (_root, { input }, ctx) =>
      createApiToken(ctx.db, {
        name: input.name,
        role: input.role,
        teamIds: decodeIds(input.teamIds, 'Team', 'input.teamIds'),
        expiresAt: input.expiresAt ?? null,
        rateLimitPerMinute: input.rateLimitPerMinute ?? null,
      }),
  }),
  revokeApiToken: t.field({
    type: ApiTokenRef,
    description: 'Revokes an API token: its requests are refused from now on (ADMIN only). Revoking twice changes nothing.',
    args: { id: t.arg.id({ required: true, description: 'An ApiToken id.' }) },
    resolve: (_root, args, ctx) => revokeApiToken(ctx.db, decodeId(args.id, 'ApiToken')),
  }),
}));
