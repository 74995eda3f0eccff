-- Daily and weekly UTC rollups, per team and for all teams together, derived from the
-- hourly ones of 0009 (src/analytics/rollups/planner.ts). A 52-week dashboard then reads
-- one row per week instead of 168 × teams, and a percentile reads a few dozen histogram
-- rows per week instead of about one per ticket (an hourly per-team histogram is nearly
-- as long as the list of its durations at 1M tickets a year).
-- They follow the hourly tables by statement triggers on those tables: whatever path
-- writes "RollupHour" / "RollupHistogram" (the rebuild triggers of 0009, a set-based
-- maintenance, a bulk rebuild), the span rows change in the same transaction by the same
-- amounts. With SET LOCAL supportgraph.rollups = 'off' they are skipped like the hourly
-- ones; supportgraph_span_rebuild_all() then rebuilds them from the hourly tables.

-- One row per (source, grain, team, span start): the sum of the hourly rows of the span.
-- grain 1 = UTC day, 2 = UTC week starting Monday 00:00 UTC, per team and for every team
-- together ("teamId" -1, including 0 = tickets without a team), so a dashboard without a
-- team filter reads one row per span; grain 0 = UTC hour, for every team together only
-- (the edges of buckets in zones like Europe/Berlin: per team they are in "RollupHour").
-- Columns as in "RollupHour"; dNmin/dNmax the min/max of the hours'.
CREATE TABLE "RollupSpan" (
    "source" INTEGER NOT NULL,
    "grain" INTEGER NOT NULL,
    "teamId" INTEGER NOT NULL,
    "start" TIMESTAMPTZ(3) NOT NULL,
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
    CONSTRAINT "RollupSpan_pkey" PRIMARY KEY ("source", "grain", "teamId", "start")
);

-- Histograms per (metric, grain, level, team, span start, bin). level 0: the hourly bins
-- summed; level 1: coarse bins, bin >> 4 (16 fine bins each, in value order), so a
-- percentile first finds its coarse bin among ~45 rows per span, then reads the 16 fine
-- bins of that one coarse bin (planner.ts). Grains and "teamId" as in "RollupSpan".
CREATE TABLE "RollupSpanHistogram" (
    "metric" INTEGER NOT NULL,
    "grain" INTEGER NOT NULL,
    "level" INTEGER NOT NULL,
    "teamId" INTEGER NOT NULL,
    "start" TIMESTAMPTZ(3) NOT NULL,
    "bin" INTEGER NOT NULL,
    "n" BIGINT NOT NULL,
    CONSTRAINT "RollupSpanHistogram_pkey" PRIMARY KEY ("metric", "grain", "level", "teamId", "start", "bin")
);

