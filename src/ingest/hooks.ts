import type { SqlDriver } from '../db/client.ts';

/**
 * The connection an ingestion batch runs on: the raw driver (PGlite or pg) inside the
 * batch's open transaction (`Database.driver.transaction(tx => …)` of src/db/client.ts).
 * `tx.query(sql, params)` takes positional `$1` parameters and returns rows. Everything
 * run on it commits or rolls back with the batch. Do not open another transaction or
 * use `db.prisma` from a hook: that is a different connection and would not see the
 * batch's uncommitted rows (and on PGlite it would wait for the batch to finish).
 */
export type IngestTx = Omit<SqlDriver, 'transaction'>;

/**
 * Called inside the batch's transaction after tickets were inserted or changed (also
 * when only their events changed), with the ids of those tickets (`Ticket.id`, never
 * empty). Unchanged tickets are not passed. A hook that throws rolls the whole batch
 * back and the caller gets its error.
 */
export type TicketsWrittenHook = (tx: IngestTx, ticketIds: number[]) => Promise<void>;

const ticketsWrittenHooks: TicketsWrittenHook[] = [];

/**
 * Registers a hook run after every ticket write (for example: recompute SLA and
 * business-time fields). Returns a function that unregisters it.
 */
export function onTicketsWritten(hook: TicketsWrittenHook): () => void {
  ticketsWrittenHooks.push(hook);
  return () => {
    const at = ticketsWrittenHooks.indexOf(hook);
    if (at >= 0) ticketsWrittenHooks.splice(at, 1);
  };
}

/** Runs the registered hooks in registration order. */
export async function runTicketsWrittenHooks(tx: IngestTx, ticketIds: number[]): Promise<void> {
  if (ticketIds.length === 0) return;
  for (const hook of [...ticketsWrittenHooks]) await hook(tx, ticketIds);
}

/**
 * Called inside the batch's transaction just before tickets are deleted (a source
 * reported them deleted), with their ids: the rows are still there to read.
 */
export type TicketsDeletingHook = (tx: IngestTx, ticketIds: number[]) => Promise<void>;

const ticketsDeletingHooks: TicketsDeletingHook[] = [];

/** Registers a hook run before tickets are deleted. Returns a function that unregisters it. */
export function onTicketsDeleting(hook: TicketsDeletingHook): () => void {
  ticketsDeletingHooks.push(hook);
  return () => {
    const at = ticketsDeletingHooks.indexOf(hook);
    if (at >= 0) ticketsDeletingHooks.splice(at, 1);
  };
}

/** Runs the registered deletion hooks in registration order. */
export async function runTicketsDeletingHooks(tx: IngestTx, ticketIds: number[]): Promise<void> {
  if (ticketIds.length === 0) return;
  for (const hook of [...ticketsDeletingHooks]) await hook(tx, ticketIds);
}
