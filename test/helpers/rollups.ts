import type { Database } from '../../src/db/client.ts';
import { rebuildAllRollups } from '../../src/analytics/rollups/maintain.ts';
import { inRolledBackTransaction } from '../../src/ingest/upsert.ts';

/** Rows of the rollup tables that a rebuild from scratch would change (none: maintenance kept up). */
export async function rollupDriftOf(db: Database, rebuild: 'hourly' | 'full' = 'hourly'): Promise<number> {
  return inRolledBackTransaction(db, async (tx) => {
    const differing = async (a: string, b: string) => {
      const [row] = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ((TABLE ${a} EXCEPT ALL TABLE ${b}) UNION ALL (TABLE ${b} EXCEPT ALL TABLE ${a})) x`);
      return row.n;
    };
    // The daily/weekly spans that the triggers on the hourly tables keep must equal the
    // sums of the hourly rows, grouped from scratch (before and after the hourly rebuild,
    // which writes the hourly tables and so moves the spans by its own deltas).
    const spanDrift = async (tag: string) => {
      await tx.query(`CREATE TEMP TABLE snap_s${tag} AS SELECT * FROM "RollupSpan"`);
      await tx.query(`CREATE TEMP TABLE snap_sb${tag} AS SELECT * FROM "RollupSpanHistogram"`);
      await tx.query('SELECT supportgraph_span_rebuild_all()');
      return (await differing(`snap_s${tag}`, '"RollupSpan"')) + (await differing(`snap_sb${tag}`, '"RollupSpanHistogram"'));
    };
    const before = await spanDrift('1');
    await tx.query(`CREATE TEMP TABLE snap_h AS SELECT * FROM "RollupHour"`);
    await tx.query(`CREATE TEMP TABLE snap_b AS SELECT * FROM "RollupHistogram"`);
    // The update triggers' hour-by-hour rebuild (migration 0009) of every hour, or the
    // grouped scans of migration 0010 that inserts add deltas with.
    if (rebuild === 'hourly') {
      await tx.query(`DELETE FROM "RollupHour"`);
      await tx.query(`DELETE FROM "RollupHistogram"`);
      await tx.query(
        `SELECT supportgraph_rollup_rebuild(ARRAY(
           SELECT DISTINCT date_trunc('hour', x AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
             FROM (SELECT unnest(ARRAY["createdAt", "solvedAt", "firstResponseAt", "firstResponseDueAt", "resolutionDueAt"]) AS x FROM "Ticket"
                   UNION ALL SELECT "createdAt" FROM "Feedback") e
            WHERE x IS NOT NULL))`,
      );
    } else await rebuildAllRollups(tx);
    const hourly = (await differing('snap_h', '"RollupHour"')) + (await differing('snap_b', '"RollupHistogram"'));
    return before + hourly + (await spanDrift('2'));
  });
}

