// The BullMQ processor for one experiment: a thin adapter between the queue, the database and the ML core.
// Failures that a retry cannot fix (bad spec, bad data, divergence, spent budget) become UnrecoverableError;
// others retry.
// A cancelled run (the API's request fired BullMQ's AbortSignal, or the row says so at an epoch's end) is
// marked cancelled, keeps the epochs it recorded and its last checkpoint, and is not retried. A run stopped
// because its worker shuts down checkpoints and goes back to the queue. Every run starts from its experiment's
// latest training-state checkpoint when there is one (docs/reliability.md).
import { DelayedError, UnrecoverableError, WaitingError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { DataError, InvalidSpecError, forwardFlopsPerWindow, parseSpec, type ExperimentSpec, type TrainJobData } from '@slmlab/core';
import { heartbeatStaleAt, type CheckpointsRepo, type ExperimentsRepo } from '@slmlab/db';
import type { BackendInfo } from '../ml/backend.ts';
import { CHECKPOINT_FORMAT, STATE_FORMAT } from '../ml/checkpoint.ts';
import type { DataLocation } from '../ml/data/index.ts';
import { BudgetExceededError, DivergenceError, type CheckpointAt } from '../ml/train.ts';
import type { Trainer } from '../sandbox/trainer.ts';

/** The abort reason main.ts gives running jobs on SIGTERM: checkpoint and requeue, not cancel. */
export const SHUTDOWN_REASON = 'worker shutting down';

export interface TrainJobDeps {
  experiments: ExperimentsRepo;
  checkpoints: CheckpointsRepo;
  backend: BackendInfo;
  /** This worker's large-matmul GFLOP/s, measured at start: the yardstick for each job's MFU. */
  peakGflops: number;
  workerId: string;
  data: DataLocation;
  /** Runs the ML part of a job (sandbox/trainer.ts): in a worker thread by default. */
  trainer: Trainer;
  /** Training-state checkpoint cadence besides epoch ends (0: off). */
  checkpointEvery: { steps: number; seconds: number };
  /** A running row without a heartbeat for this long has lost its worker (SLMLAB_HEARTBEAT_TIMEOUT_S). */
  heartbeatTimeoutS: number;
  /** Aborted (reason SHUTDOWN_REASON) when the worker begins to stop: no job starts after that, running ones stop. */
  stopping?: AbortSignal;
  log: Logger;
}

export function trainExperimentProcessor(deps: TrainJobDeps) {
  // The processor takes BullMQ's signal (its third parameter): Worker.cancelJob(id) aborts it.
  return async (job: Job<TrainJobData>, token?: string, signal?: AbortSignal) => {
    const id = job.data.experimentId;
    const log = deps.log.child({ experimentId: id, jobId: job.id, attempt: job.attemptsMade + 1 });
    // Fallback for a cancel message this worker did not hear: the epoch hook aborts when the row asks for it.
    const requested = new AbortController();
    const stop = AbortSignal.any([signal, requested.signal, deps.stopping].filter((s) => s !== undefined));
    // A job handed to a worker that is stopping (its fetch was in flight at the signal) goes back untouched.
    if (deps.stopping?.aborted) return await handBack(job, token, log);
    try {
      return await run(job, deps, log, { signal: stop, abort: () => requested.abort('cancel requested') });
    } catch (err) {
      if (err instanceof RunningElsewhereError) return await postpone(job, token, err, log);
      if (stop.aborted && stop.reason === SHUTDOWN_REASON) return await requeue(job, token, deps, log);
      if (stop.aborted) return await cancelled(job, deps, log);
      return await fail(job, deps, log, err);
    }
  };
}

interface Stop {
  signal: AbortSignal;
  abort: () => void;
}

async function run(job: Job<TrainJobData>, deps: TrainJobDeps, log: Logger, stop: Stop) {
  const id = job.data.experimentId;
  const spec = parseSpec(job.data.spec);
  const claimed = await deps.experiments.claim(id, { workerId: deps.workerId, backend: deps.backend.name, device: deps.backend.device }, deps.heartbeatTimeoutS);
  if (!claimed) await dropStale(id, deps);
  const heartbeat = startHeartbeat(id, deps, log);
  try {
    return await train(job, spec, deps, log, stop);
  } finally {
    clearInterval(heartbeat);
  }
}

/** Signs of life on the row while this worker trains it: what tells a live worker from a dead one. */
function startHeartbeat(id: string, deps: TrainJobDeps, log: Logger) {
  const beat = () =>
    deps.experiments.heartbeat(id, deps.workerId).catch((err: unknown) => log.warn({ err }, 'could not record the heartbeat'));
  return setInterval(beat, (deps.heartbeatTimeoutS * 1000) / 4).unref();
}

async function train(job: Job<TrainJobData>, spec: ExperimentSpec, deps: TrainJobDeps, log: Logger, stop: Stop) {
  const id = job.data.experimentId;
  log.info({ dataset: spec.dataset, model: spec.model, backend: deps.backend.name }, 'training started');
  const saved = await deps.checkpoints.latest(id, LATEST_TAG);
  const input = { experimentId: id, spec, data: deps.data, resume: saved?.data, checkpointEvery: deps.checkpointEvery };
  const { result, vocabSize, best, ranOn } = await deps.trainer(
    input,
    {
      epoch: async (m) => {
        await deps.experiments.recordEpoch(id, m);
        log.info(m, 'epoch done');
        if (await deps.experiments.cancelRequested(id)) stop.abort();
      },
      progress: (p) => void job.updateProgress({ ...p }).catch(() => undefined),
      checkpoint: (bytes, at) => saveState(id, bytes, at, deps, log),
      resumed: (info) =>
        'refused' in info
          ? log.warn({ checkpointId: saved?.id, reason: info.refused }, 'latest checkpoint cannot resume this run; starting from scratch')
          : log.info({ checkpointId: saved?.id, ...info }, 'resuming from checkpoint'),
    },
    stop.signal,
  );
  if (ranOn && ranOn.device !== deps.backend.device) log.warn({ ranOn, chosen: deps.backend.device }, 'the sandbox trained on another device than the worker chose');
  const last = result.epochs[result.epochs.length - 1]!;
  await deps.checkpoints.replace({ experimentId: id, tag: 'best', epoch: result.bestEpoch, step: last.step, format: CHECKPOINT_FORMAT, data: best });
  const { bestValNll, bestEpoch, testNll, testNllAllTokens, wallSeconds, tokensPerSec } = result;
  // Training FLOPs per input token (the cost model's faithful count) times tokens per second.
  const gflops = (tokensPerSec / spec.model.contextLength) * (3 * forwardFlopsPerWindow(spec, vocabSize)) / 1e9;
  const mfu = deps.peakGflops > 0 ? gflops / deps.peakGflops : null;
  // A cancel that came too late to stop training loses: the result exists (markSucceeded needs a running row).
  await deps.experiments.markSucceeded(id, { bestValNll, bestEpoch, testNll, testNllAllTokens, wallSeconds, tokensPerSec, gflops, mfu });
  log.info({ testNll, bestValNll, bestEpoch, wallSeconds: round(wallSeconds), resumedFromStep: result.resumedFromStep }, 'training succeeded');
  return { testNll, bestValNll, bestEpoch, params: result.params, backend: deps.backend.name };
}

/** The tag of an experiment's one training-state checkpoint (the newest replaces the older). */
const LATEST_TAG = 'latest';

/**
 * Keeps one training state per experiment (the newest). A write that fails after its retries is logged and
 * training goes on: the run loses nothing but the chance to resume from this point.
 */
async function saveState(id: string, data: Uint8Array, at: CheckpointAt, deps: TrainJobDeps, log: Logger) {
  try {
    const saved = await deps.checkpoints.replace({ experimentId: id, tag: LATEST_TAG, epoch: at.epoch, step: at.step, format: STATE_FORMAT, data });
    log.debug({ checkpointId: saved?.id, ...at, bytes: data.byteLength }, 'checkpoint saved');
  } catch (err) {
    log.error({ err, ...at }, 'could not save a checkpoint; training goes on');
  }
}

/** The worker is shutting down: the run checkpointed at its last step; the job goes back to the queue. */
async function requeue(job: Job<TrainJobData>, token: string | undefined, deps: TrainJobDeps, log: Logger): Promise<never> {
  const id = job.data.experimentId;
  await deps.experiments.markRetrying(id, 'its worker stopped; it resumes from its latest checkpoint').catch((err: unknown) => {
    log.error({ err }, 'could not mark the experiment queued again');
  });
  await job.moveToWait(token);
  log.info('worker stopping: job checkpointed and returned to the queue');
  throw new WaitingError();
}

/** The worker stopped before this job started: back to the queue, no attempt spent, the row untouched. */
async function handBack(job: Job<TrainJobData>, token: string | undefined, log: Logger): Promise<never> {
  await job.moveToWait(token);
  log.info('worker stopping: job handed back to the queue untouched');
  throw new WaitingError();
}

/** The job's experiment is gone or no longer runnable (failed, cancelled, finished): drop the job, touch nothing. */
class StaleJobError extends Error {}

/**
 * Throws StaleJobError. One case is settled first: a running row with a cancel request whose worker died
 * before it could stop it is cancelled now, rather than left running forever.
 */
async function dropStale(id: string, deps: TrainJobDeps): Promise<never> {
  const row = await deps.experiments.get(id);
  if (!row) throw new StaleJobError('experiment not found in the database');
  if (row.cancelRequestedAt && (await deps.experiments.markCancelled(id, 'cancelled on request (its worker had stopped)'))) {
    throw new StaleJobError('experiment had a cancel request; marked cancelled');
  }
  if (row.status === 'running' && row.heartbeatAt) {
    throw new RunningElsewhereError(row.workerId, heartbeatStaleAt(row.heartbeatAt, deps.heartbeatTimeoutS).getTime() + 1000);
  }
  throw new StaleJobError(`experiment is ${row.status}; its job will not run it`);
}

/**
 * The experiment is running on a worker that still signs of life (its queue lock lapsed, or Redis lost the job
 * and the API re-enqueued it): this job waits until that heartbeat would be stale, then tries again.
 */
class RunningElsewhereError extends Error {
  constructor(readonly workerId: string | null, readonly retryAt: number) {
    super(`experiment is running on worker ${workerId ?? '?'}; checking again at ${new Date(retryAt).toISOString()}`);
  }
}

async function postpone(job: Job<TrainJobData>, token: string | undefined, err: RunningElsewhereError, log: Logger): Promise<never> {
  log.warn({ runningOn: err.workerId, retryAt: new Date(err.retryAt).toISOString() }, 'experiment is running elsewhere: job postponed');
  await job.moveToDelayed(err.retryAt, token);
  throw new DelayedError();
}

/** The run was asked to stop: cancelled (unless it ended meanwhile), its recorded epochs kept, never retried. */
async function cancelled(job: Job<TrainJobData>, deps: TrainJobDeps, log: Logger): Promise<never> {
  const id = job.data.experimentId;
  const marked = await deps.experiments.markCancelled(id, 'cancelled on request while running').catch((err: unknown) => {
    log.error({ err }, 'could not record the cancel');
    return false;
  });
  log.info({ marked }, 'training cancelled');
  throw new UnrecoverableError('cancelled on request');
}

/** Records the failure where the user will look for it, then tells BullMQ whether to retry. */
async function fail(job: Job<TrainJobData>, deps: TrainJobDeps, log: Logger, err: unknown): Promise<never> {
  const id = job.data.experimentId;
  if (err instanceof StaleJobError) {
    log.warn({ reason: err.message }, 'job dropped');
    throw new UnrecoverableError(err.message);
  }
  const message = describe(err);
  const permanent = isPermanent(err);
  const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  log.error({ err, permanent, lastAttempt }, 'training failed');
  try {
    if (permanent || lastAttempt) await deps.experiments.markFailed(id, message);
    else await deps.experiments.markRetrying(id, `attempt ${job.attemptsMade + 1} failed, will retry: ${message}`);
  } catch (dbErr) {
    log.error({ err: dbErr }, 'could not record the failure');
  }
  throw permanent ? new UnrecoverableError(message) : err;
}

/** By name: an error from a training thread arrives as a SandboxError that carries the original's name. */
const PERMANENT = new Set([InvalidSpecError.name, DataError.name, DivergenceError.name, BudgetExceededError.name]);

function isPermanent(err: unknown): boolean {
  return err instanceof Error && PERMANENT.has(err.name);
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function round(x: number) {
  return Math.round(x * 100) / 100;
}
