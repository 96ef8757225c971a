-- Deduplication that holds under concurrency: at most one live (not failed, not cancelled) experiment per spec
-- hash among submissions that did not ask for ?force=true. "dedupHash" is the spec hash of such a submission
-- (NULL for a forced one); the partial unique index makes a concurrent twin's insert fail, and the API then
-- answers with the experiment that won.

-- AlterTable
ALTER TABLE "Experiment" ADD COLUMN "dedupHash" TEXT;

-- Existing live rows: the oldest of each spec hash takes part in deduplication; any later twin (forced, or
-- created by the race this migration closes) is left out, so that the index can be built.
UPDATE "Experiment" e SET "dedupHash" = e."specHash"
WHERE e."specHash" IS NOT NULL
  AND e."status" NOT IN ('failed', 'cancelled')
  AND e."id" = (
    SELECT x."id" FROM "Experiment" x
    WHERE x."specHash" = e."specHash" AND x."status" NOT IN ('failed', 'cancelled')
    ORDER BY x."createdAt", x."id"
    LIMIT 1
  );

-- CreateIndex
CREATE UNIQUE INDEX "Experiment_dedupHash_live_key" ON "Experiment"("dedupHash") WHERE "status" NOT IN ('failed', 'cancelled');
