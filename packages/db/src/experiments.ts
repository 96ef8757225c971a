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

/** What identifies a submission besides its id: the spec's hash and the client's Idempotency-Key, if any. */
export interface SubmissionKeys {
  specHash: string;
  idempotencyKey?: string;
  /** Take part in deduplication by spec (false for ?force=true): a live twin makes the insert fail (P2002). */
  dedup: boolean;
}

/** A queued experiment about to be stored: its id, resolved spec, cost estimate and identity keys. */
export interface NewExperiment {
  id: string;
  spec: ExperimentSpec;
  cost: CostEstimate;
  keys: SubmissionKeys;
}

/** The row of a new experiment (experimentsRepo.create, and sweeps' cells created with their sweep). */
export function experimentData({ id, spec, cost, keys }: NewExperiment) {
  return {
    id,
    specHash: keys.specHash,
    dedupHash: keys.dedup ? keys.specHash : null,
    idempotencyKey: keys.idempotencyKey ?? null,
    name: spec.name ?? null,
    specVersion: spec.specVersion,
    spec: spec as object,
    dataset: spec.dataset,
    modelKind: spec.model.kind,
    paramCount: cost.params,
    flopsStudy: cost.flopsStudy,
    flopsTrain: cost.flopsTrain,
  };
}

/** States a cancel can still act on; the others are final. */
const CANCELLABLE: ExperimentStatus[] = ['queued', 'running'];
const LIVE: ExperimentStatus[] = ['queued', 'running'];

/**
 * The one rule of a stale heartbeat: a row a worker may claim (and the reconciler re-enqueue) is queued, or
 * running with no heartbeat for `heartbeatTimeoutS` — its worker is gone. A fresher heartbeat means a live
 * worker is training it, whatever Redis says.
 */
function runnable(heartbeatTimeoutS: number, now = new Date()) {
  const staleBefore = new Date(now.getTime() - heartbeatTimeoutS * 1000);
  return { OR: [{ status: 'queued' as const }, { status: 'running' as const, OR: [{ heartbeatAt: null }, { heartbeatAt: { lt: staleBefore } }] }] };
}

/** When a heartbeat seen at `heartbeatAt` goes stale (runnable()'s rule, as a time). */
export function heartbeatStaleAt(heartbeatAt: Date, heartbeatTimeoutS: number): Date {
  return new Date(heartbeatAt.getTime() + heartbeatTimeoutS * 1000);
}

