import { LRUCache } from 'lru-cache';
import type { Database } from '../../db/client.ts';
import type { IngestTx } from '../hooks.ts';
import { resolveExternalIds, type RefKind } from '../sql.ts';
import type { PartialUpsertResult, RowError } from '../types.ts';
import {
  inRolledBackTransaction,
  upsertAgentsIn,
  upsertCategoriesIn,
  upsertCustomersIn,
  upsertFeedbackIn,
  upsertTeamsIn,
  upsertTicketsIn,
} from '../upsert.ts';
import { checkTicketRow, MAX_BATCH_ROWS, RowErrors } from '../validate.ts';
import { deleteTicketsIn } from '../delete.ts';
import {
  ANALYZED_ROLLUP_TABLES,
  ANALYZED_ROW_TABLES,
  analyzeAfterBulkWrite,
  analyzeTables,
  bulkWriteNeedsAnalyze,
  deferRollupsForTransaction,
  flushPendingRollups,
} from '../../analytics/rollups/maintain.ts';
import { isDeleted, isUnreadable, type DeletedRow, type ImportRecord, type ImportSource, type OriginalRow, type SourceRow } from './record.ts';

// Runs a source through the engine batch by batch. Each batch is one transaction:
// first the agents, teams, customers and categories the rows name that do not exist
// yet, then the tickets, then their survey responses, all through the same upsert
// functions as the GraphQL mutations, in their partial mode: rows that fail
// validation are reported, the others are written. Within a batch the last row of a
// ticket wins (an export with one row per update collapses to its final state without
// a transaction per repeated id), and tickets the source reports deleted are removed.

/** Counts for one kind of row. */
export interface Counts {
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
}

/** What an import did. Ticket counts are per source row. */
export interface ImportSummary extends Counts {
  /** Source rows read. */
  read: number;
  /** Survey responses carried by the rows. */
  feedback: Counts;
  /** Entities the importer created because the rows named them and they did not exist. */
  entitiesCreated: { teams: number; agents: number; customers: number; categories: number };
  /** Rows reporting a deleted ticket (skipped; the ticket is removed if stored). */
  deleted: number;
  /** Stored tickets removed because the source reported them deleted. */
  removed: number;
  /** Rows replaced by a later row of the same ticket in the same batch (last row wins). */
  superseded: number;
}

/** Options of an import run. */
export interface ImportOptions {
  /** Rows per transaction (1 to 1000). */
  batchSize?: number;
  /** Validate and count, then roll every batch back. */
  dryRun?: boolean;
  /** Receives each rejected row and why. */
  onReject?: (original: OriginalRow, reason: string) => Promise<void>;
  /** Called after each batch with the running totals. */
  onBatch?: (summary: ImportSummary) => void;
  /**
   * Rollup maintenance deferred (default true): most of a batch's cost otherwise. The
   * rollups catch up every FLUSH_EVERY batches and at the end; meanwhile analytics over
   * the pending hours are answered from the rows. false: every batch keeps them current.
   */
  deferRollups?: boolean;
}

/** Batches an import writes at once on PostgreSQL, one connection each (bench/README, "Deferred rollups and parallel writers": 3 beat 2 on two cores, 4 did no better). */
const WRITERS = 3;
/** Connections an import uses at most: its writers and the rollups' catch-up. */
export const IMPORT_CONNECTIONS = WRITERS + 1;
/** Batches between two catch-up flushes of the deferred rollups during an import. */
const FLUSH_EVERY = 10;

const zero = (): Counts => ({ created: 0, updated: 0, unchanged: 0, rejected: 0 });

/** An empty summary. */
export function emptySummary(): ImportSummary {
  return {
    read: 0,
    ...zero(),
    feedback: zero(),
    entitiesCreated: { teams: 0, agents: 0, customers: 0, categories: 0 },
    deleted: 0,
    removed: 0,
    superseded: 0,
  };
}

const describe = (e: RowError): string => `${e.field}: ${e.message}`;

/** Adds a reason to the list kept for a key. */
function addReason<K>(reasons: Map<K, string[]>, key: K, reason: string): void {
  const list = reasons.get(key);
  if (list) list.push(reason);
  else reasons.set(key, [reason]);
}

/**
 * One row per externalId among the records' entities of one kind: the last one the
 * source knows the details of (see ImportRecord.known), else the first named.
 */
