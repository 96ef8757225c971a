// Repository for experiments and their learning curves. Writes are idempotent where a retried job may repeat them.
import type { CostEstimate, EpochMetrics, ExperimentSpec } from '@slmlab/core';
import type { Db } from './client.ts';
import type { Experiment, MetricPoint } from './generated/client.ts';

export type { Experiment, MetricPoint };
export type ExperimentStatus = Experiment['status'];

export type EpochPoint = EpochMetrics;

export interface RunResult {
  bestValNll: number;
  bestEpoch: number;
  testNll: number;
  testNllAllTokens?: number;
  wallSeconds: number;
  tokensPerSec: number;
  /** Achieved training GFLOP/s (faithful FLOPs) and its fraction of the worker's large-matmul peak. */
  gflops: number;
  mfu: number | null;
}

export function experimentsRepo(db: Db) {
  return {
    create(id: string, spec: ExperimentSpec, cost: CostEstimate) {
      return db.experiment.create({
        data: {
          id,
          name: spec.name ?? null,
          specVersion: spec.specVersion,
          spec: spec as object,
          dataset: spec.dataset,
          modelKind: spec.model.kind,
          paramCount: cost.params,
          flopsStudy: cost.flopsStudy,
          flopsTrain: cost.flopsTrain,
        },
      });
    },

    get(id: string) {
      return db.experiment.findUnique({ where: { id } });
    },

    /** Newest first; `after` is the last row of the previous page (keyset pagination, stable under inserts). */
    list(opts: { limit: number; after?: { createdAt: Date; id: string }; status?: ExperimentStatus }) {
      const { limit, after, status } = opts;
      return db.experiment.findMany({
        where: {
          ...(status ? { status } : {}),
          ...(after
            ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] }
            : {}),
        },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: limit,
      });
    },

    metrics(id: string, kind = 'epoch') {
      return db.metricPoint.findMany({ where: { experimentId: id, kind }, orderBy: { step: 'asc' } });
    },

    /**
     * Marks a queued (or crashed-while-running) experiment as running for this worker. Returns false, changing
     * nothing, when it is in any other state: a job must not revive a failed, cancelled or finished experiment.
     */
    async claim(id: string, worker: { workerId: string; backend: string; device: string }): Promise<boolean> {
      const { count } = await db.experiment.updateMany({
        where: { id, status: { in: ['queued', 'running'] } },
        data: { status: 'running', startedAt: new Date(), attempts: { increment: 1 }, error: null, ...worker },
      });
      return count === 1;
    },

    /** Upsert on (experiment, kind, step): a retried epoch replaces its point instead of duplicating it. */
    recordEpoch(id: string, p: EpochPoint) {
      const data = {
        epoch: p.epoch,
        tokens: p.tokens,
        seconds: p.seconds,
        trainNll: p.trainNll,
        valNll: p.valNll,
        valNllAllTokens: p.valNllAllTokens ?? null,
      };
      return db.metricPoint.upsert({
        where: { experimentId_kind_step: { experimentId: id, kind: 'epoch', step: p.step } },
        create: { experimentId: id, kind: 'epoch', step: p.step, ...data },
        update: data,
      });
    },

    markSucceeded(id: string, r: RunResult) {
      return db.experiment.update({
        where: { id },
        data: { status: 'succeeded', finishedAt: new Date(), error: null, ...r },
      });
    },

    markFailed(id: string, error: string) {
      return db.experiment.update({ where: { id }, data: { status: 'failed', finishedAt: new Date(), error } });
    },

    /** Back to queued after a retryable failure: BullMQ will run it again. */
    markRetrying(id: string, error: string) {
      return db.experiment.update({ where: { id }, data: { status: 'queued', error } });
    },
  };
}

export type ExperimentsRepo = ReturnType<typeof experimentsRepo>;
