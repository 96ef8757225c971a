-- AlterTable
ALTER TABLE "Experiment" ADD COLUMN     "flopsTrain" DOUBLE PRECISION,
ADD COLUMN     "testNllAllTokens" DOUBLE PRECISION;

-- AlterTable
ALTER TABLE "MetricPoint" ADD COLUMN     "valNllAllTokens" DOUBLE PRECISION;
