import type { Database } from '../../db/client.ts';
import { checkCredentials, connectorFor } from '../sources/index.ts';
import { loadConnection } from './connections.ts';
import type { RetryPolicy } from './http.ts';
import { runSync, type SyncSummary } from './runner.ts';
import { decryptSecret, encryptionKey } from './secrets.ts';

// Running a stored connection: decrypt its credentials with the environment's key,
// build its connector, run it. Used by the scheduler, `npm run sync -- --connection`.

/** Options of a stored run. */
export interface StoredRunOptions {
  progress?: (line: string) => void;
  full?: boolean;
  conversations?: boolean;
  retry?: RetryPolicy;
  signal?: AbortSignal;
}

/** Runs the stored connection with this name or id. */
export async function runStoredConnection(db: Database, nameOrId: string | number, key: string | null, options: StoredRunOptions = {}): Promise<SyncSummary> {
  const [row] = await db.driver.query<{ id: number }>(
    typeof nameOrId === 'number' ? `SELECT id FROM "Connection" WHERE id = $1` : `SELECT id FROM "Connection" WHERE name = $1`,
    [nameOrId],
  );
  const connection = row ? await loadConnection(db, Number(row.id)) : null;
  if (!connection) throw new Error(`no connection "${nameOrId}" (create it with the createConnection mutation)`);
  if (!connection.credentials) throw new Error(`connection "${connection.name}" has no stored credentials: run it with npm run sync -- ${connection.kind.toLowerCase()} …`);
  const credentials = checkCredentials(connection.kind, decryptSecret(connection.credentials, encryptionKey(key ?? undefined)));
  if (options.full) connection.cursor = {};
  const { connector } = connectorFor(connection, credentials, { retry: options.retry, conversations: options.conversations });
  return runSync(db, connection, connector, { progress: options.progress, signal: options.signal });
}
