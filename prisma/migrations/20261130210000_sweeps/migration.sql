-- CreateTable
CREATE TABLE "Sweep" (
    "id" UUID NOT NULL,
    "name" TEXT,
    "base" JSONB NOT NULL,
    "axes" JSONB NOT NULL,
    "seeds" JSONB NOT NULL,
    "specHash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Sweep_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SweepCell" (
    "sweepId" UUID NOT NULL,
    "index" INTEGER NOT NULL,
    "experimentId" UUID NOT NULL,
    "axes" JSONB NOT NULL,
    "replacedExperimentIds" UUID[] DEFAULT ARRAY[]::UUID[],

    CONSTRAINT "SweepCell_pkey" PRIMARY KEY ("sweepId","index")
);

-- CreateIndex
CREATE UNIQUE INDEX "Sweep_specHash_key" ON "Sweep"("specHash");

-- CreateIndex
CREATE INDEX "Sweep_createdAt_id_idx" ON "Sweep"("createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "SweepCell_sweepId_experimentId_key" ON "SweepCell"("sweepId", "experimentId");

-- CreateIndex
CREATE INDEX "SweepCell_experimentId_idx" ON "SweepCell"("experimentId");

-- AddForeignKey
ALTER TABLE "SweepCell" ADD CONSTRAINT "SweepCell_sweepId_fkey" FOREIGN KEY ("sweepId") REFERENCES "Sweep"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SweepCell" ADD CONSTRAINT "SweepCell_experimentId_fkey" FOREIGN KEY ("experimentId") REFERENCES "Experiment"("id") ON DELETE CASCADE ON UPDATE CASCADE;
