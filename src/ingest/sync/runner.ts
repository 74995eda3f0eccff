import type { Database } from '../../db/client.ts';
import { addTicketHistoryIn, type HistoryEventInput } from '../history.ts';
import { writePage, type ImportSummary } from '../importers/pipeline.ts';
import type { SourceRow } from '../importers/record.ts';
import type { AgentInput } from '../types.ts';
import { upsertAgentsIn } from '../upsert.ts';
import { markFinished, markRunning, saveCursorIn, type ConnectionRow } from './connections.ts';

// The sync runner, vendor-neutral: a connector turns the vendor's API into pages, each
// with the full cursor to resume after it; the runner writes every page and its cursor
// in one transaction, so a crash or a kill resumes after the last committed page and
// never skips or doubles one. Re-reading a page is harmless: upserts are idempotent.

/** One page of a vendor stream, ready to write. */
export interface SyncPage {
  /** The stream it belongs to ("tickets", "ticket events", …), for the progress line. */
  stream: string;
  rows: SourceRow[];
  /** Agents the vendor described on this page (written before its history). */
  agents?: AgentInput[];
  history?: HistoryEventInput[];
  /** The whole cursor to resume from after this page. */
  cursor: Record<string, unknown>;
}

/** A help desk's API as a sequence of pages from a cursor. */
export interface Connector {
  pages(cursor: Readonly<Record<string, unknown>>): AsyncIterable<SyncPage>;
}

/** What a run did. */
export interface SyncSummary {
  pages: number;
  /** Ticket rows received. */
  tickets: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  /** Tickets the vendor reported deleted / of those, stored ones removed. */
  deleted: number;
  removed: number;
  eventsAdded: number;
  seconds: number;
}

/** Options of a run. */
export interface RunOptions {
  /** Receives a progress line after each page. */
  progress?: (line: string) => void;
  /** Receives each rejected record and why. */
  onReject?: (record: Record<string, string>, reason: string) => void;
  /** Stops the run after the page being written (the server is shutting down). */
  signal?: AbortSignal;
}

/** Runs one sync of a connection to the end of its streams; records the outcome on the connection. */
export async function runSync(db: Database, connection: ConnectionRow, connector: Connector, options: RunOptions = {}): Promise<SyncSummary> {
  const started = performance.now();
  const total: SyncSummary = { pages: 0, tickets: 0, created: 0, updated: 0, unchanged: 0, rejected: 0, deleted: 0, removed: 0, eventsAdded: 0, seconds: 0 };
  await markRunning(db, connection.id);
  try {
    for await (const page of connector.pages(connection.cursor)) {
      if (options.signal?.aborted) throw new Error('stopped before the end (the process shut down); the next sync resumes after the last committed page');
      let eventsAdded = 0;
      const written: ImportSummary = await writePage(
        db,
        page.rows,
        async (tx, batch) => {
          if (page.agents?.length) await upsertAgentsIn(tx, page.agents, 'partial');
          if (page.history?.length) eventsAdded = (await addTicketHistoryIn(tx, page.history)).added;
          await saveCursorIn(tx, connection.id, page.cursor, batch.created + batch.updated + batch.unchanged);
        },
        { onReject: async (original, reason) => options.onReject?.(original, reason) },
      );
      total.pages += 1;
      total.tickets += written.read;
      total.created += written.created;
      total.updated += written.updated;
      total.unchanged += written.unchanged;
      total.rejected += written.rejected;
      total.deleted += written.deleted;
      total.removed += written.removed;
      total.eventsAdded += eventsAdded;
      const seconds = (performance.now() - started) / 1000;
      options.progress?.(
        `${connection.name}: ${page.stream} page ${total.pages}, ${total.tickets} tickets (${Math.round(total.tickets / Math.max(seconds, 0.001))}/s), ` +
          `created ${total.created}, updated ${total.updated}, unchanged ${total.unchanged}, rejected ${total.rejected}, deleted ${total.deleted}, events +${total.eventsAdded}`,
      );
    }
  } catch (error) {
    await markFinished(db, connection.id, error instanceof Error ? error.message : String(error));
    throw error;
  }
  await markFinished(db, connection.id, null);
  total.seconds = (performance.now() - started) / 1000;
  return total;
}
