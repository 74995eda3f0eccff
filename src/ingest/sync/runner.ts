import type { Database } from '../../db/client.ts';
import { analyzeAfterBulkWrite } from '../../analytics/rollups/maintain.ts';
import type { IngestTx } from '../hooks.ts';
import { addTicketHistoryIn, type HistoryEventInput } from '../history.ts';
import { writePage, type ImportSummary } from '../importers/pipeline.ts';
import type { SourceRow } from '../importers/record.ts';
import type { AgentInput, FeedbackInput } from '../types.ts';
import { upsertAgentsIn, upsertFeedbackIn } from '../upsert.ts';
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
  /** Survey answers the vendor lists on their own (Freshdesk's satisfaction ratings), for stored tickets. */
  feedback?: FeedbackInput[];
  /** Records of the page the connector could not read (not tickets), reported as rejects once it commits. */
  rejects?: { record: Record<string, string>; reason: string }[];
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
  /** Survey answers from feedback pages: stored new or changed / refused (unreadable, or their ticket is unknown). */
  feedbackWritten: number;
  feedbackRejected: number;
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

/**
 * Drops the answers older than the stored answer of the same id: vendors list survey
 * answers in no documented order, and one answer per id must end as the latest.
 */
async function withoutOlderAnswers(tx: IngestTx, feedback: readonly FeedbackInput[]): Promise<FeedbackInput[]> {
  const stored = await tx.query<{ externalId: string; createdAt: Date }>(
    'SELECT "externalId", "createdAt" FROM "Feedback" WHERE "externalId" = ANY($1::text[])',
    [feedback.map((f) => f.externalId)],
  );
  const storedAt = new Map(stored.map((row) => [row.externalId, new Date(row.createdAt).getTime()]));
  return feedback.filter((f) => f.createdAt.getTime() >= (storedAt.get(f.externalId) ?? -Infinity));
}

/** Runs one sync of a connection to the end of its streams; records the outcome on the connection. */
export async function runSync(db: Database, connection: ConnectionRow, connector: Connector, options: RunOptions = {}): Promise<SyncSummary> {
  const started = performance.now();
  const total: SyncSummary = { pages: 0, tickets: 0, created: 0, updated: 0, unchanged: 0, rejected: 0, deleted: 0, removed: 0, eventsAdded: 0, feedbackWritten: 0, feedbackRejected: 0, seconds: 0 };
  await markRunning(db, connection.id);
  try {
    for await (const page of connector.pages(connection.cursor)) {
      if (options.signal?.aborted) throw new Error('stopped before the end (the process shut down); the next sync resumes after the last committed page');
      let eventsAdded = 0;
      let feedbackWritten = 0;
      let feedbackRejected: { record: Record<string, string>; reason: string }[] = [];
      const written: ImportSummary = await writePage(
        db,
        page.rows,
        async (tx, batch) => {
          if (page.agents?.length) await upsertAgentsIn(tx, page.agents, 'partial');
          if (page.history?.length) eventsAdded = (await addTicketHistoryIn(tx, page.history)).added;
          if (page.feedback?.length) {
            const feedback = await upsertFeedbackIn(tx, await withoutOlderAnswers(tx, page.feedback), 'partial');
            feedbackWritten = feedback.created + feedback.updated;
            // Counted and reported only once the page has committed.
            feedbackRejected = feedback.rejected.map((e) => ({ record: { externalId: e.externalId ?? '' }, reason: `feedback ${e.field}: ${e.message}` }));
          }
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
      total.feedbackWritten += feedbackWritten;
      const refused = [...(page.rejects ?? []), ...feedbackRejected];
      total.feedbackRejected += refused.length;
      for (const { record, reason } of refused) options.onReject?.(record, reason);
      const seconds = (performance.now() - started) / 1000;
      options.progress?.(
        `${connection.name}: ${page.stream} page ${total.pages}, ${total.tickets} tickets (${Math.round(total.tickets / Math.max(seconds, 0.001))}/s), ` +
          `created ${total.created}, updated ${total.updated}, unchanged ${total.unchanged}, rejected ${total.rejected}, deleted ${total.deleted}, events +${total.eventsAdded}` +
          (total.feedbackWritten + total.feedbackRejected > 0 ? `, survey answers +${total.feedbackWritten} (refused ${total.feedbackRejected})` : ''),
      );
    }
  } catch (error) {
    await markFinished(db, connection.id, error instanceof Error ? error.message : String(error));
    throw error;
  }
  // A first sync of a large account fills an empty table: plans made on the old
  // statistics (a seq scan of "a few" rows) would stay until autovacuum came round.
  await analyzeAfterBulkWrite(db, total.created + total.updated);
  await markFinished(db, connection.id, null);
  total.seconds = (performance.now() - started) / 1000;
  return total;
}
