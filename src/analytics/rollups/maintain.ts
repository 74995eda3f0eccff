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
