-- Hourly UTC rollups of the additive parts of the KPIs and log-binned histograms of the
-- durations, so a dashboard over a year reads ~9k hour rows per team instead of every
-- ticket (src/analytics/rollups/). They are rebuilt, hour by hour, by statement-level
-- triggers in the same transaction as every write to "Ticket", "Feedback" or an agent's
-- team: ingestion, SLA recompute after a policy or calendar change, seeding, a manual
-- UPDATE — whatever writes, the rollups agree with the rows when it commits. Rebuilding
-- (instead of adding and subtracting deltas) keeps one definition of each column and
-- makes min/max maintainable. A session can skip the triggers for a bulk load with
-- SET LOCAL supportgraph.rollups = 'off' and call supportgraph_rollup_rebuild_all().

-- One row per (source, UTC hour, team): what the source's rows in that hour add up to.
-- "teamId" 0 = tickets without a team (a key column cannot be null). Columns by source:
--   1 created:          n tickets, c1 escalated
--   2 solved:           n tickets, c1 reopened, c2 one-touch, c3 first-contact resolved,
--                       d1 resolution, d2 resolution business time
--   3 firstResponse:    n tickets, d1 first response, d2 first response business time
--   4 slaFirstResponse: n targets decided, c1 achieved      (placed at the decision)
--   5 slaResolution:    n targets decided, c1 achieved
--   6 feedback:         n responses, c1 CSAT, c2 CSAT >= 4, c3 NPS, c4 promoters,
--                       c5 passives, c6 detractors, c7 CES, s1 CSAT score sum, s2 CES sum
-- Durations: dNn count, dNsum sum in whole microseconds (exact, so averages from rollups
-- equal the raw path's), dNmin/dNmax in seconds.
-- Index: the primary key serves "source = x AND hour in [from, to)".
CREATE TABLE "RollupHour" (
    "source" INTEGER NOT NULL,
    "hour" TIMESTAMPTZ(3) NOT NULL,
    "teamId" INTEGER NOT NULL,
    "n" BIGINT NOT NULL,
    "c1" BIGINT NOT NULL DEFAULT 0,
    "c2" BIGINT NOT NULL DEFAULT 0,
    "c3" BIGINT NOT NULL DEFAULT 0,
    "c4" BIGINT NOT NULL DEFAULT 0,
    "c5" BIGINT NOT NULL DEFAULT 0,
    "c6" BIGINT NOT NULL DEFAULT 0,
    "c7" BIGINT NOT NULL DEFAULT 0,
    "s1" BIGINT NOT NULL DEFAULT 0,
    "s2" BIGINT NOT NULL DEFAULT 0,
    "d1n" BIGINT NOT NULL DEFAULT 0,
    "d1sum" BIGINT NOT NULL DEFAULT 0,
    "d1min" DOUBLE PRECISION,
    "d1max" DOUBLE PRECISION,
    "d2n" BIGINT NOT NULL DEFAULT 0,
    "d2sum" BIGINT NOT NULL DEFAULT 0,
    "d2min" DOUBLE PRECISION,
    "d2max" DOUBLE PRECISION,
    CONSTRAINT "RollupHour_pkey" PRIMARY KEY ("source", "hour", "teamId")
);

-- Log-binned histograms of durations per (metric, UTC hour, team, bin), DDSketch-style:
-- bin i > -50000 holds seconds in (g^(i-1), g^i] with g = 1.01/0.99, so its
-- representative 2g^i/(g+1) is within 1 % of every value in it; bin -50000 holds exact
-- zeros; bins below -100000 mirror the positive ones for negative values.
-- metric: 1 firstResponseTime, 2 firstResponseBusinessTime, 3 resolutionTime,
-- 4 resolutionBusinessTime. Index: the primary key serves "metric = x AND hour in range".
CREATE TABLE "RollupHistogram" (
    "metric" INTEGER NOT NULL,
    "hour" TIMESTAMPTZ(3) NOT NULL,
    "teamId" INTEGER NOT NULL,
    "bin" INTEGER NOT NULL,
    "n" BIGINT NOT NULL,
    CONSTRAINT "RollupHistogram_pkey" PRIMARY KEY ("metric", "hour", "teamId", "bin")
);

-- The histogram bin of a duration in seconds (see "RollupHistogram").
CREATE FUNCTION supportgraph_rollup_bin(v DOUBLE PRECISION) RETURNS INTEGER
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN v > 0 THEN ceil(ln(v) / ln(1.01::float8 / 0.99::float8))::int
              WHEN v = 0 THEN -50000
              ELSE -100000 - ceil(ln(-v) / ln(1.01::float8 / 0.99::float8))::int END
$$;

-- Rebuilds every rollup row of the given UTC hours from the rows (hours are whole hours).
-- Each source finds its rows through the index on its event time; an SLA decision is
-- found through the indexes on its fulfilment and deadline columns.
CREATE FUNCTION supportgraph_rollup_rebuild(hours TIMESTAMPTZ[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  hours := ARRAY(SELECT DISTINCT x FROM unnest(hours) x WHERE x IS NOT NULL);
  IF cardinality(hours) = 0 THEN RETURN; END IF;
  DELETE FROM "RollupHour" WHERE "hour" = ANY(hours);
  DELETE FROM "RollupHistogram" WHERE "hour" = ANY(hours);

  INSERT INTO "RollupHour" ("source", "hour", "teamId", "n", "c1")
  SELECT 1, w.h, COALESCE(t."teamId", 0), count(*), count(*) FILTER (WHERE t."escalated")
    FROM unnest(hours) w(h) JOIN "Ticket" t ON t."createdAt" >= w.h AND t."createdAt" < w.h + interval '1 hour'
   GROUP BY 1, 2, 3;

  INSERT INTO "RollupHour" ("source", "hour", "teamId", "n", "c1", "c2", "c3", "d1n", "d1sum", "d1min", "d1max", "d2n", "d2sum", "d2min", "d2max")
  SELECT 2, h, team, count(*),
         count(*) FILTER (WHERE "reopenCount" > 0),
         count(*) FILTER (WHERE "agentReplies" = 1),
         count(*) FILTER (WHERE "agentReplies" = 1 AND "reopenCount" = 0),
         count(v1), COALESCE(sum(round(v1 * 1000000)::bigint), 0), min(v1), max(v1),
         count(v2), COALESCE(sum(round(v2 * 1000000)::bigint), 0), min(v2), max(v2)
    FROM (SELECT w.h, COALESCE(t."teamId", 0) AS team, t."reopenCount", t."agentReplies",
                 EXTRACT(EPOCH FROM (t."solvedAt" - t."createdAt"))::float8 AS v1,
                 COALESCE(t."resolutionBusinessSeconds"::float8, EXTRACT(EPOCH FROM (t."solvedAt" - t."createdAt"))::float8) AS v2
            FROM unnest(hours) w(h) JOIN "Ticket" t ON t."solvedAt" >= w.h AND t."solvedAt" < w.h + interval '1 hour') s
   GROUP BY 1, 2, 3;

  INSERT INTO "RollupHour" ("source", "hour", "teamId", "n", "d1n", "d1sum", "d1min", "d1max", "d2n", "d2sum", "d2min", "d2max")
  SELECT 3, h, team, count(*),
         count(v1), COALESCE(sum(round(v1 * 1000000)::bigint), 0), min(v1), max(v1),
         count(v2), COALESCE(sum(round(v2 * 1000000)::bigint), 0), min(v2), max(v2)
    FROM (SELECT w.h, COALESCE(t."teamId", 0) AS team,
                 EXTRACT(EPOCH FROM (t."firstResponseAt" - t."createdAt"))::float8 AS v1,
                 COALESCE(t."firstResponseBusinessSeconds"::float8, EXTRACT(EPOCH FROM (t."firstResponseAt" - t."createdAt"))::float8) AS v2
            FROM unnest(hours) w(h) JOIN "Ticket" t ON t."firstResponseAt" >= w.h AND t."firstResponseAt" < w.h + interval '1 hour') s
   GROUP BY 1, 2, 3;

  -- First-response target: fulfilled by the first reply or a solve, whichever is first;
  -- decided at LEAST(fulfilment, deadline), which is one of the three indexed columns.
  INSERT INTO "RollupHour" ("source", "hour", "teamId", "n", "c1")
  SELECT 4, w.h, COALESCE(t."teamId", 0), count(*),
         count(*) FILTER (WHERE LEAST(t."firstResponseAt", t."solvedAt") <= t."firstResponseDueAt")
    FROM unnest(hours) w(h)
    CROSS JOIN LATERAL (
           SELECT id FROM "Ticket" WHERE "firstResponseAt" >= w.h AND "firstResponseAt" < w.h + interval '1 hour'
           UNION SELECT id FROM "Ticket" WHERE "solvedAt" >= w.h AND "solvedAt" < w.h + interval '1 hour'
           UNION SELECT id FROM "Ticket" WHERE "firstResponseDueAt" >= w.h AND "firstResponseDueAt" < w.h + interval '1 hour') c
    JOIN "Ticket" t ON t."id" = c."id"
   WHERE t."firstResponseDueAt" IS NOT NULL
     AND LEAST(t."firstResponseAt", t."solvedAt", t."firstResponseDueAt") >= w.h
     AND LEAST(t."firstResponseAt", t."solvedAt", t."firstResponseDueAt") < w.h + interval '1 hour'
   GROUP BY 1, 2, 3;

  INSERT INTO "RollupHour" ("source", "hour", "teamId", "n", "c1")
  SELECT 5, w.h, COALESCE(t."teamId", 0), count(*), count(*) FILTER (WHERE t."solvedAt" <= t."resolutionDueAt")
    FROM unnest(hours) w(h)
    CROSS JOIN LATERAL (
           SELECT id FROM "Ticket" WHERE "solvedAt" >= w.h AND "solvedAt" < w.h + interval '1 hour'
           UNION SELECT id FROM "Ticket" WHERE "resolutionDueAt" >= w.h AND "resolutionDueAt" < w.h + interval '1 hour') c
    JOIN "Ticket" t ON t."id" = c."id"
   WHERE t."resolutionDueAt" IS NOT NULL
     AND LEAST(t."solvedAt", t."resolutionDueAt") >= w.h
     AND LEAST(t."solvedAt", t."resolutionDueAt") < w.h + interval '1 hour'
   GROUP BY 1, 2, 3;

  -- Feedback is credited to its ticket's team, or to the team of the agent it names.
  INSERT INTO "RollupHour" ("source", "hour", "teamId", "n", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "s1", "s2")
  SELECT 6, w.h, COALESCE(CASE WHEN f."ticketId" IS NULL THEN fa."teamId" ELSE t."teamId" END, 0), count(*),
         count(*) FILTER (WHERE f."kind" = 'CSAT'),
         count(*) FILTER (WHERE f."kind" = 'CSAT' AND f."score" >= 4),
         count(*) FILTER (WHERE f."kind" = 'NPS'),
         count(*) FILTER (WHERE f."kind" = 'NPS' AND f."score" >= 9),
         count(*) FILTER (WHERE f."kind" = 'NPS' AND f."score" BETWEEN 7 AND 8),
         count(*) FILTER (WHERE f."kind" = 'NPS' AND f."score" <= 6),
         count(*) FILTER (WHERE f."kind" = 'CES'),
         COALESCE(sum(f."score") FILTER (WHERE f."kind" = 'CSAT'), 0),
         COALESCE(sum(f."score") FILTER (WHERE f."kind" = 'CES'), 0)
    FROM unnest(hours) w(h)
    JOIN "Feedback" f ON f."createdAt" >= w.h AND f."createdAt" < w.h + interval '1 hour'
    LEFT JOIN "Ticket" t ON t."id" = f."ticketId"
    LEFT JOIN "Agent" fa ON f."ticketId" IS NULL AND fa."id" = f."agentId"
   GROUP BY 1, 2, 3;

  INSERT INTO "RollupHistogram" ("metric", "hour", "teamId", "bin", "n")
  SELECT m, h, team, supportgraph_rollup_bin(v), count(*)
    FROM (SELECT w.h, COALESCE(t."teamId", 0) AS team, x.m, x.v
            FROM unnest(hours) w(h)
            JOIN "Ticket" t ON t."firstResponseAt" >= w.h AND t."firstResponseAt" < w.h + interval '1 hour'
            CROSS JOIN LATERAL (VALUES
              (1::int, EXTRACT(EPOCH FROM (t."firstResponseAt" - t."createdAt"))::float8),
              (2::int, COALESCE(t."firstResponseBusinessSeconds"::float8, EXTRACT(EPOCH FROM (t."firstResponseAt" - t."createdAt"))::float8))) x(m, v)
          UNION ALL
          SELECT w.h, COALESCE(t."teamId", 0), x.m, x.v
            FROM unnest(hours) w(h)
            JOIN "Ticket" t ON t."solvedAt" >= w.h AND t."solvedAt" < w.h + interval '1 hour'
            CROSS JOIN LATERAL (VALUES
              (3::int, EXTRACT(EPOCH FROM (t."solvedAt" - t."createdAt"))::float8),
              (4::int, COALESCE(t."resolutionBusinessSeconds"::float8, EXTRACT(EPOCH FROM (t."solvedAt" - t."createdAt"))::float8))) x(m, v)) s
   WHERE v IS NOT NULL
   GROUP BY 1, 2, 3, 4;
END $$;

-- Every UTC hour any event time of any row falls in, rebuilt: after a bulk load that
-- skipped the triggers, or to check the rollups from scratch.
CREATE FUNCTION supportgraph_rollup_rebuild_all() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "RollupHour";
  DELETE FROM "RollupHistogram";
  PERFORM supportgraph_rollup_rebuild(ARRAY(
    SELECT DISTINCT date_trunc('hour', x AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
      FROM (SELECT unnest(ARRAY["createdAt", "solvedAt", "firstResponseAt", "firstResponseDueAt", "resolutionDueAt"]) AS x FROM "Ticket"
            UNION ALL SELECT "createdAt" FROM "Feedback") e
     WHERE x IS NOT NULL));
END $$;

-- The UTC hours a ticket row's rollup contributions fall in (its event times and SLA
-- decisions); the hours of its feedback are added by the triggers.
CREATE FUNCTION supportgraph_rollup_ticket_hours(
  created TIMESTAMPTZ, solved TIMESTAMPTZ, replied TIMESTAMPTZ, "firstResponseDue" TIMESTAMPTZ, "resolutionDue" TIMESTAMPTZ
) RETURNS TIMESTAMPTZ[]
LANGUAGE sql IMMUTABLE AS $$
  SELECT ARRAY(SELECT date_trunc('hour', x AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
                 FROM unnest(ARRAY[created, solved, replied, LEAST(replied, solved, "firstResponseDue"), LEAST(solved, "resolutionDue")]) x
                WHERE x IS NOT NULL)
$$;

CREATE FUNCTION supportgraph_rollups_on() RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT COALESCE(current_setting('supportgraph.rollups', true), '') <> 'off'
$$;

CREATE FUNCTION supportgraph_rollup_ticket_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF supportgraph_rollups_on() THEN
    PERFORM supportgraph_rollup_rebuild(ARRAY(SELECT unnest(supportgraph_rollup_ticket_hours(n."createdAt", n."solvedAt", n."firstResponseAt", n."firstResponseDueAt", n."resolutionDueAt")) FROM new_rows n));
  END IF;
  RETURN NULL;
END $$;

-- Only rows whose rollup inputs changed count: a status-only update rebuilds nothing.
CREATE FUNCTION supportgraph_rollup_ticket_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF supportgraph_rollups_on() THEN
    PERFORM supportgraph_rollup_rebuild(ARRAY(
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
      -- A ticket's feedback is credited to its team: a team change moves it.
      SELECT date_trunc('hour', f."createdAt" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
        FROM changed c JOIN "Feedback" f ON f."ticketId" = c."id"
       WHERE c."oldTeam" IS DISTINCT FROM c."newTeam"));
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION supportgraph_rollup_ticket_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF supportgraph_rollups_on() THEN
    PERFORM supportgraph_rollup_rebuild(ARRAY(SELECT unnest(supportgraph_rollup_ticket_hours(o."createdAt", o."solvedAt", o."firstResponseAt", o."firstResponseDueAt", o."resolutionDueAt")) FROM old_rows o));
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION supportgraph_rollup_feedback_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF supportgraph_rollups_on() THEN
    IF TG_OP = 'INSERT' THEN
      PERFORM supportgraph_rollup_rebuild(ARRAY(SELECT date_trunc('hour', "createdAt" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' FROM new_feedback));
    ELSIF TG_OP = 'DELETE' THEN
      PERFORM supportgraph_rollup_rebuild(ARRAY(SELECT date_trunc('hour', "createdAt" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' FROM old_feedback));
    END IF;
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION supportgraph_rollup_feedback_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF supportgraph_rollups_on() THEN
    PERFORM supportgraph_rollup_rebuild(ARRAY(
      SELECT date_trunc('hour', x AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
        FROM old_feedback o JOIN new_feedback n ON n."id" = o."id"
       CROSS JOIN LATERAL unnest(ARRAY[o."createdAt", n."createdAt"]) x
       WHERE (o."createdAt", o."kind", o."score", o."ticketId", o."agentId") IS DISTINCT FROM
             (n."createdAt", n."kind", n."score", n."ticketId", n."agentId")));
  END IF;
  RETURN NULL;
END $$;

-- Feedback naming no ticket is credited to its agent's team: a team change moves it.
CREATE FUNCTION supportgraph_rollup_agent_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF supportgraph_rollups_on() THEN
    PERFORM supportgraph_rollup_rebuild(ARRAY(
      SELECT date_trunc('hour', f."createdAt" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
        FROM old_agents o JOIN new_agents n ON n."id" = o."id"
        JOIN "Feedback" f ON f."agentId" = n."id" AND f."ticketId" IS NULL
       WHERE o."teamId" IS DISTINCT FROM n."teamId"));
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION supportgraph_rollup_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF supportgraph_rollups_on() THEN
    PERFORM supportgraph_rollup_rebuild_all();
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "Ticket_rollup_insert" AFTER INSERT ON "Ticket" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION supportgraph_rollup_ticket_insert();
CREATE TRIGGER "Ticket_rollup_update" AFTER UPDATE ON "Ticket" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION supportgraph_rollup_ticket_update();
CREATE TRIGGER "Ticket_rollup_delete" AFTER DELETE ON "Ticket" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION supportgraph_rollup_ticket_delete();
CREATE TRIGGER "Feedback_rollup_insert" AFTER INSERT ON "Feedback" REFERENCING NEW TABLE AS new_feedback
  FOR EACH STATEMENT EXECUTE FUNCTION supportgraph_rollup_feedback_change();
CREATE TRIGGER "Feedback_rollup_update" AFTER UPDATE ON "Feedback" REFERENCING OLD TABLE AS old_feedback NEW TABLE AS new_feedback
  FOR EACH STATEMENT EXECUTE FUNCTION supportgraph_rollup_feedback_update();
CREATE TRIGGER "Feedback_rollup_delete" AFTER DELETE ON "Feedback" REFERENCING OLD TABLE AS old_feedback
  FOR EACH STATEMENT EXECUTE FUNCTION supportgraph_rollup_feedback_change();
CREATE TRIGGER "Agent_rollup_update" AFTER UPDATE ON "Agent" REFERENCING OLD TABLE AS old_agents NEW TABLE AS new_agents
  FOR EACH STATEMENT EXECUTE FUNCTION supportgraph_rollup_agent_update();
CREATE TRIGGER "Ticket_rollup_truncate" AFTER TRUNCATE ON "Ticket"
  FOR EACH STATEMENT EXECUTE FUNCTION supportgraph_rollup_truncate();
CREATE TRIGGER "Feedback_rollup_truncate" AFTER TRUNCATE ON "Feedback"
  FOR EACH STATEMENT EXECUTE FUNCTION supportgraph_rollup_truncate();

-- Rollups of the rows already there.
SELECT supportgraph_rollup_rebuild_all();
