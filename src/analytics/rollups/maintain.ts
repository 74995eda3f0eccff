import type { IngestTx } from '../../ingest/hooks.ts';

// The UTC hour of an instant, whatever the session's time zone.
const hour = (x: string) => `(date_trunc('hour', ${x} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')`;
const frt = `EXTRACT(EPOCH FROM (t."firstResponseAt" - t."createdAt"))::float8`;
const frtBusiness = `COALESCE(t."firstResponseBusinessSeconds"::float8, ${frt})`;
const res = `EXTRACT(EPOCH FROM (t."solvedAt" - t."createdAt"))::float8`;
const resBusiness = `COALESCE(t."resolutionBusinessSeconds"::float8, ${res})`;
const durations = (v1: string, v2: string) =>
  `count(${v1}), COALESCE(sum(round(${v1} * 1000000)::bigint), 0), min(${v1}), max(${v1}),
   count(${v2}), COALESCE(sum(round(${v2} * 1000000)::bigint), 0), min(${v2}), max(${v2})`;
const frDecision = `LEAST(t."firstResponseAt", t."solvedAt", t."firstResponseDueAt")`;
const resDecision = `LEAST(t."solvedAt", t."resolutionDueAt")`;

/**
 * The whole-table build of the rollups: one grouped scan per source instead of the
 * triggers' hour-by-hour index probes (a million tickets in seconds, not many minutes).
 * The same columns as supportgraph_rollup_rebuild in migration 0009; the rollup tests
 * check that both give identical rows.
 */
const FULL_BUILD = [
  `DELETE FROM "RollupHour"`,
  `DELETE FROM "RollupHistogram"`,
  `INSERT INTO "RollupHour" ("source", "hour", "teamId", "n", "c1")
   SELECT 1, ${hour('t."createdAt"')}, COALESCE(t."teamId", 0), count(*), count(*) FILTER (WHERE t."escalated")
     FROM "Ticket" t GROUP BY 2, 3`,
  `INSERT INTO "RollupHour" ("source", "hour", "teamId", "n", "c1", "c2", "c3", "d1n", "d1sum", "d1min", "d1max", "d2n", "d2sum", "d2min", "d2max")
   SELECT 2, ${hour('t."solvedAt"')}, COALESCE(t."teamId", 0), count(*),
          count(*) FILTER (WHERE t."reopenCount" > 0),
          count(*) FILTER (WHERE t."agentReplies" = 1),
          count(*) FILTER (WHERE t."agentReplies" = 1 AND t."reopenCount" = 0),
          ${durations(res, resBusiness)}
     FROM "Ticket" t WHERE t."solvedAt" IS NOT NULL GROUP BY 2, 3`,
  `INSERT INTO "RollupHour" ("source", "hour", "teamId", "n", "d1n", "d1sum", "d1min", "d1max", "d2n", "d2sum", "d2min", "d2max")
   SELECT 3, ${hour('t."firstResponseAt"')}, COALESCE(t."teamId", 0), count(*), ${durations(frt, frtBusiness)}
     FROM "Ticket" t WHERE t."firstResponseAt" IS NOT NULL GROUP BY 2, 3`,
  `INSERT INTO "RollupHour" ("source", "hour", "teamId", "n", "c1")
   SELECT 4, ${hour(frDecision)}, COALESCE(t."teamId", 0), count(*),
          count(*) FILTER (WHERE LEAST(t."firstResponseAt", t."solvedAt") <= t."firstResponseDueAt")
     FROM "Ticket" t WHERE t."firstResponseDueAt" IS NOT NULL GROUP BY 2, 3`,
  `INSERT INTO "RollupHour" ("source", "hour", "teamId", "n", "c1")
   SELECT 5, ${hour(resDecision)}, COALESCE(t."teamId", 0), count(*), count(*) FILTER (WHERE t."solvedAt" <= t."resolutionDueAt")
     FROM "Ticket" t WHERE t."resolutionDueAt" IS NOT NULL GROUP BY 2, 3`,
  `INSERT INTO "RollupHour" ("source", "hour", "teamId", "n", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "s1", "s2")
   SELECT 6, ${hour('f."createdAt"')}, COALESCE(CASE WHEN f."ticketId" IS NULL THEN fa."teamId" ELSE t."teamId" END, 0), count(*),
          count(*) FILTER (WHERE f."kind" = 'CSAT'),
          count(*) FILTER (WHERE f."kind" = 'CSAT' AND f."score" >= 4),
          count(*) FILTER (WHERE f."kind" = 'NPS'),
          count(*) FILTER (WHERE f."kind" = 'NPS' AND f."score" >= 9),
          count(*) FILTER (WHERE f."kind" = 'NPS' AND f."score" BETWEEN 7 AND 8),
          count(*) FILTER (WHERE f."kind" = 'NPS' AND f."score" <= 6),
          count(*) FILTER (WHERE f."kind" = 'CES'),
          COALESCE(sum(f."score") FILTER (WHERE f."kind" = 'CSAT'), 0),
          COALESCE(sum(f."score") FILTER (WHERE f."kind" = 'CES'), 0)
     FROM "Feedback" f
     LEFT JOIN "Ticket" t ON t."id" = f."ticketId"
     LEFT JOIN "Agent" fa ON f."ticketId" IS NULL AND fa."id" = f."agentId"
    GROUP BY 2, 3`,
  `INSERT INTO "RollupHistogram" ("metric", "hour", "teamId", "bin", "n")
   SELECT m, h, team, supportgraph_rollup_bin(v), count(*)
     FROM (SELECT ${hour('t."firstResponseAt"')} AS h, COALESCE(t."teamId", 0) AS team, x.m, x.v
             FROM "Ticket" t CROSS JOIN LATERAL (VALUES (1, ${frt}), (2, ${frtBusiness})) x(m, v)
            WHERE t."firstResponseAt" IS NOT NULL
           UNION ALL
           SELECT ${hour('t."solvedAt"')}, COALESCE(t."teamId", 0), x.m, x.v
             FROM "Ticket" t CROSS JOIN LATERAL (VALUES (3, ${res}), (4, ${resBusiness})) x(m, v)
            WHERE t."solvedAt" IS NOT NULL) s
    WHERE v IS NOT NULL
    GROUP BY 1, 2, 3, 4`,
  // Daily and weekly spans from the hourly rows just written (migration 0011).
  `SELECT supportgraph_span_rebuild_all()`,
];

/**
 * Rebuilds every rollup row from the tables inside the caller's transaction, with one
 * grouped scan per source. Needed only after a bulk load that turned the maintenance
 * triggers off (`rollupsOffForTransaction`); every other write keeps the rollups
 * current by itself.
 */
export async function rebuildAllRollups(tx: Pick<IngestTx, 'query'>): Promise<void> {
  for (const sql of FULL_BUILD) await tx.query(sql);
}

/**
 * Turns rollup maintenance off until the end of the caller's transaction, for a bulk
 * load that calls rebuildAllRollups once at its end instead of rebuilding per statement.
 */
export async function rollupsOffForTransaction(tx: Pick<IngestTx, 'query'>): Promise<void> {
  await tx.query(`SET LOCAL supportgraph.rollups = 'off'`);
}
