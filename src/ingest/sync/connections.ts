import type { Database } from '../../db/client.ts';
import type { IngestTx } from '../hooks.ts';

// The Connection table as the sync runner and the scheduler use it: a row per synced
// account holding each stream's cursor, the outcome of the latest run, and a lease
// so that one run at a time works on it.

/** Which help desk. */
export type ConnectionKind = 'ZENDESK' | 'FRESHDESK';

/** A connection as the runner needs it (credentials still encrypted). */
export interface ConnectionRow {
  id: number;
  name: string;
  kind: ConnectionKind;
  account: string;
  baseUrl: string | null;
  credentials: string | null;
  startTime: Date | null;
  intervalMinutes: number;
  cursor: Record<string, unknown>;
  ticketsSynced: number;
}

const COLUMNS = `id, name, kind, account, "baseUrl", credentials, "startTime", "intervalMinutes", cursor::text AS cursor, "ticketsSynced"`;

function toRow(row: Record<string, unknown>): ConnectionRow {
  return {
    id: Number(row.id),
    name: String(row.name),
    kind: row.kind as ConnectionKind,
    account: String(row.account),
    baseUrl: (row.baseUrl as string | null) ?? null,
    credentials: (row.credentials as string | null) ?? null,
    startTime: (row.startTime as Date | null) ?? null,
    intervalMinutes: Number(row.intervalMinutes),
    cursor: JSON.parse(String(row.cursor ?? '{}')) as Record<string, unknown>,
    ticketsSynced: Number(row.ticketsSynced),
  };
}

/**
 * The connection a command-line sync keeps its cursor in: `<kind>:<account>` unless
 * named, created on first use, with no stored credentials.
 */
export async function cliConnection(
  db: Database,
  input: { name: string; kind: ConnectionKind; account: string; baseUrl: string | null; startTime: Date | null },
): Promise<ConnectionRow> {
  const [row] = await db.driver.query(
    `INSERT INTO "Connection" (name, kind, account, "baseUrl", "startTime") VALUES ($1, $2::"ConnectionKind", $3, $4, $5)
     ON CONFLICT (name) DO UPDATE SET "baseUrl" = EXCLUDED."baseUrl"
     RETURNING ${COLUMNS}`,
    [input.name, input.kind, input.account, input.baseUrl, input.startTime],
  );
  const connection = toRow(row);
  if (connection.kind !== input.kind || connection.account !== input.account) {
    throw new Error(`connection "${input.name}" syncs ${connection.kind.toLowerCase()} account "${connection.account}"; pick another --name`);
  }
  return connection;
}

/** A connection by id, or null. */
export async function loadConnection(db: Database, id: number): Promise<ConnectionRow | null> {
  const [row] = await db.driver.query(`SELECT ${COLUMNS} FROM "Connection" WHERE id = $1`, [id]);
  return row ? toRow(row) : null;
}

/** Stores a stream's new cursor (and the tickets the page wrote) in the page's own transaction. */
export async function saveCursorIn(tx: IngestTx, id: number, cursor: Record<string, unknown>, tickets: number): Promise<void> {
  await tx.query(`UPDATE "Connection" SET cursor = $2::jsonb, "ticketsSynced" = "ticketsSynced" + $3, "updatedAt" = CURRENT_TIMESTAMP WHERE id = $1`, [
    id,
    JSON.stringify(cursor),
    tickets,
  ]);
}

/** Marks a run as started. */
export async function markRunning(db: Database, id: number): Promise<void> {
  await db.driver.query(`UPDATE "Connection" SET status = 'RUNNING', "updatedAt" = CURRENT_TIMESTAMP WHERE id = $1`, [id]);
}

/** Records the outcome of a run and when the next one is due. */
export async function markFinished(db: Database, id: number, error: string | null): Promise<void> {
  await db.driver.query(
    `UPDATE "Connection" SET status = $2::"ConnectionStatus", error = $3, "lastSyncAt" = CURRENT_TIMESTAMP,
       "nextSyncAt" = CURRENT_TIMESTAMP + make_interval(mins => "intervalMinutes"), "leaseUntil" = NULL, "updatedAt" = CURRENT_TIMESTAMP
     WHERE id = $1`,
    [id, error === null ? 'SUCCEEDED' : 'FAILED', error],
  );
}

/**
 * Claims the stored connections that are due (nextSyncAt passed, not leased by a
 * running sync), leasing each for `leaseMinutes`; safe with several server processes.
 */
export async function claimDueConnections(db: Database, leaseMinutes: number): Promise<ConnectionRow[]> {
  const rows = await db.driver.query(
    `UPDATE "Connection" SET "leaseUntil" = CURRENT_TIMESTAMP + make_interval(mins => $1::int)
     WHERE id IN (
       SELECT id FROM "Connection"
       WHERE credentials IS NOT NULL AND "nextSyncAt" <= CURRENT_TIMESTAMP AND ("leaseUntil" IS NULL OR "leaseUntil" < CURRENT_TIMESTAMP)
       ORDER BY "nextSyncAt" FOR UPDATE SKIP LOCKED
     )
     RETURNING ${COLUMNS}`,
    [leaseMinutes],
  );
  return rows.map(toRow);
}