function distinct<T extends { externalId: string }>(records: readonly ImportRecord[], kind: RefKind, list: (r: ImportRecord) => T[]): T[] {
  const seen = new Map<string, T>();
  for (const record of records) {
    for (const item of list(record)) {
      if (!seen.has(item.externalId) || record.known.has(`${kind}:${item.externalId}`)) seen.set(item.externalId, item);
    }
  }
  return [...seen.values()];
}

/**
 * Creates the entities the batch names that are not stored yet. Existing ones are left
 * as they are (an export row is not the place to rename an agent), unless the source
 * sent its own record of the entity (Zendesk's side-loaded users and groups), which
 * updates the stored one. Returns why an
 * entity could not be created, by kind and externalId, to explain the tickets that
 * then name an unknown entity.
 */
async function createMissingEntities(
  tx: IngestTx,
  records: readonly ImportRecord[],
  summary: ImportSummary,
  written?: WrittenRecords,
): Promise<{ failures: Map<string, string>; toRemember: [string, string][]; ids: Map<RefKind, Map<string, number>> }> {
  const wanted = {
    Team: distinct(records, 'Team', (r) => r.teams),
    Category: distinct(records, 'Category', (r) => r.categories),
    Agent: distinct(records, 'Agent', (r) => r.agents),
    Customer: distinct(records, 'Customer', (r) => r.customers),
  };
  const known = new Set(records.flatMap((r) => [...r.known]));
  const stored = await resolveExternalIds(
    tx,
    new Map<RefKind, Set<string>>(Object.entries(wanted).map(([kind, rows]) => [kind as RefKind, new Set(rows.map((r) => r.externalId))])),
  );
  // Sorted: batches written side by side then lock the rows they both create in one order.
  // (Categories keep the source's order: a parent may come before its children.)
  const toRemember: [string, string][] = [];
  const missing = <T extends { externalId: string }>(kind: RefKind, rows: T[]): T[] => {
    const out = rows.filter((r) => {
      const key = `${kind}:${r.externalId}`;
      if (!known.has(key)) return !stored.get(kind)?.has(r.externalId);
      const values = JSON.stringify(r);
      if (written?.get(key) === values && stored.get(kind)?.has(r.externalId)) return false;
      toRemember.push([key, values]);
      return true;
    });
    return kind === 'Category' ? out : out.sort((a, b) => (a.externalId < b.externalId ? -1 : a.externalId > b.externalId ? 1 : 0));
  };
  const failures = new Map<string, string>();
  const note = (kind: RefKind, rows: readonly { externalId: string }[], result: PartialUpsertResult): number => {
    for (const e of result.rejected) if (e.index !== null) failures.set(`${kind}:${rows[e.index].externalId}`, describe(e));
    const ids = stored.get(kind) ?? new Map<string, number>();
    stored.set(kind, ids);
    for (const [externalId, id] of result.ids) ids.set(externalId, id);
    return result.created;
  };
  // Order matters: agents may name teams.
  const teams = missing('Team', wanted.Team);
  summary.entitiesCreated.teams += note('Team', teams, await upsertTeamsIn(tx, teams, 'partial'));
  const categories = missing('Category', wanted.Category);
  summary.entitiesCreated.categories += note('Category', categories, await upsertCategoriesIn(tx, categories, 'partial'));
  const agents = missing('Agent', wanted.Agent);
  summary.entitiesCreated.agents += note('Agent', agents, await upsertAgentsIn(tx, agents, 'partial'));
  const customers = missing('Customer', wanted.Customer);
  summary.entitiesCreated.customers += note('Customer', customers, await upsertCustomersIn(tx, customers, 'partial'));
  // `stored` now holds every entity the records name that exists: the tickets and survey
  // responses take their ids from it instead of looking them up again.
  return { failures, toRemember: toRemember.filter(([key]) => !failures.has(key)), ids: stored };
}

/**
 * The source's own records of entities (Zendesk's side-loaded users and groups) that
 * this import has committed, as JSON by kind:externalId. Every page side-loads the users
 * of its tickets, so the same requesters come again and again; one already written with
 * the same values is not upserted again (rewriting unchanged users was ~3 % of a
 * Zendesk import's PostgreSQL time). Bounded: an evicted one is merely written again.
 */
type WrittenRecords = LRUCache<string, string>;
const WRITTEN_RECORDS_KEPT = 20_000;

const REF_KIND_BY_FIELD: Record<string, RefKind> = {
  teamExternalId: 'Team',
  categoryExternalId: 'Category',
  assigneeExternalId: 'Agent',
  customerExternalId: 'Customer',
};

