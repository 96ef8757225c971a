-- The dashboard's read paths at scale (100,000 experiments; docs/api.md, docs/performance.md).

-- Every sortable column has its (column, id) index, as in 20261130220000_search_indexes: a keyset page of
-- `ORDER BY column, id` in either direction, and a range on the column, is an index range scan.
CREATE INDEX "Experiment_startedAt_id_idx" ON "Experiment"("startedAt", "id");
CREATE INDEX "Experiment_finishedAt_id_idx" ON "Experiment"("finishedAt", "id");
CREATE INDEX "Experiment_attempts_id_idx" ON "Experiment"("attempts", "id");
CREATE INDEX "Experiment_flopsStudy_id_idx" ON "Experiment"("flopsStudy", "id");
CREATE INDEX "Experiment_bestEpoch_id_idx" ON "Experiment"("bestEpoch", "id");
CREATE INDEX "Experiment_testNllAllTokens_id_idx" ON "Experiment"("testNllAllTokens", "id");
CREATE INDEX "Experiment_wallSeconds_id_idx" ON "Experiment"("wallSeconds", "id");
CREATE INDEX "Experiment_tokensPerSec_id_idx" ON "Experiment"("tokensPerSec", "id");
CREATE INDEX "Experiment_gflops_id_idx" ON "Experiment"("gflops", "id");
CREATE INDEX "Experiment_mfu_id_idx" ON "Experiment"("mfu", "id");

