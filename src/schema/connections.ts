import { loadSyncSettings } from '../config.ts';
import { badInput } from '../errors.ts';
import { checkCredentials } from '../ingest/sources/index.ts';
import { encryptionKey, encryptSecret } from '../ingest/sync/secrets.ts';
import { builder } from './builder.ts';
import { decodeId } from './filters.ts';

// Help-desk connections (ADMIN only, see src/auth/policy.ts): stored accounts the
// server syncs on a schedule (src/ingest/sync/scheduler.ts). Credentials are encrypted
// at rest with SYNC_ENCRYPTION_KEY and are never part of any answer or log line.

const ConnectionKindEnum = builder.enumType('ConnectionKind', {
  description: 'The help desk a connection syncs from.',
  values: {
    ZENDESK: { description: 'Zendesk Support: Incremental Ticket Export with side-loads, and the Ticket Event Export for history.' },
    FRESHDESK: { description: 'Freshdesk: tickets updated since the last sync with stats and requester, their conversations, deleted tickets.' },
  } as const,
});

const ConnectionStatusEnum = builder.enumType('ConnectionStatus', {
  description: 'The outcome of a connection’s latest sync.',
  values: {
    NEVER_RUN: { description: 'Not synced yet.' },
    RUNNING: { description: 'A sync is running (or was interrupted; the next one resumes after its last committed page).' },
    SUCCEEDED: { description: 'The latest sync reached the end of every stream.' },
    FAILED: { description: 'The latest sync stopped with the error in `error`; the next one resumes where it stopped.' },
  } as const,
});

/** A stored connection. */
export const ConnectionRef = builder.prismaNode('Connection', {
  id: { field: 'id' },
  description: 'A help-desk account synced into Supportgraph. Its credentials are stored encrypted and never returned.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Unique name.' }),
    kind: t.field({ type: ConnectionKindEnum, description: 'Which help desk.', resolve: (c) => c.kind }),
    account: t.exposeString('account', { description: 'Zendesk subdomain or Freshdesk domain (the <acme> of acme.zendesk.com).' }),
    intervalMinutes: t.exposeInt('intervalMinutes', { description: 'Minutes between scheduled syncs.' }),
    status: t.field({ type: ConnectionStatusEnum, description: 'Outcome of the latest sync.', resolve: (c) => c.status }),
    error: t.exposeString('error', { nullable: true, description: 'Why the latest sync failed; null when it succeeded.' }),
    lastSyncAt: t.expose('lastSyncAt', { type: 'DateTime', nullable: true, description: 'When the latest sync ended.' }),
    nextSyncAt: t.expose('nextSyncAt', { type: 'DateTime', nullable: true, description: 'When the scheduler runs it next.' }),
    ticketsSynced: t.exposeInt('ticketsSynced', { description: 'Ticket records written by all syncs of this connection (created, updated or unchanged).' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the connection was created.' }),
  }),
});

const ConnectionInput = builder.inputType('ConnectionInput', {
  description: 'A help-desk account to sync. Zendesk takes email + token (an API token), Freshdesk apiKey.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'Unique name, e.g. "zendesk-acme".' }),
    kind: t.field({ type: ConnectionKindEnum, required: true, description: 'Which help desk.' }),
    account: t.string({ required: true, description: 'Zendesk subdomain or Freshdesk domain: the <acme> of acme.zendesk.com / acme.freshdesk.com.' }),
    email: t.string({ description: 'Zendesk: the e-mail of the admin the API token belongs to.' }),
    token: t.string({ description: 'Zendesk: API token. Stored encrypted, never returned.' }),
    apiKey: t.string({ description: 'Freshdesk: API key. Stored encrypted, never returned.' }),
    baseUrl: t.field({ type: 'URL', description: 'API origin instead of the vendor’s (a proxy); default https://<account>.zendesk.com or .freshdesk.com.' }),
    startTime: t.field({ type: 'DateTime', description: 'Where the first sync starts; default: the whole account.' }),
    intervalMinutes: t.int({ defaultValue: 60, description: 'Minutes between scheduled syncs (5 to 10080; default 60).' }),
  }),
});

builder.queryFields((t) => ({
  connections: t.prismaField({
    type: ['Connection'],
    description: 'Stored help-desk connections with the outcome of their latest sync, by name.',
    resolve: (query, _root, _args, ctx) => ctx.db.prisma.connection.findMany({ ...query, orderBy: [{ name: 'asc' }] }),
  }),
}));

builder.mutationFields((t) => ({
  createConnection: t.prismaField({
    type: 'Connection',
    description:
      'Stores a help-desk connection with its credentials encrypted (AES-256-GCM, key SYNC_ENCRYPTION_KEY); the server’s scheduler syncs it at once and then every intervalMinutes.',
    args: { input: t.arg({ type: ConnectionInput, required: true, description: 'The connection.' }) },
    resolve: async (query, _root, { input }, ctx) => {
      const interval = input.intervalMinutes ?? 60;
      if (interval < 5 || interval > 10_080) throw badInput(`intervalMinutes must be from 5 to 10080; got ${interval}`, { field: 'intervalMinutes' });
      if (!/^[a-z0-9][a-z0-9.-]*$/i.test(input.account)) {
        throw badInput(`account "${input.account}" is not a subdomain: give the <acme> of acme.zendesk.com / acme.freshdesk.com`, { field: 'account' });
      }
      let credentials;
      try {
        credentials = checkCredentials(input.kind, { email: input.email, token: input.token, apiKey: input.apiKey });
      } catch (error) {
        throw badInput(`${(error as Error).message}.`, { field: 'credentials' });
      }
      let key;
      try {
        key = encryptionKey(loadSyncSettings().encryptionKey ?? undefined);
      } catch (error) {
        throw badInput((error as Error).message, { field: 'credentials' });
      }
      const exists = await ctx.db.prisma.connection.findUnique({ where: { name: input.name }, select: { id: true } });
      if (exists) throw badInput(`a connection named "${input.name}" exists; pick another name or delete it first`, { field: 'name' });
      return ctx.db.prisma.connection.create({
        ...query,
        data: {
          name: input.name,
          kind: input.kind,
          account: input.account,
          baseUrl: input.baseUrl ? String(input.baseUrl) : null,
          startTime: input.startTime ?? null,
          intervalMinutes: interval,
          credentials: encryptSecret(credentials, key),
          nextSyncAt: new Date(),
        },
      });
    },
  }),
  deleteConnection: t.boolean({
    description: 'Deletes a connection and its stored credentials (the data it synced stays). True when deleted.',
    args: { id: t.arg.id({ required: true, description: 'The Connection id.' }) },
    resolve: async (_root, args, ctx) => {
      const { count } = await ctx.db.prisma.connection.deleteMany({ where: { id: decodeId(args.id, 'Connection') } });
      return count > 0;
    },
  }),
  syncConnection: t.prismaField({
    type: 'Connection',
    description: 'Asks the scheduler to sync a connection at its next pass instead of waiting for its interval.',
    args: { id: t.arg.id({ required: true, description: 'The Connection id.' }) },
    resolve: async (query, _root, args, ctx) => {
      const id = decodeId(args.id, 'Connection');
      const found = await ctx.db.prisma.connection.findUnique({ where: { id }, select: { id: true } });
      if (!found) throw badInput(`no connection with id ${args.id}`, { field: 'id' });
      return ctx.db.prisma.connection.update({ ...query, where: { id }, data: { nextSyncAt: new Date() } });
    },
  }),
}));
