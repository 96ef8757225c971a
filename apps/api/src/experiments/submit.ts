// Submitting a spec: a repeat (same Idempotency-Key, or the same spec as a live experiment) returns the
// experiment that exists; anything new is checked against the limits, stored as queued, then enqueued.
import { randomUUID } from 'node:crypto';
import type { JobsOptions } from 'bullmq';
import { TRAIN_JOB, canonicalJson, estimateCost, specHash, type ExperimentSpec, type TrainJobData, withTimeout } from '@slmlab/core';
import type { Experiment } from '@slmlab/db';
import { IdempotencyKeyReusedError, UnavailableError } from '../edge/http-errors.ts';
import type { ExperimentQueue } from '../plugins/queue.ts';
import type { ExperimentServiceDeps } from './deps.ts';
import { checkLimits } from './limits.ts';

/** Three tries (a worker that died, a transient error), 5 s then 10 s apart; finished jobs stay a while for inspection. */
export const TRAIN_JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 5000 },
  removeOnComplete: 1000,
  removeOnFail: 5000,
} as const satisfies JobsOptions;

/** How long a submission (or a reconciler pass) waits for Redis before it gives up. */
export const ENQUEUE_TIMEOUT_MS = 3000;

export interface SubmitOptions {
  /** Create a new run even when a live experiment has the same spec hash. */
  force: boolean;
  idempotencyKey?: string;
}

export interface Submitted {
  row: Experiment;
  /** False when an existing experiment was returned and nothing was enqueued. */
  created: boolean;
}

export async function submit(deps: ExperimentServiceDeps, spec: ExperimentSpec, opts: SubmitOptions): Promise<Submitted> {
  const key = opts.idempotencyKey;
  const prior = key === undefined ? null : await deps.experiments.byIdempotencyKey(key);
  if (prior && key !== undefined) return { row: sameRequest(prior, spec, key), created: false };
  const hash = specHash(spec);
  const live = opts.force ? null : await deps.experiments.liveBySpecHash(hash);
  if (live) return { row: live, created: false };

  checkLimits(spec, deps.limits);
  const id = randomUUID();
  let row: Experiment;
  try {
    row = await deps.experiments.create(id, spec, estimateCost(spec), { specHash: hash, idempotencyKey: key, dedup: !opts.force });
  } catch (err) {
    // Two requests with one new key, or one spec, at once: the loser answers with what the winner created.
    if (!isUniqueViolation(err)) throw err;
    const byKey = key === undefined ? null : await deps.experiments.byIdempotencyKey(key);
    if (byKey && key !== undefined) return { row: sameRequest(byKey, spec, key), created: false };
    const bySpec = opts.force ? null : await deps.experiments.liveBySpecHash(hash);
    if (bySpec) return { row: bySpec, created: false };
    throw err;
  }
  await enqueueOrFail(deps, { experimentId: id, spec });
  return { row, created: true };
}

/** A key names one request: the same key with another spec (name included) is a client bug, not a repeat. */
function sameRequest(prior: Experiment, spec: ExperimentSpec, key: string): Experiment {
  if (canonicalJson(prior.spec) !== canonicalJson(spec)) throw new IdempotencyKeyReusedError(key, prior.id);
  return prior;
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown }).code === 'P2002';
}

/**
 * A row that no job will ever run must not look accepted: when the job cannot be enqueued, the experiment is
 * marked failed with the reason and the client gets 503.
 */
export async function enqueueOrFail(deps: ExperimentServiceDeps, data: TrainJobData): Promise<void> {
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
 * Adds the experiment's job: job id = experiment id, so adding it again while it exists is a no-op (the
 * reconciler, reconcile/reconcile.ts, relies on that and re-adds lost jobs through this same function).
 * Waits (bounded) for the Redis connection before adding: an add issued while Redis is down would wait in the
 * client and could land later, for an experiment already marked failed. Once connected, the queue's connection
 * refuses commands at once when Redis goes away (enableOfflineQueue: false in plugins/queue.ts).
 */
export async function enqueue(queue: ExperimentQueue, data: TrainJobData): Promise<void> {
  await withTimeout(queue.waitUntilReady(), ENQUEUE_TIMEOUT_MS, `Redis did not answer within ${ENQUEUE_TIMEOUT_MS} ms`);
  await queue.add(TRAIN_JOB, data, { jobId: data.experimentId, ...TRAIN_JOB_OPTIONS });
}
