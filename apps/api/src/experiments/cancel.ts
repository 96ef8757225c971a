// Cancelling an experiment. The database row decides who wins a race: every step is a conditional update on the
// status it expects, so a run that ended at the same moment is never marked cancelled, and a queued experiment
// a worker has just claimed is treated as running.
import { ConflictError, NotFoundError, withTimeout } from '@slmlab/core';
import type { Experiment } from '@slmlab/db';
import type { ExperimentServiceDeps } from './deps.ts';

export interface Cancelled {
  row: Experiment;
  /** True when the experiment is cancelled now; false when its worker was asked to stop it (it was running). */
  settled: boolean;
}

/** A status can change under us twice at most (queued → running → ended): a third miss is not expected. */
const ATTEMPTS = 3;

export async function cancel(deps: ExperimentServiceDeps, id: string): Promise<Cancelled> {
  for (let i = 0; i < ATTEMPTS; i++) {
    const row = await deps.experiments.get(id);
    if (!row) throw new NotFoundError('experiment', id);
    if (row.status === 'queued' && (await deps.experiments.cancelQueued(id))) {
      await removeJob(deps, id);
      return { row: await reread(deps, id), settled: true };
    }
    if (row.status === 'running' && (await deps.experiments.requestCancel(id))) {
      await askWorkers(deps, id);
      return { row: await reread(deps, id), settled: false };
    }
    if (row.status !== 'queued' && row.status !== 'running') {
      throw new ConflictError(`experiment ${id} is already ${row.status}`, row.status);
    }
  }
  throw new Error(`experiment ${id} kept changing status while being cancelled`);
}

/**
 * The row is cancelled already, so a job left behind is harmless (a worker's claim refuses it): a Redis failure
 * here is logged, not reported. remove() also answers 0 for a job a worker has just taken, for the same reason.
 */
async function removeJob(deps: ExperimentServiceDeps, id: string): Promise<void> {
  await deps.queue.remove(id).catch((err: unknown) => deps.log.warn({ err, experimentId: id }, 'could not remove the cancelled job'));
}

/** How long a cancel waits for Redis to take the message before it answers anyway. */
const PUBLISH_TIMEOUT_MS = 2000;

/** Lost messages are covered by the worker, which also checks the request at each epoch's end. */
async function askWorkers(deps: ExperimentServiceDeps, id: string): Promise<void> {
  await withTimeout(deps.publishCancel(id), PUBLISH_TIMEOUT_MS).catch((err: unknown) => deps.log.warn({ err, experimentId: id }, 'could not publish the cancel'));
}

async function reread(deps: ExperimentServiceDeps, id: string): Promise<Experiment> {
  const row = await deps.experiments.get(id);
  if (!row) throw new NotFoundError('experiment', id);
  return row;
}
