-- Rollups grow by deltas on insert (issue 16): a batch of new tickets or survey responses
-- adds what its own rows contribute to their (source, hour, team) cells, with one
-- grouped statement per rollup table, instead of rebuilding every hour it touches from
-- all of that hour's rows (migration 0009's supportgraph_rollup_rebuild, hour by hour).
-- Counts and exact microsecond sums add; min and max combine with LEAST/GREATEST, so an
-- insert never needs the hour's other rows. Updates and deletes still rebuild the hours
-- of the rows whose rollup inputs changed (a removed contribution can take the min or
-- max with it). The same function builds every rollup from scratch in one grouped scan
-- per source (supportgraph_rollup_rebuild_all, the TRUNCATE triggers, and
-- src/analytics/rollups/maintain.ts) and rebuilds a range of hours
-- (supportgraph_rollup_rebuild_range, used after a large SLA recompute): one definition of
-- the rollup rows instead of a second copy in TypeScript.

-- Adds to "RollupHour" and "RollupHistogram" what the given tickets (null: all) and
-- survey responses (null: all; empty: none) contribute to the UTC hours in [lo, hi)
-- (null: unbounded). Rows are locked in key order, so concurrent writers queue
-- instead of deadlocking within one statement.
CREATE FUNCTION supportgraph_rollup_add(ticket_ids INTEGER[], feedback_ids INTEGER[], lo TIMESTAMPTZ, hi TIMESTAMPTZ) RETURNS void
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
   WHERE (lo IS NULL OR s.h >= lo) AND (hi IS NULL OR s.h < hi)
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
  s AS (
    SELECT date_trunc('hour', t."firstResponseAt" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS h, COALESCE(t."teamId", 0) AS team, x.m, x.v
      FROM t CROSS JOIN LATERAL (VALUES
        (1::int, EXTRACT(EPOCH FROM (t."firstResponseAt" - t."createdAt"))::float8),
        (2::int, COALESCE(t."firstResponseBusinessSeconds"::float8, EXTRACT(EPOCH FROM (t."firstResponseAt" - t."createdAt"))::float8))) x(m, v)
     WHERE t."firstResponseAt" IS NOT NULL
    UNION ALL
    SELECT date_trunc('hour', t."solvedAt" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', COALESCE(t."teamId", 0), x.m, x.v
      FROM t CROSS JOIN LATERAL (VALUES
        (3::int, EXTRACT(EPOCH FROM (t."solvedAt" - t."createdAt"))::float8),
        (4::int, COALESCE(t."resolutionBusinessSeconds"::float8, EXTRACT(EPOCH FROM (t."solvedAt" - t."createdAt"))::float8))) x(m, v)
     WHERE t."solvedAt" IS NOT NULL
  )
  SELECT s.m, s.h, s.team, supportgraph_rollup_bin(s.v), count(*) FROM s
   WHERE s.v IS NOT NULL AND (lo IS NULL OR s.h >= lo) AND (hi IS NULL OR s.h < hi)
   GROUP BY 1, 2, 3, 4
   ORDER BY 1, 2, 3, 4
  ON CONFLICT ("metric", "hour", "teamId", "bin") DO UPDATE SET "n" = r."n" + EXCLUDED."n";
END $$;

-- Every rollup row from scratch, in one grouped scan per source (was: hour by hour).
CREATE OR REPLACE FUNCTION supportgraph_rollup_rebuild_all() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "RollupHour";
  DELETE FROM "RollupHistogram";
  PERFORM supportgraph_rollup_add(NULL, NULL, NULL, NULL);
END $$;

-- The rollup rows of the UTC hours in [lo, hi) from scratch, in one grouped scan per
-- source: after a statement that changed many tickets with the triggers off (an SLA
-- recompute of every ticket a policy or calendar covers).
CREATE FUNCTION supportgraph_rollup_rebuild_range(lo TIMESTAMPTZ, hi TIMESTAMPTZ) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "RollupHour" WHERE "hour" >= lo AND "hour" < hi;
  DELETE FROM "RollupHistogram" WHERE "hour" >= lo AND "hour" < hi;
  PERFORM supportgraph_rollup_add(NULL, NULL, lo, hi);
END $$;

CREATE OR REPLACE FUNCTION supportgraph_rollup_ticket_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- New tickets have no survey responses yet (the foreign key needs the ticket first).
  IF supportgraph_rollups_on() THEN
    PERFORM supportgraph_rollup_add(ARRAY(SELECT n."id" FROM new_rows n), '{}', NULL, NULL);
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION supportgraph_rollup_feedback_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF supportgraph_rollups_on() THEN
    IF TG_OP = 'INSERT' THEN
      PERFORM supportgraph_rollup_add('{}', ARRAY(SELECT n."id" FROM new_feedback n), NULL, NULL);
    ELSIF TG_OP = 'DELETE' THEN
      PERFORM supportgraph_rollup_rebuild(ARRAY(SELECT date_trunc('hour', "createdAt" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' FROM old_feedback));
    END IF;
  END IF;
  RETURN NULL;
END $$;
