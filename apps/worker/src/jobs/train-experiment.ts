// The BullMQ processor for one experiment: a thin adapter between the queue, the database and the ML core.
// Failures that a retry cannot fix (bad spec, bad data, divergence, spent budget) become UnrecoverableError;
// others retry.
// A cancelled run (the API's request fired BullMQ's AbortSignal, or the row says so at an epoch's end) is
// marked cancelled, keeps the epochs it recorded, and is not retried.
import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { DataError, InvalidSpecError, forwardFlopsPerWindow, parseSpec, type TrainJobData } from '@slmlab/core';
import type { CheckpointsRepo, ExperimentsRepo } from '@slmlab/db';
import type { BackendInfo } from '../ml/backend.ts';
import { CHECKPOINT_FORMAT, encodeCheckpoint } from '../ml/checkpoint.ts';
import { loadCorpus, type Corpus, type DataLocation } from '../ml/data/index.ts';
import { BudgetExceededError, DivergenceError, train } from '../ml/train.ts';

export interface TrainJobDeps {
  experiments: ExperimentsRepo;
  checkpoints: CheckpointsRepo;
  backend: BackendInfo;
  /** This worker's large-matmul GFLOP/s, measured at start: the yardstick for each job's MFU. */
  peakGflops: number;
  workerId: string;
  data: DataLocation;
  log: Logger;
}

export function trainExperimentProcessor(deps: TrainJobDeps) {
  const corpora = corpusCache(deps.data);
  // The processor takes BullMQ's signal (its third parameter): Worker.cancelJob(id) aborts it.
  return async (job: Job<TrainJobData>, _token?: string, signal?: AbortSignal) => {
    const id = job.data.experimentId;
    const log = deps.log.child({ experimentId: id, jobId: job.id, attempt: job.attemptsMade + 1 });
    // Fallback for a cancel message this worker did not hear: the epoch hook aborts when the row asks for it.
    const requested = new AbortController();
    const stop = signal ? AbortSignal.any([signal, requested.signal]) : requested.signal;
    try {
      return await run(job, deps, corpora, log, { signal: stop, abort: () => requested.abort('cancel requested') });
    } catch (err) {
      if (stop.aborted) return await cancelled(job, deps, log);
      return await fail(job, deps, log, err);
    }
  };
}

interface Stop {
  signal: AbortSignal;
  abort: () => void;
}

async function run(job: Job<TrainJobData>, deps: TrainJobDeps, corpora: ReturnType<typeof corpusCache>, log: Logger, stop: Stop) {
  const id = job.data.experimentId;
  const spec = parseSpec(job.data.spec);
  const claimed = await deps.experiments.claim(id, { workerId: deps.workerId, backend: deps.backend.name, device: deps.backend.device });
  if (!claimed) await dropStale(id, deps);
  log.info({ dataset: spec.dataset, model: spec.model, backend: deps.backend.name }, 'training started');
  const corpus = await corpora(spec.dataset);
  const { result, model } = await train(spec, corpus, {
    signal: stop.signal,
    onEpoch: async (m) => {
      await deps.experiments.recordEpoch(id, m);
      log.info(m, 'epoch done');
      if (await deps.experiments.cancelRequested(id)) stop.abort();
    },
    onProgress: (p) => void job.updateProgress({ ...p }).catch(() => undefined),
  });
  try {
    const data = await encodeCheckpoint(model.params, { experimentId: id, spec, vocab: corpus.vocab, bestEpoch: result.bestEpoch });
    const last = result.epochs[result.epochs.length - 1]!;
    await deps.checkpoints.save({ experimentId: id, tag: 'best', epoch: result.bestEpoch, step: last.step, format: CHECKPOINT_FORMAT, data });
  } finally {
    model.params.dispose();
  }
  const { bestValNll, bestEpoch, testNll, testNllAllTokens, wallSeconds, tokensPerSec } = result;
  // Training FLOPs per input token (the cost model's faithful count) times tokens per second.
  const gflops = (tokensPerSec / spec.model.contextLength) * (3 * forwardFlopsPerWindow(spec, corpus.vocab.length)) / 1e9;
  const mfu = deps.peakGflops > 0 ? gflops / deps.peakGflops : null;
  // A cancel that came too late to stop training loses: the result exists (markSucceeded needs a running row).
  await deps.experiments.markSucceeded(id, { bestValNll, bestEpoch, testNll, testNllAllTokens, wallSeconds, tokensPerSec, gflops, mfu });
  log.info({ testNll, bestValNll, bestEpoch, wallSeconds: round(wallSeconds) }, 'training succeeded');
  return { testNll, bestValNll, bestEpoch, params: result.params, backend: deps.backend.name };
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
  throw new StaleJobError(`experiment is ${row.status}; its job will not run it`);
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

function isPermanent(err: unknown): boolean {
  return (
    err instanceof InvalidSpecError ||
    err instanceof DataError ||
    err instanceof DivergenceError ||
    err instanceof BudgetExceededError
  );
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Each data set is read and tokenised once per process. A failed load is not cached. */
function corpusCache(where: DataLocation) {
  const cache = new Map<string, Promise<Corpus>>();
  return (name: TrainJobData['spec']['dataset']) => {
    let p = cache.get(name);
    if (!p) {
      p = loadCorpus(name, where);
      p.catch(() => cache.delete(name));
      cache.set(name, p);
    }
    return p;
  };
}

function round(x: number) {
  return Math.round(x * 100) / 100;
}
