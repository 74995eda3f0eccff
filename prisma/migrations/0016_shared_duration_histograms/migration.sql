-- Import speed (issues 10 and 16): half the histogram rows when a ticket's business
-- duration falls in the same bin as its calendar one. That is every ticket without an
-- SLA policy or with a 24/7 one, whose business seconds are null or equal to the
-- calendar seconds, and each was written twice (metrics 1 and 2, 3 and 4) into
-- "RollupHistogram" and again into the span histograms. Such a ticket now has one row in
-- a shared metric: 5 (first response) or 6 (resolution). A ticket whose two durations
-- differ keeps one row in each of the pair. A histogram is then the sum of two metrics:
-- first response 1 + 5, business first response 2 + 5, resolution 3 + 6, business
-- resolution 4 + 6 (src/analytics/rollups/definition.ts, SHARED_METRIC). The bins, and
-- so every percentile, are unchanged.
-- The hours that the per-statement triggers rebuild (0009's supportgraph_rollup_rebuild)
-- now go through supportgraph_rollup_add as well, all of them in one call (its new
-- only_hours), so the histogram rows have one definition. Existing rollups are rebuilt
-- from the rows (minutes at 10 M tickets).

-- As in 0010, with the histogram rows shared where the two durations share a bin.
DROP FUNCTION supportgraph_rollup_add(INTEGER[], INTEGER[], TIMESTAMPTZ, TIMESTAMPTZ);
-- only_hours (null: every hour in [lo, hi)): the hours whose contributions are added.
CREATE FUNCTION supportgraph_rollup_add(ticket_ids INTEGER[], feedback_ids INTEGER[], lo TIMESTAMPTZ, hi TIMESTAMPTZ, only_hours TIMESTAMPTZ[] DEFAULT NULL) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF cardinality(ticket_ids) = 0 AND cardinality(feedback_ids) = 0 THEN RETURN; END IF;

  INSERT INTO "RollupHour" AS r ("source", "hour", "teamId", "n", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "s1", "s2",
                                  "d1n", "d1sum", "d1min", "d1max", "d2n", "d2sum", "d2min", "d2max")
  WITH t AS (
    -- By id through the primary key; the whole table only when asked for (the second
    -- branch is skipped at run time, whatever plan is cached).
    SELECT x.* FROM "Ticket" x WHERE x."id" = ANY(ticket_ids)
    UNION ALL SELECT x.* FROM "Ticket" x WHERE ticket_ids IS NULL
  ),
  f AS (
    SELECT x.* FROM "Feedback" x WHERE x."id" = ANY(feedback_ids)
    UNION ALL SELECT x.* FROM "Feedback" x WHERE feedback_ids IS NULL
  ),
  v AS (
    SELECT t.*, COALESCE(t."teamId", 0) AS team,
           EXTRACT(EPOCH FROM (t."solvedAt" - t."createdAt"))::float8 AS res,
           COALESCE(t."resolutionBusinessSeconds"::float8, EXTRACT(EPOCH FROM (t."solvedAt" - t."createdAt"))::float8) AS res_b,
           EXTRACT(EPOCH FROM (t."firstResponseAt" - t."createdAt"))::float8 AS frt,
           COALESCE(t."firstResponseBusinessSeconds"::float8, EXTRACT(EPOCH FROM (t."firstResponseAt" - t."createdAt"))::float8) AS frt_b
      FROM t
  ),
  s AS (
    SELECT 1 AS source, date_trunc('hour', v."createdAt" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS h, v.team,
           count(*) AS n, count(*) FILTER (WHERE v."escalated") AS c1, 0::bigint AS c2, 0::bigint AS c3, 0::bigint AS c4,
           0::bigint AS c5, 0::bigint AS c6, 0::bigint AS c7, 0::bigint AS s1, 0::bigint AS s2,
           0::bigint AS d1n, 0::bigint AS d1sum, NULL::float8 AS d1min, NULL::float8 AS d1max,
           0::bigint AS d2n, 0::bigint AS d2sum, NULL::float8 AS d2min, NULL::float8 AS d2max
      FROM v GROUP BY 2, 3
    UNION ALL
    SELECT 2, date_trunc('hour', v."solvedAt" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', v.team, count(*),
           count(*) FILTER (WHERE v."reopenCount" > 0),
           count(*) FILTER (WHERE v."agentReplies" = 1),
           count(*) FILTER (WHERE v."agentReplies" = 1 AND v."reopenCount" = 0), 0, 0, 0, 0, 0, 0,
           count(v.res), COALESCE(sum(round(v.res * 1000000)::bigint), 0), min(v.res), max(v.res),
           count(v.res_b), COALESCE(sum(round(v.res_b * 1000000)::bigint), 0), min(v.res_b), max(v.res_b)
      FROM v WHERE v."solvedAt" IS NOT NULL GROUP BY 2, 3
    UNION ALL
    SELECT 3, date_trunc('hour', v."firstResponseAt" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', v.team, count(*),
           0, 0, 0, 0, 0, 0, 0, 0, 0,
           count(v.frt), COALESCE(sum(round(v.frt * 1000000)::bigint), 0), min(v.frt), max(v.frt),
           count(v.frt_b), COALESCE(sum(round(v.frt_b * 1000000)::bigint), 0), min(v.frt_b), max(v.frt_b)
      FROM v WHERE v."firstResponseAt" IS NOT NULL GROUP BY 2, 3
    UNION ALL
    -- SLA targets at their decision: LEAST(fulfilment, deadline).
    SELECT 4, date_trunc('hour', LEAST(v."firstResponseAt", v."solvedAt", v."firstResponseDueAt") AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', v.team,
           count(*), count(*) FILTER (WHERE LEAST(v."firstResponseAt", v."solvedAt") <= v."firstResponseDueAt"),
           0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL, NULL, 0, 0, NULL, NULL
      FROM v WHERE v."firstResponseDueAt" IS NOT NULL GROUP BY 2, 3
    UNION ALL
    SELECT 5, date_trunc('hour', LEAST(v."solvedAt", v."resolutionDueAt") AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', v.team,
           count(*), count(*) FILTER (WHERE v."solvedAt" <= v."resolutionDueAt"),
           0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL, NULL, 0, 0, NULL, NULL
      FROM v WHERE v."resolutionDueAt" IS NOT NULL GROUP BY 2, 3
    UNION ALL
    -- Feedback is credited to its ticket's team, or to the team of the agent it names.
    SELECT 6, date_trunc('hour', f."createdAt" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
           COALESCE(CASE WHEN f."ticketId" IS NULL THEN fa."teamId" ELSE ft."teamId" END, 0), count(*),
           count(*) FILTER (WHERE f."kind" = 'CSAT'),
           count(*) FILTER (WHERE f."kind" = 'CSAT' AND f."score" >= 4),
           count(*) FILTER (WHERE f."kind" = 'NPS'),
           count(*) FILTER (WHERE f."kind" = 'NPS' AND f."score" >= 9),
           count(*) FILTER (WHERE f."kind" = 'NPS' AND f."score" BETWEEN 7 AND 8),
           count(*) FILTER (WHERE f."kind" = 'NPS' AND f."score" <= 6),
           count(*) FILTER (WHERE f."kind" = 'CES'),
           COALESCE(sum(f."score") FILTER (WHERE f."kind" = 'CSAT'), 0),
           COALESCE(sum(f."score") FILTER (WHERE f."kind" = 'CES'), 0),
           0, 0, NULL, NULL, 0, 0, NULL, NULL
      FROM f
      LEFT JOIN "Ticket" ft ON ft."id" = f."ticketId"
      LEFT JOIN "Agent" fa ON f."ticketId" IS NULL AND fa."id" = f."agentId"
     GROUP BY 2, 3
  )
  SELECT * FROM s
   WHERE (lo IS NULL OR s.h >= lo) AND (hi IS NULL OR s.h < hi) AND (only_hours IS NULL OR s.h = ANY(only_hours))
   ORDER BY 1, 2, 3
  ON CONFLICT ("source", "hour", "teamId") DO UPDATE SET
    "n" = r."n" + EXCLUDED."n", "c1" = r."c1" + EXCLUDED."c1", "c2" = r."c2" + EXCLUDED."c2", "c3" = r."c3" + EXCLUDED."c3",
    "c4" = r."c4" + EXCLUDED."c4", "c5" = r."c5" + EXCLUDED."c5", "c6" = r."c6" + EXCLUDED."c6", "c7" = r."c7" + EXCLUDED."c7",
    "s1" = r."s1" + EXCLUDED."s1", "s2" = r."s2" + EXCLUDED."s2",
    "d1n" = r."d1n" + EXCLUDED."d1n", "d1sum" = r."d1sum" + EXCLUDED."d1sum",
    "d1min" = LEAST(r."d1min", EXCLUDED."d1min"), "d1max" = GREATEST(r."d1max", EXCLUDED."d1max"),
    "d2n" = r."d2n" + EXCLUDED."d2n", "d2sum" = r."d2sum" + EXCLUDED."d2sum",
    "d2min" = LEAST(r."d2min", EXCLUDED."d2min"), "d2max" = GREATEST(r."d2max", EXCLUDED."d2max");

  IF cardinality(ticket_ids) = 0 THEN RETURN; END IF;
  INSERT INTO "RollupHistogram" AS r ("metric", "hour", "teamId", "bin", "n")
  WITH t AS (
    SELECT x.* FROM "Ticket" x WHERE x."id" = ANY(ticket_ids)
    UNION ALL SELECT x.* FROM "Ticket" x WHERE ticket_ids IS NULL
  ),
  v AS (
    SELECT date_trunc('hour', t."firstResponseAt" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS h, COALESCE(t."teamId", 0) AS team, 1 AS m,
           supportgraph_rollup_bin(EXTRACT(EPOCH FROM (t."firstResponseAt" - t."createdAt"))::float8) AS b,
           supportgraph_rollup_bin(COALESCE(t."firstResponseBusinessSeconds"::float8, EXTRACT(EPOCH FROM (t."firstResponseAt" - t."createdAt"))::float8)) AS bb
      FROM t WHERE t."firstResponseAt" IS NOT NULL
    UNION ALL
    SELECT date_trunc('hour', t."solvedAt" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', COALESCE(t."teamId", 0), 3,
           supportgraph_rollup_bin(EXTRACT(EPOCH FROM (t."solvedAt" - t."createdAt"))::float8),
           supportgraph_rollup_bin(COALESCE(t."resolutionBusinessSeconds"::float8, EXTRACT(EPOCH FROM (t."solvedAt" - t."createdAt"))::float8))
      FROM t WHERE t."solvedAt" IS NOT NULL
  ),
  -- One row in the shared metric (5 or 6) when both durations fall in one bin, else one
  -- row in each of the pair.
  s AS (
    SELECT v.h, v.team, x.m, x.bin FROM v
     CROSS JOIN LATERAL (VALUES (CASE WHEN v.b = v.bb THEN v.m / 2 + 5 ELSE v.m END, v.b),
                                (v.m + 1, CASE WHEN v.b = v.bb THEN NULL ELSE v.bb END)) x(m, bin)
     WHERE x.bin IS NOT NULL
  )
  SELECT s.m, s.h, s.team, s.bin, count(*) FROM s
   WHERE (lo IS NULL OR s.h >= lo) AND (hi IS NULL OR s.h < hi) AND (only_hours IS NULL OR s.h = ANY(only_hours))
   GROUP BY 1, 2, 3, 4
   ORDER BY 1, 2, 3, 4
  ON CONFLICT ("metric", "hour", "teamId", "bin") DO UPDATE SET "n" = r."n" + EXCLUDED."n";
END $$;

-- Every rollup row of the given UTC hours from the rows (as 0009's, which had its own
-- copy of the rollup rows): the tickets with an event time in one of them, found through
-- the time indexes (an SLA decision, LEAST(fulfilment, deadline), lies in an hour only if
-- one of its times does), and the survey responses in them, added for those hours only.
CREATE OR REPLACE FUNCTION supportgraph_rollup_rebuild(hours TIMESTAMPTZ[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  hours := ARRAY(SELECT DISTINCT x FROM unnest(hours) x WHERE x IS NOT NULL);
  IF cardinality(hours) = 0 THEN RETURN; END IF;
  DELETE FROM "RollupHour" WHERE "hour" = ANY(hours);
  DELETE FROM "RollupHistogram" WHERE "hour" = ANY(hours);
  PERFORM supportgraph_rollup_add(
    ARRAY(SELECT t.id FROM unnest(hours) w(h) JOIN "Ticket" t ON t."createdAt" >= w.h AND t."createdAt" < w.h + interval '1 hour'
          UNION SELECT t.id FROM unnest(hours) w(h) JOIN "Ticket" t ON t."solvedAt" >= w.h AND t."solvedAt" < w.h + interval '1 hour'
          UNION SELECT t.id FROM unnest(hours) w(h) JOIN "Ticket" t ON t."firstResponseAt" >= w.h AND t."firstResponseAt" < w.h + interval '1 hour'
          UNION SELECT t.id FROM unnest(hours) w(h) JOIN "Ticket" t ON t."firstResponseDueAt" >= w.h AND t."firstResponseDueAt" < w.h + interval '1 hour'
          UNION SELECT t.id FROM unnest(hours) w(h) JOIN "Ticket" t ON t."resolutionDueAt" >= w.h AND t."resolutionDueAt" < w.h + interval '1 hour'),
    ARRAY(SELECT f.id FROM unnest(hours) w(h) JOIN "Feedback" f ON f."createdAt" >= w.h AND f."createdAt" < w.h + interval '1 hour'),
    NULL, NULL, hours);
END $$;

-- The stored histograms in the new encoding; the span triggers are off meanwhile, the spans
-- are rebuilt after.
SELECT set_config('supportgraph.rollups', 'off', true);
SELECT supportgraph_rollup_rebuild_all();
SELECT supportgraph_span_rebuild_all();
SELECT set_config('supportgraph.rollups', '', true);
