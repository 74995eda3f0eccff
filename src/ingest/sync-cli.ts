import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadSyncSettings } from '../config.ts';
import type { Database } from '../db/client.ts';
import { checkCredentials, connectorFor, type Credentials } from './sources/index.ts';
import { cliConnection, type ConnectionRow } from './sync/connections.ts';
import { runSync, type SyncSummary } from './sync/runner.ts';
import { runStoredConnection } from './sync/stored.ts';
import { runDatabaseCommand } from './command.ts';

// `npm run sync -- zendesk --subdomain acme --email admin@acme.com --token …`
// `npm run sync -- freshdesk --domain acme --api-key …`
// `npm run sync -- --connection <name>` (a stored connection; needs SYNC_ENCRYPTION_KEY)
// Writes into DATABASE_URL (default pglite:./data/pglite). The cursor is kept in the
// Connection table ("zendesk:acme" unless --name says), so the next run continues.

const USAGE = `usage: npm run sync -- zendesk --subdomain <acme> --email <admin e-mail> --token <API token> [options]
       npm run sync -- freshdesk --domain <acme> --api-key <key> [options]
       npm run sync -- --connection <name>        (a connection stored with createConnection)
  --name <name>         connection name the cursor is kept under (default <kind>:<account>)
  --start <date-time>   where the first sync starts (ISO 8601; default: the whole account)
  --full                ignore the stored cursor and read everything again from --start
  --base-url <url>      API origin instead of https://<account>.zendesk.com / .freshdesk.com
  --no-conversations    Freshdesk: skip the per-ticket conversations (no reply counts)
Credentials may also come from ZENDESK_EMAIL, ZENDESK_TOKEN, FRESHDESK_API_KEY.`;

/** A wrong command line. */
export class SyncUsageError extends Error {
  override name = 'SyncUsageError';
}

/** A parsed sync command line. */
export interface SyncArgs {
  stored: string | null;
  kind: ConnectionRow['kind'];
  account: string;
  name: string;
  baseUrl: string | null;
  startTime: Date | null;
  full: boolean;
  conversations: boolean;
  credentials: Credentials | null;
}

/** Parses the command line (environment variables fill missing credentials). */
export function parseSyncArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): SyncArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        subdomain: { type: 'string' },
        domain: { type: 'string' },
        email: { type: 'string' },
        token: { type: 'string' },
        'api-key': { type: 'string' },
        name: { type: 'string' },
        start: { type: 'string' },
        full: { type: 'boolean', default: false },
        'base-url': { type: 'string' },
        'no-conversations': { type: 'boolean', default: false },
        connection: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new SyncUsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) throw new SyncUsageError('');
  const startTime = values.start ? new Date(values.start) : null;
  if (startTime && Number.isNaN(startTime.getTime())) throw new SyncUsageError(`--start "${values.start}" is not an ISO 8601 date-time`);
  const common = { baseUrl: values['base-url'] ?? null, startTime, full: values.full, conversations: !values['no-conversations'] };
  if (values.connection) {
    return { ...common, stored: values.connection, kind: 'ZENDESK', account: '', name: values.connection, credentials: null };
  }
  const vendor = positionals[0];
  if (vendor === 'zendesk') {
    const account = values.subdomain;
    if (!account) throw new SyncUsageError('zendesk needs --subdomain (the <acme> of acme.zendesk.com)');
    try {
      const credentials = checkCredentials('ZENDESK', { email: values.email ?? env.ZENDESK_EMAIL, token: values.token ?? env.ZENDESK_TOKEN });
      return { ...common, stored: null, kind: 'ZENDESK', account, name: values.name ?? `zendesk:${account}`, credentials };
    } catch (error) {
      throw new SyncUsageError(`${(error as Error).message}: pass --email and --token`);
    }
  }
  if (vendor === 'freshdesk') {
    const account = values.domain;
    if (!account) throw new SyncUsageError('freshdesk needs --domain (the <acme> of acme.freshdesk.com)');
    const apiKey = values['api-key'] ?? env.FRESHDESK_API_KEY;
    if (!apiKey) throw new SyncUsageError('freshdesk needs --api-key');
    return { ...common, stored: null, kind: 'FRESHDESK', account, name: values.name ?? `freshdesk:${account}`, credentials: { apiKey } };
  }
  throw new SyncUsageError(`say which help desk: zendesk or freshdesk (got "${vendor ?? ''}")`);
}

/** Runs a sync as the command line describes it, on the given database. */
export async function runSyncCommand(args: SyncArgs, db: Database, progress: (line: string) => void): Promise<SyncSummary> {
  if (args.stored) {
    return runStoredConnection(db, args.stored, loadSyncSettings().encryptionKey, { progress, full: args.full, conversations: args.conversations });
  }
  const connection = await cliConnection(db, { name: args.name, kind: args.kind, account: args.account, baseUrl: args.baseUrl, startTime: args.startTime });
  if (args.full) connection.cursor = {};
  const { connector } = connectorFor({ ...connection, startTime: args.startTime ?? connection.startTime }, args.credentials as Credentials, {
    conversations: args.conversations,
  });
  return runSync(db, connection, connector, { progress, onReject: (_row, reason) => progress(`rejected: ${reason}`) });
}

async function main(): Promise<void> {
  await runDatabaseCommand('sync', USAGE, (error) => error instanceof SyncUsageError, () => parseSyncArgs(process.argv.slice(2)), async (args, db) => {
    const summary = await runSyncCommand(args, db, (line) => console.error(line));
    console.log(
      `synced ${summary.tickets} tickets in ${summary.pages} pages: created ${summary.created}, updated ${summary.updated}, unchanged ${summary.unchanged}, ` +
        `rejected ${summary.rejected}, deleted ${summary.deleted} (${summary.removed} removed), ${summary.eventsAdded} history events added, ${summary.seconds.toFixed(1)} s`,
    );
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
