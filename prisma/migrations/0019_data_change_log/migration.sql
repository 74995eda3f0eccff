-- How far back each data version's write reaches, for reusing the closed buckets of a
-- time series (src/analytics/series-memo.ts): a series computed at version v0 keeps every
-- bucket that ended before the earliest instant any later write could have changed, and
-- recomputes only the rest.
--
-- Each committed write transaction gets one "DataChange" row (its version, written by the
-- commit trigger of migration 0012 together with the version bump, so a reader that sees
-- version v also sees every row up to v):
--   "since"      the earliest instant whose answers the transaction may have changed;
--                NULL: none (it wrote only rows no answer reads yet, such as new agents,
--                or rollups, which repeat the rows);
--   "everything" it changed something not placed in time (a team renamed, an agent moved,
--                a calendar edited): no earlier bucket may be reused.
-- A write to a ticket reaches back to the ticket's creation, and to its survey responses
-- and events (placed by their own times but filtered by the ticket's values); a survey
-- response to the SURVEY_SENT events of its ticket (responseRate counts a sent survey
-- that was answered later); an event to its own time (later replies' waits depend on it;
-- the ticket's derived facts change in the same transaction and count as a ticket write).
-- Bucket states (backlog at a bucket's end) depend on everything before the end, so a
-- reader treats "since" as "every bucket ending after it", not "the buckets around it".
--
-- Rows older than the last 100,000 versions are pruned; a reader whose answer is older
-- than that recomputes everything.

ALTER TABLE "DataVersionMark" ADD COLUMN "since" TIMESTAMPTZ(3), ADD COLUMN "everything" BOOLEAN NOT NULL DEFAULT false;

CREATE TABLE "DataChange" (
    "version" BIGINT NOT NULL,
    "since" TIMESTAMPTZ(3),
    "everything" BOOLEAN NOT NULL,
    CONSTRAINT "DataChange_pkey" PRIMARY KEY ("version")
);

-- Widens the running transaction's reach (its mark row, created here if needed).
CREATE FUNCTION supportgraph_data_change_note(at TIMESTAMPTZ, whole BOOLEAN) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF at IS NULL AND NOT whole THEN RETURN; END IF;
  PERFORM supportgraph_data_version_mark_xact();
  -- LEAST ignores NULLs; the condition skips the update when the reach does not grow.
  UPDATE "DataVersionMark" SET "since" = LEAST("since", at), "everything" = "everything" OR whole
   WHERE "xid" = txid_current() AND ((whole AND NOT "everything") OR "since" IS NULL OR at < "since");
END $$;

-- The earliest SURVEY_SENT event of the given tickets (a response changes responseRate
-- where its ticket's survey was sent).
CREATE FUNCTION supportgraph_data_change_surveys(ticket_ids INTEGER[]) RETURNS TIMESTAMPTZ LANGUAGE sql STABLE AS $$
  SELECT min(e."occurredAt") FROM "TicketEvent" e WHERE e."type" = 'SURVEY_SENT' AND e."ticketId" = ANY(ticket_ids)
$$;

-- One function per kind of table, by operation (a branch only reads the transition
-- tables its trigger has).
CREATE FUNCTION supportgraph_data_change_ticket() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    -- A new ticket has no responses or events yet (they reference it).
    PERFORM supportgraph_data_change_note((SELECT min(n."createdAt") FROM data_change_new n), false);
  ELSIF TG_OP = 'DELETE' THEN
    -- Its events go by cascade and its responses lose the ticket: their own triggers note them.
    PERFORM supportgraph_data_change_note((SELECT min(o."createdAt") FROM data_change_old o), false);
  ELSE
    PERFORM supportgraph_data_change_note(LEAST(
      (SELECT min(o."createdAt") FROM data_change_old o),
      (SELECT min(n."createdAt") FROM data_change_new n),
      (SELECT min(f."createdAt") FROM "Feedback" f WHERE f."ticketId" IN (SELECT o."id" FROM data_change_old o)),
      (SELECT min(e."occurredAt") FROM "TicketEvent" e WHERE e."ticketId" IN (SELECT o."id" FROM data_change_old o))
    ), false);
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION supportgraph_data_change_feedback() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM supportgraph_data_change_note(LEAST((SELECT min(n."createdAt") FROM data_change_new n),
      supportgraph_data_change_surveys(ARRAY(SELECT n."ticketId" FROM data_change_new n))), false);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM supportgraph_data_change_note(LEAST((SELECT min(o."createdAt") FROM data_change_old o),
      supportgraph_data_change_surveys(ARRAY(SELECT o."ticketId" FROM data_change_old o))), false);
  ELSE
    PERFORM supportgraph_data_change_note(LEAST((SELECT min(o."createdAt") FROM data_change_old o), (SELECT min(n."createdAt") FROM data_change_new n),
      supportgraph_data_change_surveys(ARRAY(SELECT o."ticketId" FROM data_change_old o UNION SELECT n."ticketId" FROM data_change_new n))), false);
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION supportgraph_data_change_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM supportgraph_data_change_note((SELECT min(n."occurredAt") FROM data_change_new n), false);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM supportgraph_data_change_note((SELECT min(o."occurredAt") FROM data_change_old o), false);
  ELSE
    PERFORM supportgraph_data_change_note(LEAST((SELECT min(o."occurredAt") FROM data_change_old o), (SELECT min(n."occurredAt") FROM data_change_new n)), false);
  END IF;
  RETURN NULL;
END $$;

-- Any other write that changed a row reaches everything (TRUNCATE has no transition table).
CREATE FUNCTION supportgraph_data_change_whole() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Separate branches: an expression naming a transition table its trigger lacks fails.
  IF TG_OP = 'TRUNCATE' THEN
    PERFORM supportgraph_data_change_note(NULL, true);
  ELSIF TG_OP = 'DELETE' THEN
    IF EXISTS (SELECT FROM data_change_old) THEN PERFORM supportgraph_data_change_note(NULL, true); END IF;
  ELSIF EXISTS (SELECT FROM data_change_new) THEN
    PERFORM supportgraph_data_change_note(NULL, true);
  END IF;
  RETURN NULL;
END $$;

-- Puts the reach triggers on a tracked table (idempotent), by what its rows are:
--   Ticket, Feedback, TicketEvent: placed in time as above;
--   rollup and rollup-pending tables: nothing (they repeat the rows);
--   Team, Agent, Customer, Category, Target, Scorecard: a new row changes no answer (no
--     stored ticket names it yet, and targets are not engine metrics), an update, delete
--     or truncate changes everything;
--   every other table (calendars, SLA policies, tables added later): every write
--     changes everything.
CREATE FUNCTION supportgraph_track_data_change(target REGCLASS) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  name TEXT := (SELECT relname FROM pg_class WHERE oid = target);
  kind TEXT := CASE
    WHEN name = 'Ticket' THEN 'ticket'
    WHEN name = 'Feedback' THEN 'feedback'
    WHEN name = 'TicketEvent' THEN 'event'
    WHEN name LIKE 'Rollup%' THEN 'none'
    WHEN name IN ('Team', 'Agent', 'Customer', 'Category', 'Target', 'Scorecard') THEN 'entity'
    ELSE 'other'
  END;
  op TEXT;
  fn TEXT;
BEGIN
  FOREACH op IN ARRAY ARRAY['insert', 'update', 'delete', 'truncate'] LOOP
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', name || '_data_change_' || op, target);
  END LOOP;
  IF kind = 'none' THEN RETURN; END IF;
  IF kind IN ('ticket', 'feedback', 'event') THEN
    fn := 'supportgraph_data_change_' || kind;
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %s REFERENCING NEW TABLE AS data_change_new FOR EACH STATEMENT EXECUTE FUNCTION %I()', name || '_data_change_insert', target, fn);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %s REFERENCING OLD TABLE AS data_change_old NEW TABLE AS data_change_new FOR EACH STATEMENT EXECUTE FUNCTION %I()', name || '_data_change_update', target, fn);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %s REFERENCING OLD TABLE AS data_change_old FOR EACH STATEMENT EXECUTE FUNCTION %I()', name || '_data_change_delete', target, fn);
    -- TRUNCATE has no transition table: it always reaches everything (a truncated ticket table included).
  ELSIF kind = 'other' THEN
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %s REFERENCING NEW TABLE AS data_change_new FOR EACH STATEMENT EXECUTE FUNCTION supportgraph_data_change_whole()', name || '_data_change_insert', target);
  END IF;
  IF kind IN ('entity', 'other') THEN
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %s REFERENCING NEW TABLE AS data_change_new FOR EACH STATEMENT EXECUTE FUNCTION supportgraph_data_change_whole()', name || '_data_change_update', target);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %s REFERENCING OLD TABLE AS data_change_old FOR EACH STATEMENT EXECUTE FUNCTION supportgraph_data_change_whole()', name || '_data_change_delete', target);
  END IF;
  EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION supportgraph_data_change_whole()', name || '_data_change_truncate', target);
END $$;

-- A table tracked from now on gets both kinds of trigger: 0012's function, renamed, and the reach triggers.
ALTER FUNCTION supportgraph_track_data_version(REGCLASS) RENAME TO supportgraph_track_data_version_only;
CREATE FUNCTION supportgraph_track_data_version(target REGCLASS) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM supportgraph_track_data_version_only(target);
  PERFORM supportgraph_track_data_change(target);
END $$;

-- Every table tracked now (the ones carrying 0012's triggers).
DO $$
DECLARE
  t RECORD;
BEGIN
  FOR t IN
    SELECT DISTINCT c.oid::regclass AS target FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_trigger g ON g.tgrelid = c.oid
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND g.tgname = c.relname || '_data_version_insert'
  LOOP
    PERFORM supportgraph_track_data_change(t.target);
  END LOOP;
END $$;

-- The commit: bump the version and log the transaction's reach under it.
CREATE OR REPLACE FUNCTION supportgraph_data_version_commit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v BIGINT;
  reach RECORD;
BEGIN
  UPDATE "DataVersion" SET "version" = "version" + 1 WHERE "id" = 1 RETURNING "version" INTO v;
  DELETE FROM "DataVersionMark" WHERE "xid" = NEW."xid" RETURNING "since", "everything" INTO reach;
  INSERT INTO "DataChange" ("version", "since", "everything") VALUES (v, reach."since", COALESCE(reach."everything", true));
  IF v % 1000 = 0 THEN DELETE FROM "DataChange" WHERE "version" <= v - 100000; END IF;
  RETURN NULL;
END $$;
