// Running one experiment on this worker, queue aside: claim its row, keep a heartbeat on it, train it through
// the sandbox (resuming from its latest training state), record epochs, checkpoints and the result, and say how
// it ended. The BullMQ adapter (jobs/train-experiment.ts) turns each outcome into what the queue must do.
// A cancelled run keeps the epochs it recorded and its last checkpoint; a run stopped because its worker shuts
// down checkpoints first; a failure is recorded where the user looks for it (docs/reliability.md).
import type { Logger } from 'pino';
import { DATASETS, isRetryable, parseSpec, trainFlopsPerWindow, type ExperimentSpec, type TrainProgress } from '@slmlab/core';
import { heartbeatStaleAt, type CheckpointsRepo, type ExperimentsRepo } from '@slmlab/db';
import type { BackendInfo } from '../ml/backend.ts';
import { CHECKPOINT_FORMAT, STATE_FORMAT } from '../ml/checkpoint.ts';
import type { DataLocation } from '../ml/data/index.ts';
import type { CheckpointAt } from '../ml/train.ts';
import type { Trainer } from '../sandbox/trainer.ts';
import type { RunObserver } from './metrics.ts';
import type { WorkerActivity } from './registry.ts';

/** The abort reason a worker that shuts down gives its runs: checkpoint and requeue, not cancel. */
export const SHUTDOWN_REASON = 'worker shutting down';

/** The tag of an experiment's one training-state checkpoint (the newest replaces the older). */
const LATEST_TAG = 'latest';

export interface RunDeps {
  experiments: ExperimentsRepo;
  checkpoints: CheckpointsRepo;
  backend: BackendInfo;
  /** This worker's large-matmul GFLOP/s, measured at start: the yardstick for each run's MFU. */
  peakGflops: number;
  workerId: string;
  data: DataLocation;
  /** Runs the ML part (sandbox/trainer.ts): in a worker thread or a child process. */
  trainer: Trainer;
  /** Training-state checkpoint cadence besides epoch ends (0: off). */
  checkpointEvery: { steps: number; seconds: number };
  /** Progress reports at most this often (SLMLAB_PROGRESS_EVERY_MS). */
  progressEveryMs?: number;
  /** A running row without a heartbeat for this long has lost its worker (SLMLAB_HEARTBEAT_TIMEOUT_S). */
  heartbeatTimeoutS: number;
  /** The worker registry (services/registry.ts), told while this worker holds a claimed run; absent outside a worker process. */
  activity?: WorkerActivity;
  /** This worker's Prometheus metrics (services/metrics.ts), told of each claimed run; absent outside a worker process. */
  metrics?: RunObserver;
  log: Logger;
}

export interface RunRequest {
  experimentId: string;
  /** The job's payload, parsed here (a payload from an older API is checked like a new one). */
  spec: unknown;
  /** Which attempt this is (1 = the first), and whether a failure now is the last the queue allows. */
  attempt: number;
  lastAttempt: boolean;
  progress(p: TrainProgress): void;
}

export type RunOutcome =
  | { kind: 'succeeded'; summary: { testNll: number; bestValNll: number; bestEpoch: number; params: number; backend: string } }
  /** Another worker that still beats is training it: try again once that heartbeat would be stale. */
  | { kind: 'running-elsewhere'; workerId: string | null; retryAt: Date }
  /** Gone, or no longer runnable (failed, cancelled, finished): nothing to do. */
  | { kind: 'not-runnable'; reason: string }
  /** The worker is shutting down: the run checkpointed and is queued again. */
  | { kind: 'stopped' }
  | { kind: 'cancelled' }
  | { kind: 'failed'; error: unknown; retryable: boolean };

export async function runExperiment(deps: RunDeps, req: RunRequest, stop: AbortSignal): Promise<RunOutcome> {
  const run = { claimedAt: null as number | null };
  const outcome = await claimAndRun(deps, req, stop, run);
  if (run.claimedAt !== null) deps.metrics?.ended(outcome, (performance.now() - run.claimedAt) / 1000);
  return outcome;
}