/** Writes one batch in one transaction and adds its counts to the summary. */
async function writeBatch(
  db: Database,
  records: ImportRecord[],
  deletions: DeletedRow[],
  options: ImportOptions,
  total: ImportSummary,
  alsoInTransaction?: (tx: IngestTx, batch: ImportSummary) => Promise<void>,
  earlier: Promise<unknown> = Promise.resolve(),
  entitiesWritten: () => void = () => undefined,
  written?: WrittenRecords,
): Promise<void> {
  const batch = emptySummary();
  // The source's entity records this batch wrote; remembered once it has committed.
  let remember: [string, string][] = [];
  const rejects: { original: OriginalRow; reason: string }[] = [];
  // Rows that break a rule of their own are rejected before anything is written for
  // them, so they create no agents or customers either.
  const ownRules = new RowErrors();
  records.forEach((r, index) => checkTicketRow(r.ticket, index, ownRules));
  const ownReasons = new Map<number, string[]>();
  for (const e of ownRules.list) if (e.index !== null) addReason(ownReasons, e.index, describe(e));
  for (const [index, list] of ownReasons) rejects.push({ original: records[index].original, reason: list.join('; ') });
  batch.rejected = ownReasons.size;
  records = records.filter((_, index) => !ownReasons.has(index));
  const transaction = options.dryRun
    ? inRolledBackTransaction
    : <T>(d: Database, work: (tx: IngestTx) => Promise<T>) => d.driver.transaction(work).catch((error: unknown) => {
        // Two batches written side by side can still meet on a row both create (a new
        // customer named in both): PostgreSQL then aborts one; it was rolled back whole
        // and runs once more, now behind the other.
        if ((error as { code?: unknown }).code !== '40P01') throw error;
        return d.driver.transaction(work);
      });
  const ownRejects = rejects.length;
  const ownRejected = batch.rejected;
  await transaction(db, async (tx) => {
    // A retried attempt starts from what the rows' own rules gave, not from the failed one's counts.
    rejects.length = ownRejects;
    batch.rejected = ownRejected;
    batch.entitiesCreated = { teams: 0, agents: 0, customers: 0, categories: 0 };
    if (options.deferRollups !== false) await deferRollupsForTransaction(tx);
    batch.removed = await deleteTicketsIn(tx, deletions.map((d) => d.deletedExternalId));
    const entities = await createMissingEntities(tx, records, batch, written);
    const failures = entities.failures;
    remember = entities.toRemember;
    entitiesWritten();

    const tickets = await upsertTicketsIn(tx, records.map((r) => r.ticket), 'partial', entities.ids);
    entities.ids.set('Ticket', tickets.ids);
    batch.created = tickets.created;
    batch.updated = tickets.updated;
    batch.unchanged = tickets.unchanged;
    const reasons = new Map<number, string[]>();
    for (const e of tickets.rejected) {
      if (e.index === null) continue;
      const kind = REF_KIND_BY_FIELD[e.field];
      const ref = kind && records[e.index].ticket[e.field as keyof ImportRecord['ticket']];
      const why = typeof ref === 'string' ? failures.get(`${kind}:${ref}`) : undefined;
      addReason(reasons, e.index, describe(e) + (why ? ` (it could not be created: ${why})` : ''));
    }
    batch.rejected += reasons.size;
    for (const [index, list] of reasons) rejects.push({ original: records[index].original, reason: list.join('; ') });

    const accepted = records.filter((_, index) => !reasons.has(index));
    const feedbackOwners = accepted.flatMap((r) => r.feedback.map(() => r));
    const allFeedback = accepted.flatMap((r) => r.feedback);
    batch.feedback = { created: 0, updated: 0, unchanged: 0, rejected: 0 };
    const feedbackReasons = new Map<ImportRecord, string[]>();
    // A ticket row may carry several survey scores, so a batch of tickets can hold more
    // responses than one upsert takes; they go in slices within the same transaction.
    for (let offset = 0; offset < allFeedback.length; offset += MAX_BATCH_ROWS) {
      const feedback = await upsertFeedbackIn(tx, allFeedback.slice(offset, offset + MAX_BATCH_ROWS), 'partial', entities.ids);
      batch.feedback.created += feedback.created;
      batch.feedback.updated += feedback.updated;
      batch.feedback.unchanged += feedback.unchanged;
      for (const e of feedback.rejected) {
        if (e.index === null) continue;
        addReason(feedbackReasons, feedbackOwners[offset + e.index], `feedback ${describe(e)}`);
      }
    }
    batch.feedback.rejected = feedbackReasons.size;
    for (const [owner, list] of feedbackReasons) {
      rejects.push({ original: owner.original, reason: `ticket imported, but not its ${list.join('; ')}` });
    }
    await alsoInTransaction?.(tx, batch);
  });
  // A dry run rolled back: it wrote nothing to remember.
  if (!options.dryRun) for (const [key, values] of remember) written?.set(key, values);
  total.created += batch.created;
  total.updated += batch.updated;
  total.unchanged += batch.unchanged;
  total.rejected += batch.rejected;
  total.removed += batch.removed;
  for (const key of ['created', 'updated', 'unchanged', 'rejected'] as const) total.feedback[key] += batch.feedback[key];
  for (const key of ['teams', 'agents', 'customers', 'categories'] as const) total.entitiesCreated[key] += batch.entitiesCreated[key];
  // Batches written side by side report their rejects in file order all the same.
  await earlier.catch(() => undefined);
  for (const { original, reason } of rejects) await options.onReject?.(original, reason);
}

