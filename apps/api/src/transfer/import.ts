// Importing a bundle: check all of it (packages/core decodeBundle, then what PostgreSQL can store), decide what
// it becomes here (importPlan: ended ones as they were; unfinished ones queued to resume), refuse a taken id or a
// spec that already runs here, store everything in one transaction, and enqueue a run that goes on. Nothing is
// stored unless all of it is; a job that cannot be enqueued undoes the import.
import {
  decodeBundle,
  estimateCost,
  importPlan,
  InvalidBundleError,
  specHash,
  withTimeout,
  type Bundle,
  type ImportPlan,
} from '@slmlab/core';
import type { Experiment, ImportedExperiment } from '@slmlab/db';
import { inputIssues } from '../edge/input-rules.ts';
import { UnavailableError } from '../edge/http-errors.ts';
import { checkLimits } from '../experiments/limits.ts';
import { ENQUEUE_TIMEOUT_MS, enqueue } from '../experiments/submit.ts';
import type { TransferDeps } from './deps.ts';
import { AlreadyExistsError, DuplicateSpecError } from './errors.ts';

export interface ImportOptions {
  /** Store it even when an experiment here has the same spec (as ?force=true does for a submission). */
  force: boolean;
}

export interface Imported {
  row: Experiment;
  bundle: Bundle;
  plan: ImportPlan;
}

export async function importBundle(deps: TransferDeps, bytes: Uint8Array, opts: ImportOptions): Promise<Imported> {
  const bundle = decodeBundle(bytes);
  checkStorable(bundle);
  const plan = importPlan(bundle);
  const { id, spec } = bundle.experiment;
  if (await deps.experiments.exists(id)) throw new AlreadyExistsError(id);
  // Only a run that goes on here costs this deployment anything: an ended one is a record.
  if (plan.resumes) checkLimits(spec, deps.limits);
  const hash = specHash(spec);
  const dedup = !opts.force && countsAsRun(plan.status);
  if (dedup) await refuseTwin(deps, hash);
  if (plan.resumes) await queueReady(deps);
  const row = await insert(deps, rowsOf(bundle, plan, hash, dedup), hash, dedup);
  if (plan.resumes) await enqueueOrUndo(deps, bundle);
  deps.log.info({ experimentId: id, status: plan.status, resumeFromStep: plan.resumeFrom?.step ?? null, source: bundle.source }, 'experiment imported');
  return { row, bundle, plan };
}

/** Failed and cancelled experiments are not runs of their spec (a resubmission trains it again). */
const countsAsRun = (status: string) => status !== 'failed' && status !== 'cancelled';

/**
 * Text PostgreSQL cannot hold (NUL, unpaired surrogates) and prototype keys, anywhere in what is stored: the same
 * rules as every request body (edge/input-rules.ts), at their paths in the header.
 */
function checkStorable(bundle: Bundle): void {
  const stored = { experiment: bundle.experiment, curve: bundle.curve, checkpoints: bundle.checkpoints.map(({ data: _data, ...meta }) => meta) };
  const issues = inputIssues(stored, '/header');
  if (issues.length) throw new InvalidBundleError(issues);
}

async function refuseTwin(deps: TransferDeps, hash: string): Promise<void> {
  const twin = await deps.experiments.liveBySpecHash(hash);
  if (twin) throw new DuplicateSpecError(twin.id, twin.status);
}

/** Redis before PostgreSQL: a queue that is down refuses the import before anything is stored. */
async function queueReady(deps: TransferDeps): Promise<void> {
  try {
    await withTimeout(deps.queue.waitUntilReady(), ENQUEUE_TIMEOUT_MS, `Redis did not answer within ${ENQUEUE_TIMEOUT_MS} ms`);
  } catch (err) {
    throw new UnavailableError(`the job queue is unavailable (${(err as Error).message}); nothing was imported, retry later`, { cause: err });
  }
}

/** One transaction; a unique violation is the id or the spec someone stored meanwhile, answered as if seen first. */
async function insert(deps: TransferDeps, rows: ImportedExperiment, hash: string, dedup: boolean): Promise<Experiment> {
  try {
    return await deps.transfer.insert(rows);
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'P2002') throw err;
    if (await deps.experiments.exists(rows.base.id)) throw new AlreadyExistsError(rows.base.id);
    if (dedup) await refuseTwin(deps, hash);
    throw err;
  }
}

/** A row no job will run must not stay: without its job the import is undone (503), and can simply be retried. */
async function enqueueOrUndo(deps: TransferDeps, bundle: Bundle): Promise<void> {
  const { id, spec } = bundle.experiment;
  try {
    await enqueue(deps.queue, { experimentId: id, spec });
  } catch (err) {
    await deps.transfer.remove(id).catch((dbErr: unknown) => deps.log.error({ err: dbErr, experimentId: id }, 'could not undo an import whose job was not enqueued'));
    throw new UnavailableError(`could not enqueue its job (${(err as Error).message}); the import was undone, retry later`, { cause: err });
  }
}

/**
 * The rows to store. An ended experiment keeps everything it had. One that goes on here starts its run's
 * bookkeeping afresh — queued, no attempts, no worker, no heartbeat, no cancel request — and keeps its curve and
 * checkpoints, from which a worker resumes it. The cost is this deployment's estimate of the spec.
 */
function rowsOf(bundle: Bundle, plan: ImportPlan, hash: string, dedup: boolean): ImportedExperiment {
  const e = bundle.experiment;
  const base = { id: e.id, spec: e.spec, cost: estimateCost(e.spec), keys: { specHash: hash, dedup } };
  const dates = (iso: string | null) => (iso === null ? null : new Date(iso));
  const state = plan.resumes
    ? { status: plan.status, attempts: 0, createdAt: new Date(e.createdAt), startedAt: null, finishedAt: null, cancelRequestedAt: null, error: null, result: freshResult() }
    : { status: plan.status, attempts: e.attempts, createdAt: new Date(e.createdAt), startedAt: dates(e.startedAt), finishedAt: dates(e.finishedAt), cancelRequestedAt: dates(e.cancelRequestedAt), error: e.error, result: e.result };
  return {
    base,
    state,
    points: bundle.curve,
    checkpoints: bundle.checkpoints.map((c) => ({ tag: c.tag, epoch: c.epoch, step: c.step, format: c.format, createdAt: new Date(c.createdAt), data: c.data })),
  };
}

function freshResult(): ImportedExperiment['state']['result'] {
  return { bestValNll: null, bestEpoch: null, testNll: null, testNllAllTokens: null, wallSeconds: null, tokensPerSec: null, gflops: null, mfu: null, backend: null, device: null, workerId: null };
}
