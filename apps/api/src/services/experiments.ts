// The work behind routes/experiments.ts: submit (row, then job), read and list. Dependencies come in as
// arguments, so the routes stay thin and the rules live in one place.
import { randomUUID } from 'node:crypto';
import type { JobsOptions } from 'bullmq';
import type { FastifyBaseLogger } from 'fastify';
import { NotFoundError, TRAIN_JOB, estimateCost, specHash, type ExperimentSpec, type TrainJobData } from '@slmlab/core';
import type { CheckpointsRepo, Experiment, ExperimentsRepo } from '@slmlab/db';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { UnavailableError } from '../http-errors.ts';
import type { ExperimentQueue } from '../plugins/queue.ts';
import type { ExperimentDetail, ExperimentPage, ListQuery } from '../schemas.ts';
import { withTimeout } from '../timeout.ts';
import { detailView, summaryView } from '../views.ts';

/** Three tries (a worker that died, a transient error), 5 s then 10 s apart; finished jobs stay a while for inspection. */
export const TRAIN_JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 5000 },
  removeOnComplete: 1000,
  removeOnFail: 5000,
} as const satisfies JobsOptions;

/** How long a submission waits for Redis before it is refused with 503. */
const ENQUEUE_TIMEOUT_MS = 3000;

export interface ExperimentServiceDeps {
  experiments: ExperimentsRepo;
  checkpoints: CheckpointsRepo;
  queue: ExperimentQueue;
  log: FastifyBaseLogger;
}

export function experimentService(deps: ExperimentServiceDeps) {
  const { experiments, checkpoints } = deps;
  return {
    /** Stores the experiment (queued), then enqueues its job; the job id is the experiment id. */
    async submit(spec: ExperimentSpec): Promise<Experiment> {
      const id = randomUUID();
      const row = await experiments.create(id, spec, estimateCost(spec), { specHash: specHash(spec) });
      await enqueueOrFail(deps, { experimentId: id, spec });
      return row;
    },

    async get(id: string): Promise<ExperimentDetail> {
      const row = await experiments.get(id);
      if (!row) throw new NotFoundError('experiment', id);
      const [metrics, saved] = await Promise.all([experiments.metrics(id), checkpoints.list(id)]);
      return detailView(row, metrics, saved);
    },

    /** Newest first. One row more than asked tells whether a next page exists. */
    async list(query: ListQuery): Promise<ExperimentPage> {
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      const rows = await experiments.list({ limit: query.limit + 1, after, status: query.status });
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return { items: page.map(summaryView), nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null };
    },
  };
}

/**
 * A row that no job will ever run must not look accepted: when the job cannot be enqueued, the experiment is
 * marked failed with the reason and the client gets 503.
 */
async function enqueueOrFail(deps: ExperimentServiceDeps, data: TrainJobData): Promise<void> {
  try {
    await enqueue(deps.queue, data);
  } catch (err) {
    const reason = `could not enqueue: ${(err as Error).message}`;
    await deps.experiments.markFailed(data.experimentId, reason).catch((dbErr: unknown) => {
      deps.log.error({ err: dbErr, experimentId: data.experimentId }, 'could not mark the experiment failed');
    });
    throw new UnavailableError(`the job queue is unavailable (${reason}); experiment ${data.experimentId} was marked failed`, {
      cause: err,
    });
  }
}

/**
 * Waits (bounded) for the Redis connection before adding: an add issued while Redis is down would wait in the
 * client and could land later, for an experiment already marked failed. Once connected, the queue's connection
 * refuses commands at once when Redis goes away (enableOfflineQueue: false in plugins/queue.ts).
 */
async function enqueue(queue: ExperimentQueue, data: TrainJobData): Promise<void> {
  await withTimeout(queue.waitUntilReady(), ENQUEUE_TIMEOUT_MS, `Redis did not answer within ${ENQUEUE_TIMEOUT_MS} ms`);
  await queue.add(TRAIN_JOB, data, { jobId: data.experimentId, ...TRAIN_JOB_OPTIONS });
}
