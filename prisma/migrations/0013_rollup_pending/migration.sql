-- Deferred rollup maintenance for bulk writes (issues 10 and 16). Keeping the rollups
-- current statement by statement costs a file import about two thirds of its ticket
-- statement (the span histograms of 0011 above all: ~10 upserted rows per ticket, many of
-- them the same week rows again and again). With SET LOCAL supportgraph.rollups = 'defer'
-- a transaction writes the rows and only notes what it did: the ids of the tickets and
-- survey responses it inserted, and the UTC hours whose rows an update or a delete may
-- have changed. The importers call supportgraph_rollup_flush_pending() at their end (the
-- server also sweeps what a killed import left), which adds the inserted rows'
-- contributions as one delta and rebuilds the changed hours from the rows, with the
-- per-statement triggers on, so the day/week spans follow by their own deltas.
-- Until then the analytics planner (src/analytics/rollups/planner.ts) answers every range
-- that a pending hour can affect from the rows: a query is never answered from a stale
-- rollup, only more slowly.

-- UTC hours whose rollup rows are stale: "rebuild" when an update or a delete touched
-- them (rebuilt from the rows), else only inserted rows await their delta (kept for the
-- planner's guard). '-infinity' stands for every hour (a TRUNCATE): it precedes the end
-- of any range, so the guard sees it.
CREATE TABLE "RollupPending" (
    "hour" TIMESTAMPTZ(3) NOT NULL,
    "rebuild" BOOLEAN NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "RollupPending_pkey" PRIMARY KEY ("hour")
);

-- Tickets (kind 1) and survey responses (kind 2) inserted with maintenance deferred.
CREATE TABLE "RollupPendingRow" (
    "kind" INTEGER NOT NULL,
    "id" INTEGER NOT NULL,
    CONSTRAINT "RollupPendingRow_pkey" PRIMARY KEY ("kind", "id")
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

-- Notes hours as pending (to rebuild, or awaiting deltas only). Sorted, so concurrent
-- writers take the key locks in one order; an hour once to rebuild stays so. An hour
-- already noted is updated all the same: the row lock makes a flush that is taking the
-- hour wait for this transaction, so it cannot forget the hour while this one's rows
-- are still invisible to it.
CREATE FUNCTION supportgraph_rollup_note(hours TIMESTAMPTZ[], to_rebuild BOOLEAN DEFAULT true) RETURNS void LANGUAGE sql AS $$
  INSERT INTO "RollupPending" AS p ("hour", "rebuild")
  SELECT DISTINCT h, to_rebuild FROM unnest(hours) h WHERE h IS NOT NULL ORDER BY 1
  ON CONFLICT ("hour") DO UPDATE SET "rebuild" = p."rebuild" OR EXCLUDED."rebuild"
$$;

-- What a ticket statement deferred: inserted ids (and their hours, for the planner's
-- guard), the hours of updated and deleted rows to rebuild.
CREATE FUNCTION supportgraph_rollup_defer_ticket() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT supportgraph_rollups_deferred() THEN RETURN NULL; END IF;
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "RollupPendingRow" ("kind", "id") SELECT 1, n."id" FROM new_rows n;
    PERFORM supportgraph_rollup_note(ARRAY(SELECT unnest(supportgraph_rollup_ticket_hours(n."createdAt", n."solvedAt", n."firstResponseAt", n."firstResponseDueAt", n."resolutionDueAt")) FROM new_rows n), false);
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

CREATE FUNCTION supportgraph_rollup_defer_feedback() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT supportgraph_rollups_deferred() THEN RETURN NULL; END IF;
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "RollupPendingRow" ("kind", "id") SELECT 2, n."id" FROM new_feedback n;
    PERFORM supportgraph_rollup_note(ARRAY(SELECT date_trunc('hour', n."createdAt" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' FROM new_feedback n), false);
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
    PERFORM supportgraph_rollup_note(ARRAY['-infinity'::timestamptz]);
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

-- 0011's span histogram delta with its rows upserted in key order: a flush upserts a
-- whole import's span rows in one statement, and in key order the index pages it
-- touches are visited once each instead of at random (~15 % of a flush).
CREATE OR REPLACE FUNCTION supportgraph_span_histogram_apply(added "RollupHistogram"[], removed "RollupHistogram"[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  emptied "RollupSpanHistogram"[];
BEGIN
  WITH d AS (
    SELECT a."metric", a."hour", a."teamId", a."bin", a."n" FROM unnest(added) a
    UNION ALL
    SELECT r."metric", r."hour", r."teamId", r."bin", -r."n" FROM unnest(removed) r
  ), t AS (
    SELECT d."metric", g.grain, l.level, g.team, supportgraph_span_start(g.grain, d."hour") AS start,
           CASE WHEN l.level = 0 THEN d."bin" ELSE d."bin" >> 4 END AS bin, sum(d."n") AS n
      FROM d
      CROSS JOIN LATERAL (VALUES (1, d."teamId"), (2, d."teamId"), (0, -1), (1, -1), (2, -1)) g(grain, team)
      CROSS JOIN (VALUES (0), (1)) l(level)
     GROUP BY 1, 2, 3, 4, 5, 6
    HAVING sum(d."n") <> 0
  ), up AS (
    INSERT INTO "RollupSpanHistogram" AS s ("metric", "grain", "level", "teamId", "start", "bin", "n")
    SELECT "metric", grain, level, team, start, bin, n FROM t ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT ("metric", "grain", "level", "teamId", "start", "bin") DO UPDATE SET "n" = s."n" + EXCLUDED."n"
    RETURNING s.*
  )
  SELECT array_agg(ROW(up.*)::"RollupSpanHistogram") FILTER (WHERE up."n" = 0) INTO emptied FROM up;
  IF emptied IS NOT NULL THEN
    DELETE FROM "RollupSpanHistogram" s USING unnest(emptied) z
     WHERE s."metric" = z."metric" AND s."grain" = z."grain" AND s."level" = z."level"
       AND s."teamId" = z."teamId" AND s."start" = z."start" AND s."bin" = z."bin";
  END IF;
END $$;

-- Brings the rollups up to date with everything deferred and forgets it; returns the
-- number of pending hours it cleared. The per-statement triggers are on while it works,
-- so the span rows follow the hourly ones by deltas. Inserted rows add their
-- contributions outside the hours to rebuild (inside them the rebuild counts them); those
-- hours are rebuilt from the rows with an event inside, found through the time indexes
-- (a ticket's SLA decision, LEAST(fulfilment, deadline), lies in a run of hours only if
-- one of its times does). Deferred writers go on meanwhile (an import flushes on a
-- connection of its own while it writes): the flush takes the hours first, then the row
-- ids, each in a statement of its own, so a writer that commits in between has its ids
-- taken too, and one that commits later leaves its hours and ids for the next flush
-- (supportgraph_rollup_note's row lock orders the rest). The rollup tables are locked:
-- per-statement writers wait to add their deltas (which a rebuild that already saw their
-- rows would count twice), and two flushes run one after the other. JIT off and more
-- work_mem: a flush groups a whole import's rows at once, which spilled its hash
-- aggregates to disk at the default 4 MB, and compiling cost more than it saved.
CREATE FUNCTION supportgraph_rollup_flush_pending() RETURNS integer
LANGUAGE plpgsql SET jit = off SET work_mem = '64MB' AS $$
DECLARE
  hours TIMESTAMPTZ[];
  rebuild_hours TIMESTAMPTZ[];
  ticket_ids INTEGER[];
  feedback_ids INTEGER[];
  run RECORD;
  gap_lo TIMESTAMPTZ := NULL;
  previous TEXT := COALESCE(current_setting('supportgraph.rollups', true), '');
BEGIN
  LOCK TABLE "RollupHour", "RollupHistogram", "RollupSpan", "RollupSpanHistogram" IN EXCLUSIVE MODE;
  WITH taken AS (DELETE FROM "RollupPending" RETURNING "hour", "rebuild")
  SELECT array_agg("hour"), array_agg("hour" ORDER BY "hour") FILTER (WHERE "rebuild") INTO hours, rebuild_hours FROM taken;
  WITH taken AS (DELETE FROM "RollupPendingRow" RETURNING "kind", "id")
  SELECT COALESCE(array_agg("id") FILTER (WHERE "kind" = 1), '{}'), COALESCE(array_agg("id") FILTER (WHERE "kind" = 2), '{}')
    INTO ticket_ids, feedback_ids FROM taken;
  IF hours IS NULL AND cardinality(ticket_ids) = 0 AND cardinality(feedback_ids) = 0 THEN RETURN 0; END IF;
  IF '-infinity'::timestamptz = ANY(rebuild_hours) THEN
    -- Everything from scratch, as after a bulk load: with the triggers off, or the span
    -- deltas of deleting and re-adding every hourly row would be computed for nothing.
    PERFORM set_config('supportgraph.rollups', 'off', true);
    PERFORM supportgraph_rollup_rebuild_all();
    PERFORM supportgraph_span_rebuild_all();
    PERFORM set_config('supportgraph.rollups', previous, true);
    RETURN COALESCE(cardinality(hours), 0);
  END IF;
  PERFORM set_config('supportgraph.rollups', 'on', true);
  FOR run IN
    SELECT min(h) AS lo, max(h) + interval '1 hour' AS hi
      FROM (SELECT h, h - (row_number() OVER (ORDER BY h))::int * interval '1 hour' AS grp FROM unnest(rebuild_hours) h) x
     GROUP BY grp ORDER BY 1
  LOOP
    PERFORM supportgraph_rollup_add(ticket_ids, feedback_ids, gap_lo, run.lo);
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
    gap_lo := run.hi;
  END LOOP;
  PERFORM supportgraph_rollup_add(ticket_ids, feedback_ids, gap_lo, NULL);
  PERFORM set_config('supportgraph.rollups', previous, true);
  RETURN COALESCE(cardinality(hours), 0);
END $$;

SELECT supportgraph_track_data_version('"RollupPending"');
SELECT supportgraph_track_data_version('"RollupPendingRow"');