/**
 * Counts a source row and keeps it as the latest of its ticket in `latest` (an earlier
 * row of the same ticket counts as superseded); an unreadable row is reported instead.
 */
async function takeRow(row: SourceRow, summary: ImportSummary, latest: Map<string, ImportRecord | DeletedRow>, onReject: ImportOptions['onReject']): Promise<void> {
  summary.read += 1;
  if (isUnreadable(row)) {
    summary.rejected += 1;
    await onReject?.(row.original, row.error);
    return;
  }
  const id = isDeleted(row) ? row.deletedExternalId : row.ticket.externalId;
  if (isDeleted(row)) summary.deleted += 1;
  if (latest.has(id)) {
    summary.superseded += 1;
    // Re-inserted at the end: Map order is insertion order, and the row is the latest.
    latest.delete(id);
  }
  latest.set(id, row);
}

/**
 * Imports a source: reads it row by row, writes batches of `batchSize` rows, reports
 * rows that cannot be read or fail validation through `onReject`, and returns the
 * totals. A ticket that appears twice in a batch is written once, as its last row
 * says (the earlier row counts as superseded); a later batch updates what an earlier
 * one wrote, so across the file the last row wins too.
 */
export async function importSource(db: Database, source: ImportSource, options: ImportOptions = {}): Promise<ImportSummary> {
  const batchSize = options.batchSize ?? MAX_BATCH_ROWS;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_ROWS) {
    throw new Error(`batch size must be a whole number from 1 to ${MAX_BATCH_ROWS}; got ${batchSize}`);
  }
  const summary = emptySummary();
  const written: WrittenRecords = new LRUCache({ max: WRITTEN_RECORDS_KEPT });
  // Latest row per ticket of the batch being filled, in first-seen order.
  let batch = new Map<string, ImportRecord | DeletedRow>();
  // The next batch is read and converted while earlier ones are being written. With the
  // rollups deferred, batches touch no shared rollup rows, so on PostgreSQL WRITERS are
  // written side by side (one connection each: while one waits on its round trips or its
  // commit, another keeps a core busy); a batch that shares a ticket with one in flight
  // waits for it, so the last row of a ticket still wins across the file.
  const parallel = options.deferRollups !== false && !options.dryRun && db.kind === 'postgres' ? WRITERS : 1;
  // Meanwhile, every FLUSH_EVERY batches, the rollups catch up on a connection of their
  // own (a flush does not hold writers up), so the one at the end is short and a long
  // import's dashboards are back on rollups soon after it ends.
  let catchingUp: Promise<unknown> | null = null;
  let batchesSinceCatchUp = 0;
  const catchUp = () => {
    batchesSinceCatchUp += 1;
    if (parallel === 1 || catchingUp || batchesSinceCatchUp < FLUSH_EVERY) return;
    batchesSinceCatchUp = 0;
    catchingUp = flushPendingRollups(db).finally(() => (catchingUp = null));
    // Its failure is the final flush's to report (it retries what this one left).
    catchingUp.catch(() => undefined);
  };
  let inFlight: { done: Promise<void>; keys: Set<string> }[] = [];
  let writing: Promise<void> = Promise.resolve();
  let entitiesOfLast: Promise<void> = Promise.resolve();
  const settle = async (count: number): Promise<void> => {
    const waited = inFlight.slice(0, count);
    inFlight = inFlight.slice(count);
    for (const f of waited) await f.done;
  };
  const flush = async (): Promise<void> => {
    const ready = [...batch.values()];
    batch = new Map();
    if (ready.length === 0) return;
    const keys = new Set(ready.map((r) => (isDeleted(r) ? r.deletedExternalId : r.ticket.externalId)));
    if (inFlight.some((f) => [...keys].some((k) => f.keys.has(k)))) await settle(inFlight.length);
    if (inFlight.length >= parallel) await settle(inFlight.length - parallel + 1);
    // A batch starts once the one before it has written its entities: a changed agent or
    // customer stays locked by that batch until it commits, so a later record of the
    // same entity (Zendesk side-loads users on every page) is applied after it.
    await entitiesOfLast;
    options.onBatch?.(summary);
    const records = ready.filter((r): r is ImportRecord => !isDeleted(r));
    const deletions = ready.filter(isDeleted);
    let entitiesWritten: () => void = () => undefined;
    const entities = new Promise<void>((resolve) => (entitiesWritten = resolve));
    writing = writeBatch(db, records, deletions, options, summary, undefined, writing, entitiesWritten, written);
    // Marks the rejection as handled until it is awaited by settle.
    writing.catch(() => undefined);
    // A batch that fails before its entities are written must not hold the next one up.
    entitiesOfLast = Promise.race([entities, writing.then(() => undefined, () => undefined)]);
    inFlight.push({ done: writing, keys });
    void writing.then(catchUp, () => undefined);
  };
  const readAndWrite = async (): Promise<void> => {
    for await (const row of source.rows) {
      await takeRow(row, summary, batch, options.onReject);
      if (batch.size >= batchSize) await flush();
    }
    await flush();
    await settle(inFlight.length);
  };
  const deferring = options.deferRollups !== false && !options.dryRun;
  let completed = false;
  // Once the writers are done, the row tables' statistics are refreshed on a connection
  // of their own while the rollups catch up (the flushes only read those tables); the
  // rollup tables' after the last flush.
  let rowStatistics: Promise<boolean> | null = null;
  try {
    await readAndWrite();
    completed = true;
  } finally {
    // Also after a failure: what the committed batches deferred is rebuilt now rather
    // than at the server's next sweep. A dry run committed nothing.
    if (deferring) {
      for (const f of inFlight) await f.done.catch(() => undefined);
      if (completed) {
        rowStatistics = (async () => {
          if (!(await bulkWriteNeedsAnalyze(db, summary.created + summary.updated))) return false;
          await analyzeTables(db, ANALYZED_ROW_TABLES);
          return true;
        })();
        // Awaited below, after the flush: handled until then.
        rowStatistics.catch(() => undefined);
      }
      await (catchingUp as Promise<unknown> | null)?.catch(() => undefined);
      await flushPendingRollups(db);
    }
  }
  if (rowStatistics) {
    if (await rowStatistics) await analyzeTables(db, ANALYZED_ROLLUP_TABLES);
  } else if (!options.dryRun) await analyzeAfterBulkWrite(db, summary.created + summary.updated);
  options.onBatch?.(summary);
  return summary;
}