async function claimAndRun(deps: RunDeps, req: RunRequest, stop: AbortSignal, run: { claimedAt: number | null }): Promise<RunOutcome> {
  const id = req.experimentId;
  const log = deps.log;
  // Fallback for a cancel message this worker did not hear: an epoch's end checks the row and aborts.
  const requested = new AbortController();
  const signal = AbortSignal.any([stop, requested.signal]);
  try {
    const spec = parseSpec(req.spec);
    const claimed = await deps.experiments.claim(id, { workerId: deps.workerId, backend: deps.backend.name, device: deps.backend.device }, deps.heartbeatTimeoutS);
    if (!claimed) return await whyNotClaimed(id, deps);
    const heartbeat = startHeartbeat(id, deps);
    run.claimedAt = performance.now();
    deps.metrics?.started();
    deps.activity?.started(id);
    try {
      return await trainAndRecord(id, spec, deps, req, signal, () => requested.abort('cancel requested'));
    } finally {
      clearInterval(heartbeat);
      deps.activity?.ended(id);
    }
  } catch (err) {
    if (signal.aborted && signal.reason === SHUTDOWN_REASON) return await stopped(id, deps);
    if (signal.aborted) return await cancelled(id, deps);
    return await failed(id, deps, req, err);
  }
}

/** Signs of life on the row while this worker trains it: what tells a live worker from a dead one. */
function startHeartbeat(id: string, deps: RunDeps) {
  const beat = () => deps.experiments.heartbeat(id, deps.workerId).catch((err: unknown) => deps.log.warn({ err }, 'could not record the heartbeat'));
  return setInterval(beat, (deps.heartbeatTimeoutS * 1000) / 4).unref();
}

async function trainAndRecord(id: string, spec: ExperimentSpec, deps: RunDeps, req: RunRequest, signal: AbortSignal, cancel: () => void): Promise<RunOutcome> {
  const log = deps.log;
  log.info({ dataset: spec.dataset, model: spec.model, backend: deps.backend.name }, 'training started');
  const saved = await deps.checkpoints.latest(id, LATEST_TAG);
  // The cost model's training FLOPs per input token, with the dataset's vocabulary as the loader builds it.
  const flopsPerToken = trainFlopsPerWindow(spec, DATASETS[spec.dataset].vocabSize) / spec.model.contextLength;
  const input = { experimentId: id, spec, data: deps.data, resume: saved?.data, checkpointEvery: deps.checkpointEvery, progressEveryMs: deps.progressEveryMs };
  const { result, vocabSize, best, ranOn } = await deps.trainer(
    input,
    {
      epoch: async (m) => {
        await deps.experiments.recordEpoch(id, m);
        log.info(m, 'epoch done');
        if (await deps.experiments.cancelRequested(id)) cancel();
      },
      progress: (p) => {
        req.progress(p);
        deps.metrics?.progress(p.tokensPerSec, (p.tokensPerSec * flopsPerToken) / 1e9);
      },
      checkpoint: (bytes, at) => saveState(id, bytes, at, deps),
      resumed: (info) =>
        'refused' in info
          ? log.warn({ checkpointId: saved?.id, reason: info.refused }, 'latest checkpoint cannot resume this run; starting from scratch')
          : log.info({ checkpointId: saved?.id, ...info }, 'resuming from checkpoint'),
    },
    signal,
  );
  if (ranOn && ranOn.device !== deps.backend.device) log.warn({ ranOn, chosen: deps.backend.device }, 'the sandbox trained on another device than the worker chose');
  const last = result.epochs[result.epochs.length - 1]!;
  await deps.checkpoints.replace({ experimentId: id, tag: 'best', epoch: result.bestEpoch, step: last.step, format: CHECKPOINT_FORMAT, data: best });
  const { bestValNll, bestEpoch, testNll, testNllAllTokens, wallSeconds, tokensPerSec } = result;
  // Training FLOPs per input token (the cost model's count) times tokens per second.
  const gflops = ((tokensPerSec / spec.model.contextLength) * trainFlopsPerWindow(spec, vocabSize)) / 1e9;
  const mfu = deps.peakGflops > 0 ? gflops / deps.peakGflops : null;
  // A cancel that came too late to stop training loses: the result exists (markSucceeded needs a running row).
  await deps.experiments.markSucceeded(id, { bestValNll, bestEpoch, testNll, testNllAllTokens, wallSeconds, tokensPerSec, gflops, mfu });
  log.info({ testNll, bestValNll, bestEpoch, wallSeconds: Math.round(wallSeconds * 100) / 100, resumedFromStep: result.resumedFromStep }, 'training succeeded');
  return { kind: 'succeeded', summary: { testNll, bestValNll, bestEpoch, params: result.params, backend: deps.backend.name } };
}

