-- AlterTable
ALTER TABLE "Experiment" ADD COLUMN     "cancelRequestedAt" TIMESTAMP(3),
ADD COLUMN     "specHash" TEXT,
ADD COLUMN     "idempotencyKey" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "Experiment_idempotencyKey_key" ON "Experiment"("idempotencyKey");

-- CreateIndex
CREATE INDEX "Experiment_specHash_idx" ON "Experiment"("specHash");
