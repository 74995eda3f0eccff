-- Import speed (issues 10 and 16). A statement profile of a 20,000-ticket CSV import,
-- one writer, showed the catch-up flush as the largest cost (1.5 s of ~3.5 s in
-- PostgreSQL), and within it 0011/0013's span histogram delta (~1.0 s): each hourly
-- histogram row was expanded ten times (five grain/team pairs × two levels) and grouped
-- at once, summing in numeric. Two changes:
-- - Day rows are summed from the hourly ones, week rows from the day rows, all-teams rows
--   from the team rows and coarse bins from fine ones, in int8, so each grouping reads
--   rows already reduced by the one before.
-- - An insert deferred by an import notes only its earliest hour: the planner's guard
--   (supportgraph_rollups_current) only asks whether a pending hour lies before a
--   range's end, and the flush rebuilds only hours noted for a rebuild.
-- (Dropping the hourly all-teams rows, 57 % of the span histogram rows, was tried and
-- measured: the edge hours of an all-teams percentile in a zone such as Europe/Berlin
-- then came from every team's hourly rows, and a 52-week weekly FRT series at 1 M
-- tickets took 485 ms instead of 373 ms. They stay.)


-- Adds the hourly histogram rows `added` and takes away `removed` (counts are exact
-- integers, so the span rows stay the sums of their hours); rows whose count reaches
-- zero are deleted. Only spans a removed row belongs to can reach zero.
CREATE OR REPLACE FUNCTION supportgraph_span_histogram_apply(added "RollupHistogram"[], removed "RollupHistogram"[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  WITH d AS (
    SELECT a."metric", a."hour", a."teamId", a."bin", a."n" FROM unnest(added) a
    UNION ALL
    SELECT r."metric", r."hour", r."teamId", r."bin", -r."n" FROM unnest(removed) r
  ), day_team AS (
    SELECT d."metric", d."teamId" AS team, supportgraph_span_start(1, d."hour") AS start, d."bin", sum(d."n")::int8 AS n
      FROM d GROUP BY 1, 2, 3, 4
  ), week_team AS (
    SELECT x."metric", x.team, supportgraph_span_start(2, x.start) AS start, x."bin", sum(x.n)::int8 AS n
      FROM day_team x GROUP BY 1, 2, 3, 4
  ), fine AS (
    SELECT d."metric", 0 AS grain, -1 AS team, d."hour" AS start, d."bin", sum(d."n")::int8 AS n FROM d GROUP BY 1, 4, 5
    UNION ALL SELECT x."metric", 1, x.team, x.start, x."bin", x.n FROM day_team x
    UNION ALL SELECT x."metric", 1, -1, x.start, x."bin", sum(x.n)::int8 FROM day_team x GROUP BY 1, 4, 5
    UNION ALL SELECT x."metric", 2, x.team, x.start, x."bin", x.n FROM week_team x
    UNION ALL SELECT x."metric", 2, -1, x.start, x."bin", sum(x.n)::int8 FROM week_team x GROUP BY 1, 4, 5
  ), t AS (
    SELECT f."metric", f.grain, 0 AS level, f.team, f.start, f."bin", f.n FROM fine f
    UNION ALL
    SELECT f."metric", f.grain, 1, f.team, f.start, f."bin" >> 4, sum(f.n)::int8 FROM fine f GROUP BY 1, 2, 4, 5, 6
  )
  INSERT INTO "RollupSpanHistogram" AS s ("metric", "grain", "level", "teamId", "start", "bin", "n")
  SELECT * FROM t WHERE t.n <> 0 ORDER BY 1, 2, 3, 4, 5, 6
  ON CONFLICT ("metric", "grain", "level", "teamId", "start", "bin") DO UPDATE SET "n" = s."n" + EXCLUDED."n";
  IF cardinality(removed) > 0 THEN
    DELETE FROM "RollupSpanHistogram" s
     USING (SELECT DISTINCT r."metric", g.grain, l.level, g.team, supportgraph_span_start(g.grain, r."hour") AS start
              FROM unnest(removed) r
              CROSS JOIN LATERAL (VALUES (1, r."teamId"), (2, r."teamId"), (0, -1), (1, -1), (2, -1)) g(grain, team)
              CROSS JOIN (VALUES (0), (1)) l(level)) z
     WHERE s."metric" = z."metric" AND s."grain" = z.grain AND s."level" = z.level
       AND s."teamId" = z.team AND s."start" = z.start AND s."n" = 0;
  END IF;
END $$;

-- As in 0013, with an insert noting its earliest hour only (LEAST of the row's times is
-- at or before every hour supportgraph_rollup_ticket_hours gives it).
CREATE OR REPLACE FUNCTION supportgraph_rollup_defer_ticket() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT supportgraph_rollups_deferred() THEN RETURN NULL; END IF;
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "RollupPendingRow" ("kind", "id") SELECT 1, n."id" FROM new_rows n;
    PERFORM supportgraph_rollup_note(ARRAY(
      SELECT date_trunc('hour', min(LEAST(n."createdAt", n."solvedAt", n."firstResponseAt", n."firstResponseDueAt", n."resolutionDueAt")) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
        FROM new_rows n), false);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM supportgraph_rollup_note(ARRAY(SELECT unnest(supportgraph_rollup_ticket_hours(o."createdAt", o."solvedAt", o."firstResponseAt", o."firstResponseDueAt", o."resolutionDueAt")) FROM old_rows o));
  ELSE
    -- Both hours of every updated row (the upsert updates only rows that changed), and
    -- its survey responses' when the team changed.
    PERFORM supportgraph_rollup_note(ARRAY(
      SELECT unnest(supportgraph_rollup_ticket_hours(o."createdAt", o."solvedAt", o."firstResponseAt", o."firstResponseDueAt", o."resolutionDueAt")
                    || supportgraph_rollup_ticket_hours(n."createdAt", n."solvedAt", n."firstResponseAt", n."firstResponseDueAt", n."resolutionDueAt"))
        FROM old_rows o JOIN new_rows n USING ("id")
      UNION ALL
      SELECT date_trunc('hour', f."createdAt" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
        FROM old_rows o JOIN new_rows n USING ("id") JOIN "Feedback" f ON f."ticketId" = n."id"
       WHERE o."teamId" IS DISTINCT FROM n."teamId"));
  END IF;
  RETURN NULL;
END $$;

-- As in 0013, with an insert noting its earliest hour only.
CREATE OR REPLACE FUNCTION supportgraph_rollup_defer_feedback() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT supportgraph_rollups_deferred() THEN RETURN NULL; END IF;
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "RollupPendingRow" ("kind", "id") SELECT 2, n."id" FROM new_feedback n;
    PERFORM supportgraph_rollup_note(ARRAY(SELECT date_trunc('hour', min(n."createdAt") AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' FROM new_feedback n), false);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM supportgraph_rollup_note(ARRAY(SELECT date_trunc('hour', o."createdAt" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' FROM old_feedback o));
  ELSE
    PERFORM supportgraph_rollup_note(ARRAY(
      SELECT date_trunc('hour', x AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
        FROM old_feedback o JOIN new_feedback n ON n."id" = o."id"
       CROSS JOIN LATERAL unnest(ARRAY[o."createdAt", n."createdAt"]) x
       WHERE (o."createdAt", o."kind", o."score", o."ticketId", o."agentId") IS DISTINCT FROM
             (n."createdAt", n."kind", n."score", n."ticketId", n."agentId")));
  END IF;
  RETURN NULL;
END $$;
