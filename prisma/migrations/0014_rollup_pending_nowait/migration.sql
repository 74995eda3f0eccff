-- Deferred writers no longer wait for a flush (issues 10 and 16). In 0013 a writer noted
-- an hour with an upsert on the hour's key, and that row lock made every writer touching
-- an hour a running flush had taken wait until the flush committed: with consecutive
-- import batches sharing hours (a ticket's solve lands hours after its creation), the
-- three writers stood still for the whole flush (~1.4 s per 10,000 tickets). The lock was
-- there so a flush could not rebuild an hour from rows it saw in a later statement while
-- forgetting the note of the writer that wrote them. Now the flush runs in one
-- REPEATABLE READ snapshot, taken after it has locked the rollup tables
-- (src/analytics/rollups/maintain.ts): a writer committed after that snapshot is
-- invisible to the whole flush, rows and notes alike, and its notes wait for the next
-- flush. Notes become plain inserts, one row per (writer statement, hour); duplicates
-- are merged by the flush.

ALTER TABLE "RollupPending" DROP CONSTRAINT "RollupPending_pkey";
ALTER TABLE "RollupPending" ADD COLUMN "seq" BIGSERIAL NOT NULL;
ALTER TABLE "RollupPending" ADD CONSTRAINT "RollupPending_pkey" PRIMARY KEY ("seq");
-- The planner's guard looks for a pending hour before a range's end.
CREATE INDEX "RollupPending_hour_idx" ON "RollupPending"("hour");

CREATE OR REPLACE FUNCTION supportgraph_rollup_note(hours TIMESTAMPTZ[], to_rebuild BOOLEAN DEFAULT true) RETURNS void LANGUAGE sql AS $$
  INSERT INTO "RollupPending" ("hour", "rebuild")
  SELECT DISTINCT h, to_rebuild FROM unnest(hours) h WHERE h IS NOT NULL
$$;

-- As in 0013, with the hours merged, the snapshot checked (in READ COMMITTED each
-- statement would see writers that committed after the notes were taken) and no data
-- version bump.
CREATE OR REPLACE FUNCTION supportgraph_rollup_flush_pending() RETURNS integer
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
  IF current_setting('transaction_isolation') = 'read committed' THEN
    RAISE EXCEPTION 'supportgraph_rollup_flush_pending() needs a REPEATABLE READ transaction that locked the rollup tables first'
      USING ERRCODE = 'SGR02', HINT = 'Call flushPendingRollups (src/analytics/rollups/maintain.ts).';
  END IF;
  LOCK TABLE "RollupHour", "RollupHistogram", "RollupSpan", "RollupSpanHistogram" IN EXCLUSIVE MODE;
  -- No data version bump (0012): a flush changes no answer, since until it commits the
  -- planner answers the pending hours from the rows. And in this snapshot the bump's
  -- UPDATE of the one version row would fail against every writer that committed
  -- meanwhile. Marked as done, the transaction's tracked writes skip it.
  PERFORM set_config('supportgraph.data_version_xid', txid_current()::text, true);
  WITH taken AS (DELETE FROM "RollupPending" RETURNING "hour", "rebuild")
  SELECT array_agg(DISTINCT "hour"), array_agg(DISTINCT "hour" ORDER BY "hour") FILTER (WHERE "rebuild") INTO hours, rebuild_hours FROM taken;
  WITH taken AS (DELETE FROM "RollupPendingRow" RETURNING "kind", "id")
  SELECT COALESCE(array_agg("id") FILTER (WHERE "kind" = 1), '{}'), COALESCE(array_agg("id") FILTER (WHERE "kind" = 2), '{}')
    INTO ticket_ids, feedback_ids FROM taken;
  IF hours IS NULL AND cardinality(ticket_ids) = 0 AND cardinality(feedback_ids) = 0 THEN RETURN 0; END IF;
  IF '-infinity'::timestamptz = ANY(rebuild_hours) THEN
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
