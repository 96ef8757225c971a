-- AlterTable
ALTER TABLE "Experiment" ADD COLUMN     "heartbeatAt" TIMESTAMP(3);
