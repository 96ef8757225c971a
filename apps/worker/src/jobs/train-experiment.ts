// The BullMQ processor for one experiment: a thin adapter between the queue, the database and the ML core.
// Failures that a retry cannot fix (bad spec, bad data, divergence) become UnrecoverableError; others retry.
import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { DataError, InvalidSpecError, forwardFlopsPerWindow, parseSpec, type TrainJobData } from '@slmlab/core';
import type { CheckpointsRepo, ExperimentsRepo } from '@slmlab/db';
import type { BackendInfo } from '../ml/backend.ts';
import { CHECKPOINT_FORMAT, encodeCheckpoint } from '../ml/checkpoint.ts';
import { loadCorpus, type Corpus, type DataLocation } from '../ml/data/index.ts';
import { DivergenceError, train } from '../ml/train.ts';

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
  return async (job: Job<TrainJobData>, _token?: string, signal?: AbortSignal) => {
    const id = job.data.experimentId;
    const log = deps.log.child({ experimentId: id, jobId: job.id, attempt: job.attemptsMade + 1 });
    try {
      return await run(job, deps, corpora, log, signal);
    } catch (err) {
      return await fail(job, deps, log, err);
    }
  };
}

async function run(
  job: Job<TrainJobData>,
  deps: TrainJobDeps,
  corpora: ReturnType<typeof corpusCache>,
  log: Logger,
  signal?: AbortSignal,
) {
  const id = job.data.experimentId;
  const spec = parseSpec(job.data.spec);
  const claimed = await deps.experiments.claim(id, { workerId: deps.workerId, backend: deps.backend.name, device: deps.backend.device });
  if (!claimed) {
    const row = await deps.experiments.get(id);
    throw new StaleJobError(row ? `experiment is ${row.status}; its job will not run it` : 'experiment not found in the database');
  }
  log.info({ dataset: spec.dataset, model: spec.model, backend: deps.backend.name }, 'training started');
  const corpus = await corpora(spec.dataset);
  const { result, model } = await train(spec, corpus, {
    signal,
    onEpoch: async (m) => {
      await deps.experiments.recordEpoch(id, m);
      log.info(m, 'epoch done');
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
  await deps.experiments.markSucceeded(id, { bestValNll, bestEpoch, testNll, testNllAllTokens, wallSeconds, tokensPerSec, gflops, mfu });
  log.info({ testNll, bestValNll, bestEpoch, wallSeconds: round(wallSeconds) }, 'training succeeded');
  return { testNll, bestValNll, bestEpoch, params: result.params, backend: deps.backend.name };
}

/** The job's experiment is gone or no longer runnable (failed, cancelled, finished): drop the job, touch nothing. */
class StaleJobError extends Error {}

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
    err instanceof DivergenceError
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
