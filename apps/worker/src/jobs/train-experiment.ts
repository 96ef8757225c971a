// The BullMQ processor for one experiment: a thin adapter between the queue and runExperiment
// (services/run-experiment.ts). It turns each outcome into what BullMQ must do with the job — complete it,
// postpone it, put it back, drop it, retry it or fail it for good — through BullMQ's own control errors.
import { DelayedError, UnrecoverableError, WaitingError, type Job } from 'bullmq';
import type { TrainJobData } from '@slmlab/core';
import { runExperiment, SHUTDOWN_REASON, type RunDeps } from '../services/run-experiment.ts';

export { SHUTDOWN_REASON };

export interface TrainJobDeps extends RunDeps {
  /** Aborted (reason SHUTDOWN_REASON) when the worker begins to stop: no job starts after that, running ones stop. */
  stopping?: AbortSignal;
}

export function trainExperimentProcessor(deps: TrainJobDeps) {
  // The processor takes BullMQ's signal (its third parameter): Worker.cancelJob(id) aborts it.
  return async (job: Job<TrainJobData>, token?: string, signal?: AbortSignal) => {
    const log = deps.log.child({ experimentId: job.data.experimentId, jobId: job.id, attempt: job.attemptsMade + 1 });
    if (deps.stopping?.aborted) {
      // A job handed to a worker that is stopping (its fetch was in flight at the signal): back, untouched.
      await job.moveToWait(token);
      log.info('worker stopping: job handed back to the queue untouched');
      throw new WaitingError();
    }
    const stop = AbortSignal.any([signal, deps.stopping].filter((s) => s !== undefined));
    const outcome = await runExperiment(
      { ...deps, log },
      {
        experimentId: job.data.experimentId,
        spec: job.data.spec,
        attempt: job.attemptsMade + 1,
        lastAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
        progress: (p) => void job.updateProgress({ ...p }).catch(() => undefined),
      },
      stop,
    );
    switch (outcome.kind) {
      case 'succeeded':
        return outcome.summary;
      case 'running-elsewhere':
        log.warn({ runningOn: outcome.workerId, retryAt: outcome.retryAt.toISOString() }, 'experiment is running elsewhere: job postponed');
        await job.moveToDelayed(outcome.retryAt.getTime(), token);
        throw new DelayedError();
      case 'stopped':
        await job.moveToWait(token);
        log.info('worker stopping: job checkpointed and returned to the queue');
        throw new WaitingError();
      case 'not-runnable':
        log.warn({ reason: outcome.reason }, 'job dropped');
        throw new UnrecoverableError(outcome.reason);
      case 'cancelled':
        throw new UnrecoverableError('cancelled on request');
      case 'failed':
        if (!outcome.retryable) throw new UnrecoverableError(outcome.error instanceof Error ? outcome.error.message : String(outcome.error));
        throw outcome.error;
    }
  };
}
