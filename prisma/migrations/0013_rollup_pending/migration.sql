-- Deferred rollup maintenance for bulk writes (issues 10 and 16). Keeping the rollups
-- current statement by statement costs a file import about two thirds of its ticket
-- statement (the span histograms of 0011 above all: ~10 upserted rows per ticket). With
-- SET LOCAL supportgraph.rollups = 'defer' a transaction writes the rows and only notes
-- the UTC hours its writes touch in "RollupPending"; the importers call
-- supportgraph_rollup_flush_pending() at their end (the server also sweeps what a crashed
-- import left), which rebuilds exactly those hours from the rows in one grouped pass per
-- run of consecutive hours, then the day/week spans holding them from the hourly rows.
-- Until then the analytics planner (src/analytics/rollups/planner.ts) answers every
-- range that a pending hour can affect from the rows: a query is never answered from a
-- stale rollup, only more slowly.

-- UTC hours whose rollup rows may be stale. 'infinity' stands for every hour (a TRUNCATE).
CREATE TABLE "RollupPending" (
    "hour" TIMESTAMPTZ(3) NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "RollupPending_pkey" PRIMARY KEY ("hour")
);

-- 'defer' turns the per-statement maintenance off like 'off' does (0009/0011 triggers).
CREATE OR REPLACE FUNCTION supportgraph_rollups_on() RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT COALESCE(current_setting('supportgraph.rollups', true), '') NOT IN ('off', 'defer')
$$;

CREATE FUNCTION supportgraph_rollups_deferred() RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT COALESCE(current_setting('supportgraph.rollups', true), '') = 'defer'
$$;

-- The analytics statements' guard (planner.ts): raises SQLSTATE SGR01 when an hour before
-- `before` is pending, and the engine then answers from the rows. STABLE, without column
-- references: evaluated once per statement, at run time.
CREATE FUNCTION supportgraph_rollups_current(before TIMESTAMPTZ) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM "RollupPending" WHERE "hour" < before) THEN
    RAISE EXCEPTION 'supportgraph: rollup rows pending a rebuild before %', before USING ERRCODE = 'SGR01';
  END IF;
  RETURN true;
END $$;

-- Notes hours as pending. Sorted, so concurrent writers take the key locks in one order.
CREATE FUNCTION supportgraph_rollup_note(hours TIMESTAMPTZ[]) RETURNS void LANGUAGE sql AS $$
  INSERT INTO "RollupPending" ("hour")
  SELECT DISTINCT h FROM unnest(hours) h WHERE h IS NOT NULL ORDER BY 1
  ON CONFLICT ("hour") DO NOTHING
$$;