/**
 * Keeps one training state per experiment (the newest). A write that fails after its retries is logged and
 * training goes on: the run loses nothing but the chance to resume from this point.
 */
async function saveState(id: string, data: Uint8Array, at: CheckpointAt, deps: RunDeps) {
  try {
    const saved = await deps.checkpoints.replace({ experimentId: id, tag: LATEST_TAG, epoch: at.epoch, step: at.step, format: STATE_FORMAT, data });
    deps.log.debug({ checkpointId: saved?.id, ...at, bytes: data.byteLength }, 'checkpoint saved');
  } catch (err) {
    deps.log.error({ err, ...at }, 'could not save a checkpoint; training goes on');
  }
}

/**
 * Why the claim found nothing to claim. One case is settled here: a running row with a cancel request whose
 * worker died before it could stop it is cancelled now, rather than left running forever.
 */
async function whyNotClaimed(id: string, deps: RunDeps): Promise<RunOutcome> {
  const row = await deps.experiments.get(id);
  if (!row) return { kind: 'not-runnable', reason: 'experiment not found in the database' };
  if (row.cancelRequestedAt && (await deps.experiments.markCancelled(id, 'cancelled on request (its worker had stopped)'))) {
    return { kind: 'not-runnable', reason: 'experiment had a cancel request; marked cancelled' };
  }
  if (row.status === 'running' && row.heartbeatAt) {
    return { kind: 'running-elsewhere', workerId: row.workerId, retryAt: new Date(heartbeatStaleAt(row.heartbeatAt, deps.heartbeatTimeoutS).getTime() + 1000) };
  }
  return { kind: 'not-runnable', reason: `experiment is ${row.status}; its job will not run it` };
}

async function stopped(id: string, deps: RunDeps): Promise<RunOutcome> {
  await deps.experiments.markRetrying(id, 'its worker stopped; it resumes from its latest checkpoint').catch((err: unknown) => {
    deps.log.error({ err }, 'could not mark the experiment queued again');
  });
  return { kind: 'stopped' };
}

/** The run was asked to stop: cancelled (unless it ended meanwhile), its recorded epochs kept. */
async function cancelled(id: string, deps: RunDeps): Promise<RunOutcome> {
  const marked = await deps.experiments.markCancelled(id, 'cancelled on request while running').catch((err: unknown) => {
    deps.log.error({ err }, 'could not record the cancel');
    return false;
  });
  deps.log.info({ marked }, 'training cancelled');
  return { kind: 'cancelled' };
}

/** Records the failure where the user will look for it: final when no retry can help or none is left. */
async function failed(id: string, deps: RunDeps, req: RunRequest, error: unknown): Promise<RunOutcome> {
  const message = error instanceof Error ? error.message : String(error);
  const retryable = isRetryable(error);
  deps.log.error({ err: error, retryable, lastAttempt: req.lastAttempt }, 'training failed');
  try {
    if (!retryable || req.lastAttempt) await deps.experiments.markFailed(id, message);
    else await deps.experiments.markRetrying(id, `attempt ${req.attempt} failed, will retry: ${message}`);
  } catch (dbErr) {
    deps.log.error({ err: dbErr }, 'could not record the failure');
  }
  return { kind: 'failed', error, retryable };
}
