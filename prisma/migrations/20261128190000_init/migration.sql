-- CreateEnum
CREATE TYPE "ExperimentStatus" AS ENUM ('queued', 'running', 'succeeded', 'failed', 'cancelled');

-- CreateTable
CREATE TABLE "Experiment" (
    "id" UUID NOT NULL,
    "name" TEXT,
    "specVersion" INTEGER NOT NULL,
    "spec" JSONB NOT NULL,
    "dataset" TEXT NOT NULL,
    "modelKind" TEXT NOT NULL,
    "status" "ExperimentStatus" NOT NULL DEFAULT 'queued',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "paramCount" INTEGER NOT NULL,
    "flopsStudy" DOUBLE PRECISION NOT NULL,
    "bestValNll" DOUBLE PRECISION,
    "bestEpoch" INTEGER,
    "testNll" DOUBLE PRECISION,
    "backend" TEXT,
    "device" TEXT,
    "workerId" TEXT,
    "wallSeconds" DOUBLE PRECISION,
    "tokensPerSec" DOUBLE PRECISION,
    "error" TEXT,

    CONSTRAINT "Experiment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MetricPoint" (
    "id" BIGSERIAL NOT NULL,
    "experimentId" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "epoch" INTEGER NOT NULL,
    "step" INTEGER NOT NULL,
    "tokens" DOUBLE PRECISION NOT NULL,
    "seconds" DOUBLE PRECISION NOT NULL,
    "trainNll" DOUBLE PRECISION,
    "valNll" DOUBLE PRECISION,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "MetricPoint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Checkpoint" (
    "id" UUID NOT NULL,
    "experimentId" UUID NOT NULL,
    "tag" TEXT NOT NULL,
    "epoch" INTEGER NOT NULL,
    "step" INTEGER NOT NULL,
    "format" TEXT NOT NULL,
    "sizeBytes" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Checkpoint_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Experiment_createdAt_id_idx" ON "Experiment"("createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "Experiment_status_idx" ON "Experiment"("status");

-- CreateIndex
CREATE INDEX "Experiment_dataset_modelKind_idx" ON "Experiment"("dataset", "modelKind");

-- CreateIndex
CREATE UNIQUE INDEX "MetricPoint_experimentId_kind_step_key" ON "MetricPoint"("experimentId", "kind", "step");

-- CreateIndex
CREATE INDEX "Checkpoint_experimentId_createdAt_idx" ON "Checkpoint"("experimentId", "createdAt");

-- AddForeignKey
ALTER TABLE "MetricPoint" ADD CONSTRAINT "MetricPoint_experimentId_fkey" FOREIGN KEY ("experimentId") REFERENCES "Experiment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Checkpoint" ADD CONSTRAINT "Checkpoint_experimentId_fkey" FOREIGN KEY ("experimentId") REFERENCES "Experiment"("id") ON DELETE CASCADE ON UPDATE CASCADE;
