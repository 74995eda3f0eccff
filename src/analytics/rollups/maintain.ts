import type { IngestTx } from '../../ingest/hooks.ts';

/**
 * Rebuilds every rollup row from the tables (migration 0009's
 * supportgraph_rollup_rebuild_all), inside the caller's transaction. Needed only after a
 * bulk load that turned the maintenance triggers off (`rollupsOffForTransaction`);
 * every other write keeps the rollups current by itself.
 */
export async function rebuildAllRollups(tx: Pick<IngestTx, 'query'>): Promise<void> {
  await tx.query('SELECT supportgraph_rollup_rebuild_all()');
}

/**
 * Turns rollup maintenance off until the end of the caller's transaction, for a bulk
 * load that calls rebuildAllRollups once at its end instead of rebuilding per statement.
 */
export async function rollupsOffForTransaction(tx: Pick<IngestTx, 'query'>): Promise<void> {
  await tx.query(`SET LOCAL supportgraph.rollups = 'off'`);
}