-- The start of the UTC hour (grain 0), day (1) or Monday-based UTC week (2) holding an instant.
CREATE FUNCTION supportgraph_span_start(grain INTEGER, t TIMESTAMPTZ) RETURNS TIMESTAMPTZ
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT date_trunc(CASE grain WHEN 0 THEN 'hour' WHEN 1 THEN 'day' ELSE 'week' END, t AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
$$;

CREATE FUNCTION supportgraph_span_length(grain INTEGER) RETURNS INTERVAL
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE grain WHEN 0 THEN interval '1 hour' WHEN 1 THEN interval '1 day' ELSE interval '7 days' END
$$;

-- Adds the hourly histogram rows `added` and takes away `removed`: counts are exact
-- integers, so the span rows stay the sums of their hours; emptied rows are deleted.
CREATE FUNCTION supportgraph_span_histogram_apply(added "RollupHistogram"[], removed "RollupHistogram"[]) RETURNS void
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
    SELECT "metric", grain, level, team, start, bin, n FROM t
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

-- Adds the hourly rows `added` and takes away `removed`. Counts and sums are exact
-- integers; a min/max can only be widened by a delta, so where a removed hour held a
-- span's min or max, that span's min/max is recomputed from its remaining hours.
CREATE FUNCTION supportgraph_span_apply(added "RollupHour"[], removed "RollupHour"[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  emptied "RollupSpan"[];
BEGIN
  WITH d AS (
    SELECT a."source", a."hour", a."teamId", a."n", a."c1", a."c2", a."c3", a."c4", a."c5", a."c6", a."c7", a."s1", a."s2",
           a."d1n", a."d1sum", a."d1min", a."d1max", a."d2n", a."d2sum", a."d2min", a."d2max"
      FROM unnest(added) a
    UNION ALL
    SELECT r."source", r."hour", r."teamId", -r."n", -r."c1", -r."c2", -r."c3", -r."c4", -r."c5", -r."c6", -r."c7", -r."s1", -r."s2",
           -r."d1n", -r."d1sum", NULL, NULL, -r."d2n", -r."d2sum", NULL, NULL
      FROM unnest(removed) r
  ), t AS (
    SELECT d."source", g.grain, g.team, supportgraph_span_start(g.grain, d."hour") AS start,
           sum(d."n") AS n, sum(d."c1") AS c1, sum(d."c2") AS c2, sum(d."c3") AS c3, sum(d."c4") AS c4, sum(d."c5") AS c5,
           sum(d."c6") AS c6, sum(d."c7") AS c7, sum(d."s1") AS s1, sum(d."s2") AS s2,
           sum(d."d1n") AS d1n, sum(d."d1sum") AS d1sum, min(d."d1min") AS d1min, max(d."d1max") AS d1max,
           sum(d."d2n") AS d2n, sum(d."d2sum") AS d2sum, min(d."d2min") AS d2min, max(d."d2max") AS d2max
      FROM d
      CROSS JOIN LATERAL (VALUES (1, d."teamId"), (2, d."teamId"), (0, -1), (1, -1), (2, -1)) g(grain, team)
     GROUP BY 1, 2, 3, 4
  ), up AS (
    INSERT INTO "RollupSpan" AS s ("source", "grain", "teamId", "start", "n", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "s1", "s2",
                                   "d1n", "d1sum", "d1min", "d1max", "d2n", "d2sum", "d2min", "d2max")
    SELECT "source", grain, team, start, n, c1, c2, c3, c4, c5, c6, c7, s1, s2, d1n, d1sum, d1min, d1max, d2n, d2sum, d2min, d2max FROM t
    ON CONFLICT ("source", "grain", "teamId", "start") DO UPDATE SET
      "n" = s."n" + EXCLUDED."n", "c1" = s."c1" + EXCLUDED."c1", "c2" = s."c2" + EXCLUDED."c2", "c3" = s."c3" + EXCLUDED."c3",
      "c4" = s."c4" + EXCLUDED."c4", "c5" = s."c5" + EXCLUDED."c5", "c6" = s."c6" + EXCLUDED."c6", "c7" = s."c7" + EXCLUDED."c7",
      "s1" = s."s1" + EXCLUDED."s1", "s2" = s."s2" + EXCLUDED."s2",
      "d1n" = s."d1n" + EXCLUDED."d1n", "d1sum" = s."d1sum" + EXCLUDED."d1sum",
      "d1min" = LEAST(s."d1min", EXCLUDED."d1min"), "d1max" = GREATEST(s."d1max", EXCLUDED."d1max"),
      "d2n" = s."d2n" + EXCLUDED."d2n", "d2sum" = s."d2sum" + EXCLUDED."d2sum",
      "d2min" = LEAST(s."d2min", EXCLUDED."d2min"), "d2max" = GREATEST(s."d2max", EXCLUDED."d2max")
    RETURNING s.*
  )
  SELECT array_agg(ROW(up.*)::"RollupSpan") FILTER (WHERE up."n" = 0) INTO emptied FROM up;
  IF emptied IS NOT NULL THEN
    DELETE FROM "RollupSpan" s USING unnest(emptied) z
     WHERE s."source" = z."source" AND s."grain" = z."grain" AND s."teamId" = z."teamId" AND s."start" = z."start";
  END IF;
  IF cardinality(removed) > 0 THEN
    UPDATE "RollupSpan" s
       SET "d1min" = x.d1min, "d1max" = x.d1max, "d2min" = x.d2min, "d2max" = x.d2max
      FROM (
        SELECT c."source", c.grain, c.team, c.start,
               min(h."d1min") AS d1min, max(h."d1max") AS d1max, min(h."d2min") AS d2min, max(h."d2max") AS d2max
          FROM (SELECT DISTINCT r."source", g.grain, g.team, supportgraph_span_start(g.grain, r."hour") AS start
                  FROM unnest(removed) r
                  CROSS JOIN LATERAL (VALUES (1, r."teamId"), (2, r."teamId"), (0, -1), (1, -1), (2, -1)) g(grain, team)
                  JOIN "RollupSpan" s ON s."source" = r."source" AND s."grain" = g.grain AND s."teamId" = g.team
                                     AND s."start" = supportgraph_span_start(g.grain, r."hour")
                 WHERE r."d1min" <= s."d1min" OR r."d1max" >= s."d1max" OR r."d2min" <= s."d2min" OR r."d2max" >= s."d2max") c
          JOIN "RollupHour" h ON h."source" = c."source" AND h."hour" >= c.start AND h."hour" < c.start + supportgraph_span_length(c.grain)
                             AND (c.team = -1 OR h."teamId" = c.team)
         GROUP BY 1, 2, 3, 4) x
     WHERE s."source" = x."source" AND s."grain" = x.grain AND s."teamId" = x.team AND s."start" = x.start;
  END IF;
END $$;

CREATE FUNCTION supportgraph_span_hour_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF supportgraph_rollups_on() THEN
    PERFORM supportgraph_span_apply(ARRAY(SELECT ROW(n.*)::"RollupHour" FROM new_rows n), '{}'::"RollupHour"[]);
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION supportgraph_span_hour_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF supportgraph_rollups_on() THEN
    PERFORM supportgraph_span_apply(ARRAY(SELECT ROW(n.*)::"RollupHour" FROM new_rows n), ARRAY(SELECT ROW(o.*)::"RollupHour" FROM old_rows o));
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION supportgraph_span_hour_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF supportgraph_rollups_on() THEN
    PERFORM supportgraph_span_apply('{}'::"RollupHour"[], ARRAY(SELECT ROW(o.*)::"RollupHour" FROM old_rows o));
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION supportgraph_span_histogram_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF supportgraph_rollups_on() THEN
    PERFORM supportgraph_span_histogram_apply(ARRAY(SELECT ROW(n.*)::"RollupHistogram" FROM new_rows n), '{}'::"RollupHistogram"[]);
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION supportgraph_span_histogram_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF supportgraph_rollups_on() THEN
    PERFORM supportgraph_span_histogram_apply(ARRAY(SELECT ROW(n.*)::"RollupHistogram" FROM new_rows n), ARRAY(SELECT ROW(o.*)::"RollupHistogram" FROM old_rows o));
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION supportgraph_span_histogram_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF supportgraph_rollups_on() THEN
    PERFORM supportgraph_span_histogram_apply('{}'::"RollupHistogram"[], ARRAY(SELECT ROW(o.*)::"RollupHistogram" FROM old_rows o));
  END IF;
  RETURN NULL;
END $$;

-- Every span row from the hourly tables, with one grouped scan each: after a bulk load
-- that turned maintenance off, or to check the spans from scratch.
CREATE FUNCTION supportgraph_span_rebuild_all() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "RollupSpan";
  DELETE FROM "RollupSpanHistogram";
  INSERT INTO "RollupSpan" ("source", "grain", "teamId", "start", "n", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "s1", "s2",
                            "d1n", "d1sum", "d1min", "d1max", "d2n", "d2sum", "d2min", "d2max")
  SELECT h."source", g.grain, g.team, supportgraph_span_start(g.grain, h."hour"),
         sum(h."n"), sum(h."c1"), sum(h."c2"), sum(h."c3"), sum(h."c4"), sum(h."c5"), sum(h."c6"), sum(h."c7"), sum(h."s1"), sum(h."s2"),
         sum(h."d1n"), sum(h."d1sum"), min(h."d1min"), max(h."d1max"), sum(h."d2n"), sum(h."d2sum"), min(h."d2min"), max(h."d2max")
    FROM "RollupHour" h
    CROSS JOIN LATERAL (VALUES (1, h."teamId"), (2, h."teamId"), (0, -1), (1, -1), (2, -1)) g(grain, team)
   GROUP BY 1, 2, 3, 4;
  INSERT INTO "RollupSpanHistogram" ("metric", "grain", "level", "teamId", "start", "bin", "n")
  SELECT h."metric", g.grain, l.level, g.team, supportgraph_span_start(g.grain, h."hour"),
         CASE WHEN l.level = 0 THEN h."bin" ELSE h."bin" >> 4 END, sum(h."n")
    FROM "RollupHistogram" h
    CROSS JOIN LATERAL (VALUES (1, h."teamId"), (2, h."teamId"), (0, -1), (1, -1), (2, -1)) g(grain, team)
    CROSS JOIN (VALUES (0), (1)) l(level)
   GROUP BY 1, 2, 3, 4, 5, 6;
END $$;

CREATE TRIGGER "RollupHour_span_insert" AFTER INSERT ON "RollupHour" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION supportgraph_span_hour_insert();
CREATE TRIGGER "RollupHour_span_update" AFTER UPDATE ON "RollupHour" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION supportgraph_span_hour_update();
CREATE TRIGGER "RollupHour_span_delete" AFTER DELETE ON "RollupHour" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION supportgraph_span_hour_delete();
CREATE TRIGGER "RollupHistogram_span_insert" AFTER INSERT ON "RollupHistogram" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION supportgraph_span_histogram_insert();
CREATE TRIGGER "RollupHistogram_span_update" AFTER UPDATE ON "RollupHistogram" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION supportgraph_span_histogram_update();
CREATE TRIGGER "RollupHistogram_span_delete" AFTER DELETE ON "RollupHistogram" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION supportgraph_span_histogram_delete();

-- Spans of the rows already there.
SELECT supportgraph_span_rebuild_all();
