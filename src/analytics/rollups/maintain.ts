import type { Database } from '../../db/client.ts';
import type { IngestTx } from '../../ingest/hooks.ts';

/**
 * Rebuilds every rollup row from the tables inside the caller's transaction, with one
 * grouped scan per source (migration 0010's supportgraph_rollup_rebuild_all, the same
 * function that adds a batch's rows on insert), then the day and week spans. Needed only after a bulk load that
 * turned the maintenance triggers off (`rollupsOffForTransaction`); every other write
 * keeps the rollups current by itself.
 */
export async function rebuildAllRollups(tx: Pick<IngestTx, 'query'>): Promise<void> {
  await tx.query('SELECT supportgraph_rollup_rebuild_all()');
  // The daily/weekly spans (migration 0011) from the hourly rows, in one grouped scan
  // each: with maintenance off their triggers on the hourly tables were skipped.
  await tx.query('SELECT supportgraph_span_rebuild_all()');
}

/**
 * Rebuilds the rollup rows of the UTC hours in [from, to) (widened to whole hours) from
 * the tables, in one grouped scan per source, inside the caller's transaction: after a
 * statement that changed many tickets with maintenance off (withRollupsOff).
 */
export async function rebuildRollupRange(tx: Pick<IngestTx, 'query'>, from: Date, to: Date): Promise<void> {
  await tx.query(
    `SELECT supportgraph_rollup_rebuild_range(date_trunc('hour', $1::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
                                              date_trunc('hour', $2::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' + interval '1 hour')`,
    [from.toISOString(), to.toISOString()],
  );
}

/**
 * Runs `work` with rollup maintenance off in the caller's transaction, for a statement
 * that changes so many tickets that the triggers' hour-by-hour rebuild would cost more
 * than one grouped rebuild afterwards: `rebuild` (say rebuildRollupRange) runs
 * with work's result before anything reads the rollups. When maintenance was off
 * already (a bulk load that rebuilds everything at its end), runs `work` alone.
 */
export async function withRollupsOff<T>(tx: Pick<IngestTx, 'query'>, work: () => Promise<T>, rebuild: (result: T) => Promise<void>): Promise<T> {
  const [state] = await tx.query<{ on: boolean }>(`SELECT supportgraph_rollups_on() AS on`);
  if (!state?.on) return work();
  await rollupsOffForTransaction(tx);
  const result = await work();
  await tx.query(`SET LOCAL supportgraph.rollups = 'on'`);
  await rebuild(result);
  return result;
}

/**
 * Turns rollup maintenance off until the end of the caller's transaction, for a bulk
 * load that calls rebuildAllRollups once at its end instead of rebuilding per statement.
 */
export async function rollupsOffForTransaction(tx: Pick<IngestTx, 'query'>): Promise<void> {
  await tx.query(`SET LOCAL supportgraph.rollups = 'off'`);
}

/**
 * Defers rollup maintenance until the end of the caller's transaction (migration 0013):
 * the writes only note the rows they insert and the UTC hours an update or delete
 * touches, and the planner answers ranges those hours can affect from the rows until
 * flushPendingRollups brings them up to date. For bulk imports, where the per-statement
 * maintenance is most of the cost.
 */
export async function deferRollupsForTransaction(tx: Pick<IngestTx, 'query'>): Promise<void> {
  await tx.query(`SET LOCAL supportgraph.rollups = 'defer'`);
}

/**
 * Brings the rollups up to date with everything deferred, in one transaction of its own
 * (inserted rows as one delta, touched hours rebuilt), and returns how many pending hours
 * it cleared (0: nothing was pending). Safe at any time and from any process, and never
 * in deferred writers' way (migration 0014): it works from one snapshot, so what a writer
 * commits after it started, rows and notes alike, waits for the next flush.
 */
export async function flushPendingRollups(db: Pick<Database, 'driver'>): Promise<number> {
  return db.driver.transaction(flushPendingRollupsIn);
}

/**
 * flushPendingRollups' work, as the first statements of a transaction the caller opened
 * and has not used yet (the isolation level and the lock must precede its snapshot).
 */
