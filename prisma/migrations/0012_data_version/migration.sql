-- The database's data version, for the response cache (src/schema/response-cache-plugin.ts):
-- one row, bumped once by every transaction that changed a row of a tracked table, and
-- visible exactly when that transaction commits. Reading it is one index-free, one-row
-- SELECT; writes in other databases of the same server never change it.
--
-- How a write bumps it, whatever path it takes (mutations, importers, sync, SLA
-- recompute, calendar edits, seeds, deletes, a manual UPDATE):
--   1. Statement-level AFTER triggers on every tracked table (FOR EACH STATEMENT, so a
--      bulk insert pays once per statement, not per row) look at the statement's
--      transition table; when it changed at least one row, the first such statement of
--      the transaction records the transaction id in "DataVersionMark" (later ones see
--      the transaction-local setting supportgraph.data_version_xid and do nothing).
--      TRUNCATE has no transition table and always counts.
--   2. A deferred constraint trigger on "DataVersionMark" runs at COMMIT and adds 1 to
--      "DataVersion"."version". The row lock is held from then to the end of the commit
--      only, so concurrent writers (an ingest beside a long SLA recompute) never wait for
--      each other's transactions, only for each other's commits.
-- A version read before the commit is the old one and its snapshot lacks the write; a
-- version read after it is new: an answer cached under a version was computed from data
-- at least that new. "epoch" is random per database, so a dropped and re-created database
-- (or another server) never reuses a shared (Redis) entry.
--
-- Untracked tables hold no data the cached KPI answers read (tokens, saved reports and
-- their runs, connections' sync state, alert rules and events — the scheduler and the
-- alert monitor write those all the time), plus the version tables themselves. A table
-- added by a later migration is tracked by calling supportgraph_track_data_version('"Name"');
-- test/db/data-version.test.ts fails for any table that is neither tracked nor listed
-- in DATA_VERSION_UNTRACKED_TABLES (src/db/data-version.ts).

CREATE TABLE "DataVersion" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "epoch" TEXT NOT NULL,
    "version" BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT "DataVersion_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "DataVersion_one_row" CHECK ("id" = 1)
);
INSERT INTO "DataVersion" ("id", "epoch", "version") VALUES (1, md5(random()::text || clock_timestamp()::text), 0);

-- Transactions that changed tracked rows and have not committed yet (rows live only
-- inside their own transaction: the commit trigger deletes its row).
CREATE TABLE "DataVersionMark" (
    "xid" BIGINT NOT NULL,
    CONSTRAINT "DataVersionMark_pkey" PRIMARY KEY ("xid")
);

CREATE FUNCTION supportgraph_data_version_mark_xact() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  x TEXT := txid_current()::text;
BEGIN
  -- Rolled back with a savepoint together with the mark row, so a later statement marks again.
  IF current_setting('supportgraph.data_version_xid', true) IS DISTINCT FROM x THEN
    PERFORM set_config('supportgraph.data_version_xid', x, true);
    INSERT INTO "DataVersionMark" ("xid") VALUES (x::bigint) ON CONFLICT DO NOTHING;
  END IF;
END $$;

CREATE FUNCTION supportgraph_data_version_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT FROM data_version_new) THEN PERFORM supportgraph_data_version_mark_xact(); END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION supportgraph_data_version_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT FROM data_version_old) THEN PERFORM supportgraph_data_version_mark_xact(); END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION supportgraph_data_version_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM supportgraph_data_version_mark_xact();
  RETURN NULL;
END $$;

CREATE FUNCTION supportgraph_data_version_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "DataVersion" SET "version" = "version" + 1 WHERE "id" = 1;
  DELETE FROM "DataVersionMark" WHERE "xid" = NEW."xid";
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER "DataVersionMark_commit" AFTER INSERT ON "DataVersionMark"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION supportgraph_data_version_commit();

-- Puts the four data-version triggers on a table (idempotent).
CREATE FUNCTION supportgraph_track_data_version(target REGCLASS) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  name TEXT := (SELECT relname FROM pg_class WHERE oid = target);
BEGIN
  EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', name || '_data_version_insert', target);
  EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', name || '_data_version_update', target);
  EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', name || '_data_version_delete', target);
  EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', name || '_data_version_truncate', target);
  EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %s REFERENCING NEW TABLE AS data_version_new FOR EACH STATEMENT EXECUTE FUNCTION supportgraph_data_version_inserted()', name || '_data_version_insert', target);
  EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %s REFERENCING NEW TABLE AS data_version_new FOR EACH STATEMENT EXECUTE FUNCTION supportgraph_data_version_inserted()', name || '_data_version_update', target);
  EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %s REFERENCING OLD TABLE AS data_version_old FOR EACH STATEMENT EXECUTE FUNCTION supportgraph_data_version_deleted()', name || '_data_version_delete', target);
  EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION supportgraph_data_version_truncated()', name || '_data_version_truncate', target);
END $$;

-- Every table there is now, but the untracked ones.
DO $$
DECLARE
  t RECORD;
BEGIN
  FOR t IN
    SELECT c.oid::regclass AS target FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
       AND c.relname NOT IN ('_prisma_migrations', 'DataVersion', 'DataVersionMark', 'ApiToken', 'Report', 'ReportRun',
                             'Connection', 'AlertRule', 'AlertEvent', 'AlertTicketNotice')
  LOOP
    PERFORM supportgraph_track_data_version(t.target);
  END LOOP;
END $$;