/**
 * Writes one page of a sync in one transaction, as a batch of an import (last row of a
 * ticket wins, deletions applied), then runs `alsoInTransaction` in the same
 * transaction (the sync stores its cursor there, so the cursor never runs ahead of the
 * data). Returns the page's counts. The page keeps the rollups current itself: a sync's
 * pages touch scattered hours, which a deferred catch-up would regroup week by week.
 */
export async function writePage(
  db: Database,
  rows: readonly SourceRow[],
  alsoInTransaction: (tx: IngestTx, batch: ImportSummary) => Promise<void>,
  options: Pick<ImportOptions, 'onReject'> = {},
): Promise<ImportSummary> {
  const summary = emptySummary();
  const latest = new Map<string, ImportRecord | DeletedRow>();
  for (const row of rows) await takeRow(row, summary, latest, options.onReject);
  const ready = [...latest.values()];
  if (ready.length > MAX_BATCH_ROWS) throw new Error(`a sync page holds at most ${MAX_BATCH_ROWS} tickets; got ${ready.length}`);
  await writeBatch(
    db,
    ready.filter((r): r is ImportRecord => !isDeleted(r)),
    ready.filter(isDeleted),
    { ...options, deferRollups: false },
    summary,
    alsoInTransaction,
  );
  return summary;
}