export function experimentsRepo(db: Db) {
  return {
    create(id: string, spec: ExperimentSpec, cost: CostEstimate, keys: SubmissionKeys) {
      return db.experiment.create({ data: experimentData({ id, spec, cost, keys }) });
    },

    get(id: string) {
      return db.experiment.findUnique({ where: { id } });
    },

    /** Those of `ids` that exist, in no particular order (one query for a compare of many). */
    getMany(ids: string[]) {
      return db.experiment.findMany({ where: { id: { in: ids } } });
    },

    byIdempotencyKey(key: string) {
      return db.experiment.findUnique({ where: { idempotencyKey: key } });
    },

    /** The newest experiment of this spec hash that is not failed or cancelled (one that counts as a run). */
    /** Achieved GFLOP/s of the newest succeeded runs of a model kind: what the API's duration estimates learn from. */
    async recentGflops(modelKind: string, limit: number): Promise<number[]> {
      const rows = await db.experiment.findMany({
        where: { modelKind, status: 'succeeded', gflops: { gt: 0 } },
        orderBy: { finishedAt: 'desc' },
        take: limit,
        select: { gflops: true },
      });
      return rows.map((r) => r.gflops!);
    },

    liveBySpecHash(specHash: string) {
      return db.experiment.findFirst({
        where: { specHash, status: { notIn: ['failed', 'cancelled'] } },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      });
    },

    metrics(id: string, kind = 'epoch') {
      return db.metricPoint.findMany({ where: { experimentId: id, kind }, orderBy: { step: 'asc' } });
    },

    /** Epoch points after `step`, in order (a live stream's next ones). */
    metricsAfter(id: string, step: number) {
      return db.metricPoint.findMany({ where: { experimentId: id, kind: 'epoch', step: { gt: step } }, orderBy: { step: 'asc' } });
    },

    async exists(id: string): Promise<boolean> {
      return (await db.experiment.findUnique({ where: { id }, select: { id: true } })) !== null;
    },

    /** Live (queued or running) rows after `after`, oldest first: the reconciler's keyset pages. */
    liveAfter(after: { createdAt: Date; id: string } | undefined, limit: number) {
      return db.experiment.findMany({
        where: {
          status: { in: LIVE },
          ...(after ? { OR: [{ createdAt: { gt: after.createdAt } }, { createdAt: after.createdAt, id: { gt: after.id } }] } : {}),
        },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        select: { id: true, createdAt: true },
        take: limit,
      });
    },

    /** Those of `ids` a worker could claim now (runnable()), oldest first, with what re-enqueuing them needs. */
    runnableAmong(ids: string[], heartbeatTimeoutS: number) {
      return db.experiment.findMany({
        where: { id: { in: ids }, ...runnable(heartbeatTimeoutS) },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        select: { id: true, status: true, spec: true, cancelRequestedAt: true },
      });
    },

    /**
     * Marks a queued experiment, or a running one whose worker is gone (no heartbeat for `heartbeatTimeoutS`),
     * as running for this worker. Returns false, changing nothing, in any other state: a job must not revive a
     * failed, cancelled or finished experiment, nor train one that a live worker is training.
     */
    async claim(id: string, worker: { workerId: string; backend: string; device: string }, heartbeatTimeoutS: number): Promise<boolean> {
      const now = new Date();
      const { count } = await db.experiment.updateMany({
        where: {
          id,
          // A running row with a cancel request is one whose worker died before it could stop it: not revived.
          cancelRequestedAt: null,
          ...runnable(heartbeatTimeoutS, now),
        },
        data: { status: 'running', startedAt: now, heartbeatAt: now, attempts: { increment: 1 }, error: null, ...worker },
      });
      return count === 1;
    },

    /** The running worker's sign of life; false when the row is no longer running for this worker. */
    async heartbeat(id: string, workerId: string): Promise<boolean> {
      const { count } = await db.experiment.updateMany({ where: { id, status: 'running', workerId }, data: { heartbeatAt: new Date() } });
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

    /**
     * Only a running experiment succeeds: one cancelled meanwhile stays cancelled. A cancel requested but not yet
     * acted on loses to a run that finished first (the result exists; throwing it away helps nobody).
     */
    async markSucceeded(id: string, r: RunResult): Promise<boolean> {
      const { count } = await db.experiment.updateMany({
        where: { id, status: 'running' },
        data: { status: 'succeeded', finishedAt: new Date(), error: null, ...r },
      });
      return count === 1;
    },

    /** Queued → cancelled, atomically: false when a worker claimed it (or it ended) first. */
    async cancelQueued(id: string): Promise<boolean> {
      const { count } = await db.experiment.updateMany({
        where: { id, status: 'queued' },
        data: { status: 'cancelled', finishedAt: new Date(), error: 'cancelled while queued' },
      });
      return count === 1;
    },

    /** Records a cancel request on a running experiment; false when it is no longer running. */
    async requestCancel(id: string): Promise<boolean> {
      const { count } = await db.experiment.updateMany({
        where: { id, status: 'running' },
        data: { cancelRequestedAt: new Date() },
      });
      return count === 1;
    },

    /** The worker's side of a cancel: never overwrites an experiment that already ended. */
    async markCancelled(id: string, reason: string): Promise<boolean> {
      const { count } = await db.experiment.updateMany({
        where: { id, status: { in: CANCELLABLE } },
        data: { status: 'cancelled', finishedAt: new Date(), error: reason },
      });
      return count === 1;
    },

    async cancelRequested(id: string): Promise<boolean> {
      const row = await db.experiment.findUnique({ where: { id }, select: { cancelRequestedAt: true } });
      return row?.cancelRequestedAt != null;
    },

    /** Only an experiment that has not ended fails: a cancelled one stays cancelled. */
    async markFailed(id: string, error: string): Promise<boolean> {
      const { count } = await db.experiment.updateMany({
        where: { id, status: { in: CANCELLABLE } },
        data: { status: 'failed', finishedAt: new Date(), error },
      });
      return count === 1;
    },

    /** Back to queued after a retryable failure (BullMQ will run it again), unless it was cancelled meanwhile. */
    async markRetrying(id: string, error: string): Promise<boolean> {
      const { count } = await db.experiment.updateMany({ where: { id, status: 'running' }, data: { status: 'queued', error } });
      return count === 1;
    },
  };
}

export type ExperimentsRepo = ReturnType<typeof experimentsRepo>;