-- The hours of every ticket row written; on update only rows whose rollup inputs changed,
-- with their feedback's hours when the team changed (feedback is credited to it).
CREATE FUNCTION supportgraph_rollup_defer_ticket() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT supportgraph_rollups_deferred() THEN RETURN NULL; END IF;
  IF TG_OP = 'INSERT' THEN
    PERFORM supportgraph_rollup_note(ARRAY(SELECT unnest(supportgraph_rollup_ticket_hours(n."createdAt", n."solvedAt", n."firstResponseAt", n."firstResponseDueAt", n."resolutionDueAt")) FROM new_rows n));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM supportgraph_rollup_note(ARRAY(SELECT unnest(supportgraph_rollup_ticket_hours(o."createdAt", o."solvedAt", o."firstResponseAt", o."firstResponseDueAt", o."resolutionDueAt")) FROM old_rows o));
  ELSE
    PERFORM supportgraph_rollup_note(ARRAY(
      WITH changed AS (
        SELECT n."id", o."teamId" AS "oldTeam", n."teamId" AS "newTeam",
               supportgraph_rollup_ticket_hours(o."createdAt", o."solvedAt", o."firstResponseAt", o."firstResponseDueAt", o."resolutionDueAt")
               || supportgraph_rollup_ticket_hours(n."createdAt", n."solvedAt", n."firstResponseAt", n."firstResponseDueAt", n."resolutionDueAt") AS hours
          FROM old_rows o JOIN new_rows n ON n."id" = o."id"
         WHERE (o."createdAt", o."solvedAt", o."firstResponseAt", o."firstResponseDueAt", o."resolutionDueAt", o."teamId",
                o."escalated", o."reopenCount", o."agentReplies", o."firstResponseBusinessSeconds", o."resolutionBusinessSeconds")
               IS DISTINCT FROM
               (n."createdAt", n."solvedAt", n."firstResponseAt", n."firstResponseDueAt", n."resolutionDueAt", n."teamId",
                n."escalated", n."reopenCount", n."agentReplies", n."firstResponseBusinessSeconds", n."resolutionBusinessSeconds"))
      SELECT unnest(c.hours) FROM changed c
      UNION ALL
      SELECT date_trunc('hour', f."createdAt" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
        FROM changed c JOIN "Feedback" f ON f."ticketId" = c."id"
       WHERE c."oldTeam" IS DISTINCT FROM c."newTeam"));
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION supportgraph_rollup_defer_feedback() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT supportgraph_rollups_deferred() THEN RETURN NULL; END IF;
  IF TG_OP = 'INSERT' THEN
    PERFORM supportgraph_rollup_note(ARRAY(SELECT date_trunc('hour', n."createdAt" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' FROM new_feedback n));
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

-- Feedback naming no ticket is credited to its agent's team.
CREATE FUNCTION supportgraph_rollup_defer_agent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF supportgraph_rollups_deferred() THEN
    PERFORM supportgraph_rollup_note(ARRAY(
      SELECT date_trunc('hour', f."createdAt" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
        FROM old_agents o JOIN new_agents n ON n."id" = o."id"
        JOIN "Feedback" f ON f."agentId" = n."id" AND f."ticketId" IS NULL
       WHERE o."teamId" IS DISTINCT FROM n."teamId"));
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION supportgraph_rollup_defer_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF supportgraph_rollups_deferred() THEN
    PERFORM supportgraph_rollup_note(ARRAY['infinity'::timestamptz]);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "Ticket_rollup_defer_insert" AFTER INSERT ON "Ticket" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION supportgraph_rollup_defer_ticket();
CREATE TRIGGER "Ticket_rollup_defer_update" AFTER UPDATE ON "Ticket" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION supportgraph_rollup_defer_ticket();
CREATE TRIGGER "Ticket_rollup_defer_delete" AFTER DELETE ON "Ticket" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION supportgraph_rollup_defer_ticket();
CREATE TRIGGER "Feedback_rollup_defer_insert" AFTER INSERT ON "Feedback" REFERENCING NEW TABLE AS new_feedback
  FOR EACH STATEMENT EXECUTE FUNCTION supportgraph_rollup_defer_feedback();
CREATE TRIGGER "Feedback_rollup_defer_update" AFTER UPDATE ON "Feedback" REFERENCING OLD TABLE AS old_feedback NEW TABLE AS new_feedback
  FOR EACH STATEMENT EXECUTE FUNCTION supportgraph_rollup_defer_feedback();
CREATE TRIGGER "Feedback_rollup_defer_delete" AFTER DELETE ON "Feedback" REFERENCING OLD TABLE AS old_feedback
  FOR EACH STATEMENT EXECUTE FUNCTION supportgraph_rollup_defer_feedback();
CREATE TRIGGER "Agent_rollup_defer_update" AFTER UPDATE ON "Agent" REFERENCING OLD TABLE AS old_agents NEW TABLE AS new_agents
  FOR EACH STATEMENT EXECUTE FUNCTION supportgraph_rollup_defer_agent();
CREATE TRIGGER "Ticket_rollup_defer_truncate" AFTER TRUNCATE ON "Ticket"
  FOR EACH STATEMENT EXECUTE FUNCTION supportgraph_rollup_defer_truncate();
CREATE TRIGGER "Feedback_rollup_defer_truncate" AFTER TRUNCATE ON "Feedback"
  FOR EACH STATEMENT EXECUTE FUNCTION supportgraph_rollup_defer_truncate();

-- Rebuilds the rollup rows of every pending hour and forgets them; returns how many hours
-- it rebuilt. The table locks make it one step against every other writer: deferred
-- writers wait to note hours until it commits (so an hour noted meanwhile is not lost),
-- and per-statement writers wait to add their deltas (which a rebuild that already saw
-- their rows would count twice).
-- JIT off and more work_mem: the cost of a flush varies with the rows it regroups, the
-- planner has no statistics for its temporary table, and compiling took longer than the
-- statements; a spilled hash aggregate doubled the histogram step.
CREATE FUNCTION supportgraph_rollup_flush_pending() RETURNS integer
LANGUAGE plpgsql SET jit = off SET work_mem = '64MB' AS $$
DECLARE
  hours TIMESTAMPTZ[];
  run RECORD;
  lo TIMESTAMPTZ;
  hi TIMESTAMPTZ;
  previous TEXT := COALESCE(current_setting('supportgraph.rollups', true), '');
BEGIN
  LOCK TABLE "RollupPending", "RollupHour", "RollupHistogram", "RollupSpan", "RollupSpanHistogram" IN EXCLUSIVE MODE;
  WITH taken AS (DELETE FROM "RollupPending" RETURNING "hour") SELECT array_agg("hour" ORDER BY "hour") INTO hours FROM taken;
  IF hours IS NULL THEN RETURN 0; END IF;
  PERFORM set_config('supportgraph.rollups', 'off', true);
  IF 'infinity'::timestamptz = ANY(hours) THEN
    PERFORM supportgraph_rollup_rebuild_all();
    PERFORM supportgraph_span_rebuild_all();
    PERFORM set_config('supportgraph.rollups', previous, true);
    RETURN cardinality(hours);
  END IF;

  -- Runs of consecutive hours [lo, hi): each is rebuilt from the tickets and responses
  -- with an event inside it, found through the time indexes (a ticket's SLA decision,
  -- LEAST(fulfilment, deadline), lies in the run only if one of its times does).
  FOR run IN
    SELECT min(h) AS lo, max(h) + interval '1 hour' AS hi
      FROM (SELECT h, h - (row_number() OVER (ORDER BY h))::int * interval '1 hour' AS grp FROM unnest(hours) h) x
     GROUP BY grp ORDER BY 1
  LOOP
    DELETE FROM "RollupHour" WHERE "hour" >= run.lo AND "hour" < run.hi;
    DELETE FROM "RollupHistogram" WHERE "hour" >= run.lo AND "hour" < run.hi;
    PERFORM supportgraph_rollup_add(
      ARRAY(SELECT id FROM "Ticket" WHERE "createdAt" >= run.lo AND "createdAt" < run.hi
            UNION SELECT id FROM "Ticket" WHERE "solvedAt" >= run.lo AND "solvedAt" < run.hi
            UNION SELECT id FROM "Ticket" WHERE "firstResponseAt" >= run.lo AND "firstResponseAt" < run.hi
            UNION SELECT id FROM "Ticket" WHERE "firstResponseDueAt" >= run.lo AND "firstResponseDueAt" < run.hi
            UNION SELECT id FROM "Ticket" WHERE "resolutionDueAt" >= run.lo AND "resolutionDueAt" < run.hi),
      ARRAY(SELECT id FROM "Feedback" WHERE "createdAt" >= run.lo AND "createdAt" < run.hi),
      run.lo, run.hi);
  END LOOP;

  -- The spans (UTC hour for all teams, day, week) holding a pending hour, regrouped from
  -- the hourly rows as supportgraph_span_rebuild_all does for all of them: one range scan
  -- of the hourly rows under those spans, each row mapped to its span per grain and kept
  -- when that span is one to rebuild (a hash join, not a range join per span).
  CREATE TEMP TABLE supportgraph_flush_spans ON COMMIT DROP AS
    SELECT DISTINCT g.grain, supportgraph_span_start(g.grain, h) AS start
      FROM unnest(hours) h CROSS JOIN (VALUES (0), (1), (2)) g(grain);
  ANALYZE supportgraph_flush_spans;
  SELECT min(start), max(start + supportgraph_span_length(grain)) INTO lo, hi FROM supportgraph_flush_spans;
  DELETE FROM "RollupSpan" s USING supportgraph_flush_spans k WHERE s."grain" = k.grain AND s."start" = k.start;
  DELETE FROM "RollupSpanHistogram" s USING supportgraph_flush_spans k WHERE s."grain" = k.grain AND s."start" = k.start;
  INSERT INTO "RollupSpan" ("source", "grain", "teamId", "start", "n", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "s1", "s2",
                            "d1n", "d1sum", "d1min", "d1max", "d2n", "d2sum", "d2min", "d2max")
  SELECT h."source", g.grain, g.team, k.start,
         sum(h."n"), sum(h."c1"), sum(h."c2"), sum(h."c3"), sum(h."c4"), sum(h."c5"), sum(h."c6"), sum(h."c7"), sum(h."s1"), sum(h."s2"),
         sum(h."d1n"), sum(h."d1sum"), min(h."d1min"), max(h."d1max"), sum(h."d2n"), sum(h."d2sum"), min(h."d2min"), max(h."d2max")
    FROM "RollupHour" h
    CROSS JOIN LATERAL (VALUES (1, h."teamId"), (2, h."teamId"), (0, -1), (1, -1), (2, -1)) g(grain, team)
    JOIN supportgraph_flush_spans k ON k.grain = g.grain AND k.start = supportgraph_span_start(g.grain, h."hour")
   WHERE h."source" = ANY('{1,2,3,4,5,6}'::int[]) AND h."hour" >= lo AND h."hour" < hi
   GROUP BY 1, 2, 3, 4;
  -- Fine bins from the hourly rows, then the coarse ones from those fine rows.
  INSERT INTO "RollupSpanHistogram" ("metric", "grain", "level", "teamId", "start", "bin", "n")
  SELECT h."metric", g.grain, 0, g.team, k.start, h."bin", sum(h."n")
    FROM "RollupHistogram" h
    CROSS JOIN LATERAL (VALUES (1, h."teamId"), (2, h."teamId"), (0, -1), (1, -1), (2, -1)) g(grain, team)
    JOIN supportgraph_flush_spans k ON k.grain = g.grain AND k.start = supportgraph_span_start(g.grain, h."hour")
   WHERE h."metric" = ANY('{1,2,3,4}'::int[]) AND h."hour" >= lo AND h."hour" < hi
   GROUP BY 1, 2, 4, 5, 6;
  INSERT INTO "RollupSpanHistogram" ("metric", "grain", "level", "teamId", "start", "bin", "n")
  SELECT s."metric", s."grain", 1, s."teamId", s."start", s."bin" >> 4, sum(s."n")
    FROM "RollupSpanHistogram" s JOIN supportgraph_flush_spans k ON s."grain" = k.grain AND s."start" = k.start
   WHERE s."metric" = ANY('{1,2,3,4}'::int[]) AND s."level" = 0
   GROUP BY 1, 2, 4, 5, 6;
  DROP TABLE supportgraph_flush_spans;
  PERFORM set_config('supportgraph.rollups', previous, true);
  RETURN cardinality(hours);
END $$;

SELECT supportgraph_track_data_version('"RollupPending"');
