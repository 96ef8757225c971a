// What a client sees of an experiment: database rows mapped to the shapes declared in schemas.ts.
import type { ExperimentSpec } from '@slmlab/core';
import type { CheckpointsRepo, Experiment, MetricPoint } from '@slmlab/db';
import type { ExperimentDetail, ExperimentSummary } from '../edge/schemas.ts';

type CheckpointMeta = Awaited<ReturnType<CheckpointsRepo['list']>>[number];

export function summaryView(e: Experiment): ExperimentSummary {
  return {
    id: e.id,
    name: e.name,
    status: e.status,
    spec: e.spec as ExperimentSpec, // written by the API from a parsed spec, never edited since
    attempts: e.attempts,
    createdAt: e.createdAt.toISOString(),
    startedAt: e.startedAt?.toISOString() ?? null,
    finishedAt: e.finishedAt?.toISOString() ?? null,
    cancelRequestedAt: e.cancelRequestedAt?.toISOString() ?? null,
    cost: { params: e.paramCount, flopsStudy: e.flopsStudy, flopsTrain: e.flopsTrain },
    worker: e.workerId ? { workerId: e.workerId, backend: e.backend, device: e.device } : null,
    result: resultView(e),
    error: e.error,
  };
}

/** Non-null once the run has a test NLL, i.e. once it succeeded. */
function resultView(e: Experiment): ExperimentSummary['result'] {
  return e.testNll === null ? null : { ...resultFields(e), testNll: e.testNll };
}

/** The result columns of a row as they are (null where a run has not set them). */
export function resultFields(e: Experiment) {
  return {
    bestValNll: e.bestValNll,
    bestEpoch: e.bestEpoch,
    testNll: e.testNll,
    testNllAllTokens: e.testNllAllTokens,
    backend: e.backend,
    device: e.device,
    workerId: e.workerId,
    wallSeconds: e.wallSeconds,
    tokensPerSec: e.tokensPerSec,
    gflops: e.gflops,
    mfu: e.mfu,
  };
}

export function detailView(e: Experiment, metrics: MetricPoint[], checkpoints: CheckpointMeta[]): ExperimentDetail {
  return {
    ...summaryView(e),
    metrics: metrics.map((m) => ({
      epoch: m.epoch,
      step: m.step,
      tokens: m.tokens,
      seconds: m.seconds,
      trainNll: m.trainNll,
      valNll: m.valNll,
      valNllAllTokens: m.valNllAllTokens,
    })),
    checkpoints: checkpoints.map((c) => ({ ...c, createdAt: c.createdAt.toISOString() })),
  };
}