-- The frontier's walk (packages/db/src/frontier.ts): for each (x, y) that GET /v1/frontier offers (x: flopsTrain,
-- paramCount, flopsStudy; y: testNll, bestValNll, testNllAllTokens), the succeeded rows with both values in (x, y)
-- order and in (y, x) order. dataset and modelKind ride along, so that their filters are checked inside the index
-- (an index-only scan) instead of on each row. Only succeeded rows with both values are in them (testNllAllTokens:
-- the all-tokens models' only).
CREATE INDEX "Experiment_frontier_flopsTrain_testNll_idx" ON "Experiment"("flopsTrain", "testNll") INCLUDE ("dataset", "modelKind")
  WHERE "status" = 'succeeded' AND "flopsTrain" IS NOT NULL AND "testNll" IS NOT NULL;
CREATE INDEX "Experiment_frontier_testNll_flopsTrain_idx" ON "Experiment"("testNll", "flopsTrain") INCLUDE ("dataset", "modelKind")
  WHERE "status" = 'succeeded' AND "flopsTrain" IS NOT NULL AND "testNll" IS NOT NULL;
CREATE INDEX "Experiment_frontier_paramCount_testNll_idx" ON "Experiment"("paramCount", "testNll") INCLUDE ("dataset", "modelKind")
  WHERE "status" = 'succeeded' AND "paramCount" IS NOT NULL AND "testNll" IS NOT NULL;
CREATE INDEX "Experiment_frontier_testNll_paramCount_idx" ON "Experiment"("testNll", "paramCount") INCLUDE ("dataset", "modelKind")
  WHERE "status" = 'succeeded' AND "paramCount" IS NOT NULL AND "testNll" IS NOT NULL;
CREATE INDEX "Experiment_frontier_flopsStudy_testNll_idx" ON "Experiment"("flopsStudy", "testNll") INCLUDE ("dataset", "modelKind")
  WHERE "status" = 'succeeded' AND "flopsStudy" IS NOT NULL AND "testNll" IS NOT NULL;
CREATE INDEX "Experiment_frontier_testNll_flopsStudy_idx" ON "Experiment"("testNll", "flopsStudy") INCLUDE ("dataset", "modelKind")
  WHERE "status" = 'succeeded' AND "flopsStudy" IS NOT NULL AND "testNll" IS NOT NULL;
CREATE INDEX "Experiment_frontier_flopsTrain_bestValNll_idx" ON "Experiment"("flopsTrain", "bestValNll") INCLUDE ("dataset", "modelKind")
  WHERE "status" = 'succeeded' AND "flopsTrain" IS NOT NULL AND "bestValNll" IS NOT NULL;
CREATE INDEX "Experiment_frontier_bestValNll_flopsTrain_idx" ON "Experiment"("bestValNll", "flopsTrain") INCLUDE ("dataset", "modelKind")
  WHERE "status" = 'succeeded' AND "flopsTrain" IS NOT NULL AND "bestValNll" IS NOT NULL;
CREATE INDEX "Experiment_frontier_paramCount_bestValNll_idx" ON "Experiment"("paramCount", "bestValNll") INCLUDE ("dataset", "modelKind")
  WHERE "status" = 'succeeded' AND "paramCount" IS NOT NULL AND "bestValNll" IS NOT NULL;
CREATE INDEX "Experiment_frontier_bestValNll_paramCount_idx" ON "Experiment"("bestValNll", "paramCount") INCLUDE ("dataset", "modelKind")
  WHERE "status" = 'succeeded' AND "paramCount" IS NOT NULL AND "bestValNll" IS NOT NULL;
CREATE INDEX "Experiment_frontier_flopsStudy_bestValNll_idx" ON "Experiment"("flopsStudy", "bestValNll") INCLUDE ("dataset", "modelKind")
  WHERE "status" = 'succeeded' AND "flopsStudy" IS NOT NULL AND "bestValNll" IS NOT NULL;
CREATE INDEX "Experiment_frontier_bestValNll_flopsStudy_idx" ON "Experiment"("bestValNll", "flopsStudy") INCLUDE ("dataset", "modelKind")
  WHERE "status" = 'succeeded' AND "flopsStudy" IS NOT NULL AND "bestValNll" IS NOT NULL;
CREATE INDEX "Experiment_frontier_flopsTrain_testNllAllTokens_idx" ON "Experiment"("flopsTrain", "testNllAllTokens") INCLUDE ("dataset", "modelKind")
  WHERE "status" = 'succeeded' AND "flopsTrain" IS NOT NULL AND "testNllAllTokens" IS NOT NULL;
CREATE INDEX "Experiment_frontier_testNllAllTokens_flopsTrain_idx" ON "Experiment"("testNllAllTokens", "flopsTrain") INCLUDE ("dataset", "modelKind")
  WHERE "status" = 'succeeded' AND "flopsTrain" IS NOT NULL AND "testNllAllTokens" IS NOT NULL;
CREATE INDEX "Experiment_frontier_paramCount_testNllAllTokens_idx" ON "Experiment"("paramCount", "testNllAllTokens") INCLUDE ("dataset", "modelKind")
  WHERE "status" = 'succeeded' AND "paramCount" IS NOT NULL AND "testNllAllTokens" IS NOT NULL;
CREATE INDEX "Experiment_frontier_testNllAllTokens_paramCount_idx" ON "Experiment"("testNllAllTokens", "paramCount") INCLUDE ("dataset", "modelKind")
  WHERE "status" = 'succeeded' AND "paramCount" IS NOT NULL AND "testNllAllTokens" IS NOT NULL;
CREATE INDEX "Experiment_frontier_flopsStudy_testNllAllTokens_idx" ON "Experiment"("flopsStudy", "testNllAllTokens") INCLUDE ("dataset", "modelKind")
  WHERE "status" = 'succeeded' AND "flopsStudy" IS NOT NULL AND "testNllAllTokens" IS NOT NULL;
CREATE INDEX "Experiment_frontier_testNllAllTokens_flopsStudy_idx" ON "Experiment"("testNllAllTokens", "flopsStudy") INCLUDE ("dataset", "modelKind")
  WHERE "status" = 'succeeded' AND "flopsStudy" IS NOT NULL AND "testNllAllTokens" IS NOT NULL;

-- A status filter with a sort on a column that is NULL until the run has a result (or has started, or ended):
-- with only (column, id), `status=succeeded&sort=testNll` (descending, so the NULLs come first) looked for
-- succeeded rows without a testNll by walking the whole table (there are none); (status, column, id) answers both
-- segments of such a page, the NULLs and the values, with one index range each.
CREATE INDEX "Experiment_status_testNll_id_idx" ON "Experiment"("status", "testNll", "id");
CREATE INDEX "Experiment_status_bestValNll_id_idx" ON "Experiment"("status", "bestValNll", "id");
CREATE INDEX "Experiment_status_bestEpoch_id_idx" ON "Experiment"("status", "bestEpoch", "id");
CREATE INDEX "Experiment_status_testNllAllTokens_id_idx" ON "Experiment"("status", "testNllAllTokens", "id");
CREATE INDEX "Experiment_status_wallSeconds_id_idx" ON "Experiment"("status", "wallSeconds", "id");
CREATE INDEX "Experiment_status_tokensPerSec_id_idx" ON "Experiment"("status", "tokensPerSec", "id");
CREATE INDEX "Experiment_status_gflops_id_idx" ON "Experiment"("status", "gflops", "id");
CREATE INDEX "Experiment_status_mfu_id_idx" ON "Experiment"("status", "mfu", "id");
CREATE INDEX "Experiment_status_startedAt_id_idx" ON "Experiment"("status", "startedAt", "id");
CREATE INDEX "Experiment_status_finishedAt_id_idx" ON "Experiment"("status", "finishedAt", "id");
