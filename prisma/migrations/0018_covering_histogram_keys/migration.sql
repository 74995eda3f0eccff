-- Percentiles in whole-hour zones (issue 16). A 52-week weekly FRT median in
-- Europe/Berlin at 1 M tickets read ~530 span pieces (edge hours and days), each an
-- index probe of "RollupSpanHistogram" whose ~14 rows were then fetched from the heap:
-- 0.13 ms a probe, 138 ms in all, against 17 ms in UTC. With the count in the primary
-- key's leaf tuples (INCLUDE) the probes are index-only: 39 ms. "RollupHistogram" gets
-- the same, for the hourly rows a per-team percentile reads at its edges. The keys, and
-- so ON CONFLICT's arbiters, are unchanged.
ALTER TABLE "RollupSpanHistogram" DROP CONSTRAINT "RollupSpanHistogram_pkey";
ALTER TABLE "RollupSpanHistogram" ADD CONSTRAINT "RollupSpanHistogram_pkey" PRIMARY KEY ("metric", "grain", "level", "teamId", "start", "bin") INCLUDE ("n");
ALTER TABLE "RollupHistogram" DROP CONSTRAINT "RollupHistogram_pkey";
ALTER TABLE "RollupHistogram" ADD CONSTRAINT "RollupHistogram_pkey" PRIMARY KEY ("metric", "hour", "teamId", "bin") INCLUDE ("n");