export async function flushPendingRollupsIn(tx: Pick<IngestTx, 'query'>): Promise<number> {
  await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  // Before the snapshot (LOCK takes none): a writer keeping the rollups current itself
  // commits either wholly before it, or after the flush.
  await tx.query('LOCK TABLE "RollupHour", "RollupHistogram", "RollupSpan", "RollupSpanHistogram" IN EXCLUSIVE MODE');
  const [row] = await tx.query<{ hours: number }>('SELECT supportgraph_rollup_flush_pending() AS hours');
  return Number(row?.hours ?? 0);
}

/**
 * Flushes pending rollup hours first noted more than `olderThanMs` ago (an import that
 * was killed before its own flush): the server calls it at start and then every
 * `everyMs`. Younger ones belong to an import still running, which flushes them itself.
 * Returns a stop function; failures are passed to `onError` and the next pass retries.
 */
export function startPendingRollupSweep(
  db: Pick<Database, 'driver'>,
  options: { everyMs: number; olderThanMs: number; onFlushed?: (hours: number) => void; onError?: (error: unknown) => void },
): () => void {
  let running = false;
  const pass = async () => {
    if (running) return;
    running = true;
    try {
      const [row] = await db.driver.query<{ due: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM "RollupPending" WHERE "at" <= CURRENT_TIMESTAMP - $1::int * interval '1 millisecond') AS due`,
        [options.olderThanMs],
      );
      if (row?.due) {
        const hours = await flushPendingRollups(db);
        if (hours > 0) options.onFlushed?.(hours);
      }
    } catch (error) {
      options.onError?.(error);
    } finally {
      running = false;
    }
  };
  void pass();
  const timer = setInterval(() => void pass(), options.everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** The row tables a large import changes whose statistics the dashboards' statements are planned on. */
export const ANALYZED_ROW_TABLES: readonly string[] = ['"Ticket"', '"Feedback"', '"Customer"'];
/** The rollup tables of the same (their rows come from the rollup flush). */
export const ANALYZED_ROLLUP_TABLES: readonly string[] = ['"RollupHour"', '"RollupHistogram"', '"RollupSpan"', '"RollupSpanHistogram"'];
/** Fewer tickets than this never trigger it: autovacuum's own analyze soon follows, and is cheap to wait for. */
const BULK_WRITE_MIN_TICKETS = 1000;

/**
 * Refreshes the planner's statistics after a bulk write of `tickets` tickets that is at
 * least a tenth of the table (autovacuum's threshold) and BULK_WRITE_MIN_TICKETS, and
 * returns whether it did. Until autovacuum got to them, the first dashboards after a
 * large first import were planned on the statistics of near-empty tables: a 52-week
 * series on 100,000 fresh tickets took 431 ms instead of ~37, and 4 s on a connection
 * whose prepared statement had been planned before the import (ANALYZE replans it).
 * ~0.9 s for the rollup tables and ~0.7 s for "Ticket" at 1 M tickets.
 */
export async function analyzeAfterBulkWrite(db: Database, tickets: number): Promise<boolean> {
  if (!(await bulkWriteNeedsAnalyze(db, tickets))) return false;
  await analyzeTables(db, [...ANALYZED_ROW_TABLES, ...ANALYZED_ROLLUP_TABLES]);
  return true;
}

/** Whether a bulk write of `tickets` tickets calls for fresh statistics (see analyzeAfterBulkWrite). */
export async function bulkWriteNeedsAnalyze(db: Pick<Database, 'driver'>, tickets: number): Promise<boolean> {
  if (tickets < BULK_WRITE_MIN_TICKETS) return false;
  const [row] = await db.driver.query<{ reltuples: number }>(`SELECT reltuples::float8 AS reltuples FROM pg_class WHERE oid = '"Ticket"'::regclass`);
  // -1: never analyzed.
  return tickets * 10 >= Math.max(Number(row?.reltuples ?? -1), 0);
}

/** ANALYZE of the given tables (names from ANALYZED_ROW_TABLES and ANALYZED_ROLLUP_TABLES). */
export async function analyzeTables(db: Pick<Database, 'driver'>, tables: readonly string[]): Promise<void> {
  await db.driver.query(`ANALYZE ${tables.join(', ')}`);
}
