-- Search, sort and frontier over many experiments (GET /v1/experiments?where=&sort=, /v1/frontier).
-- Each sort index is (column, id): keyset pages of `ORDER BY column, id` (either direction) are index range scans.

-- A status filter with the default order (newest first).
CREATE INDEX "Experiment_status_createdAt_id_idx" ON "Experiment"("status", "createdAt" DESC, "id" DESC);

-- Sorts and ranges over the result and cost fields most searched.
CREATE INDEX "Experiment_testNll_id_idx" ON "Experiment"("testNll", "id");
CREATE INDEX "Experiment_bestValNll_id_idx" ON "Experiment"("bestValNll", "id");
CREATE INDEX "Experiment_flopsTrain_id_idx" ON "Experiment"("flopsTrain", "id");
CREATE INDEX "Experiment_paramCount_id_idx" ON "Experiment"("paramCount", "id");

-- Equality on spec paths is sent as containment (spec @> '{"model":{"layers":2}}'), which this index answers.
CREATE INDEX "Experiment_spec_idx" ON "Experiment" USING GIN ("spec" jsonb_path_ops);
