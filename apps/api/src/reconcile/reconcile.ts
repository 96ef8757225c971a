// The queue reconciler: PostgreSQL is the record of what was accepted, Redis only carries the jobs. When Redis
// loses jobs (a restart without persistence, a failover to an empty replica, a flush), experiments stay `queued`
// or `running` with no job that will ever run them. A pass finds such experiments and adds their job again,
// through the very function a submission uses (same job id = experiment id, same payload, same options).
//
// Safe to run from any number of API processes at once: adding a job whose id exists is a no-op in BullMQ, and
// a job that should not run is refused by the worker's claim (a conditional update on the row's status).
import type { FastifyBaseLogger } from 'fastify';
import type { ExperimentSpec } from '@slmlab/core';
import type { ExperimentsRepo } from '@slmlab/db';
import type { ExperimentQueue } from '../plugins/queue.ts';
import { ENQUEUE_TIMEOUT_MS, enqueue } from '../experiments/submit.ts';
import { withTimeout } from '@slmlab/core';

export interface ReconcileDeps {
  experiments: ExperimentsRepo;
  queue: ExperimentQueue;
  log: FastifyBaseLogger;
  /** A running row whose heartbeat is older than this has lost its worker; a fresher one is being trained. */
  heartbeatTimeoutS: number;
  /** Ends a pass early, between batches (the app is closing). */
  signal?: AbortSignal;
}

export interface ReconcileResult {
  /** Live experiments (queued or running) looked at. */
  checked: number;
  /** Experiments whose job was missing from Redis and was added again, oldest first. */
  requeued: string[];
  /**
   * Live experiments whose job had failed for good in BullMQ while the row still says queued/running (a job
   * that stalled more often than BullMQ allows, or a worker that could not record the failure): marked failed
   * with BullMQ's reason, since no job will ever run them.
   */
  failed: string[];
}

/** Rows read per query, and job states asked of Redis at once. */
const BATCH = 200;
const CONCURRENCY = 16;

/** One pass. Throws when PostgreSQL or Redis cannot be reached; the caller logs it and tries again later. */
export async function reconcileQueue(deps: ReconcileDeps): Promise<ReconcileResult> {
  const { experiments, queue, log } = deps;
  const result: ReconcileResult = { checked: 0, requeued: [], failed: [] };
  // Without this, a command issued before the first connection waits for Redis instead of failing.
  await withTimeout(queue.waitUntilReady(), ENQUEUE_TIMEOUT_MS, `Redis did not answer within ${ENQUEUE_TIMEOUT_MS} ms`);
  let after: { createdAt: Date; id: string } | undefined;
  for (;;) {
    if (deps.signal?.aborted) break;
    // Oldest first (keyset pagination), so that re-added jobs keep their submission order in the queue.
    const rows = await experiments.liveAfter(after, BATCH);
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!;
    result.checked += rows.length;

    const states = await mapLimited(rows, CONCURRENCY, (r) => queue.getJobState(r.id));
    const missing = rows.filter((_, i) => states[i] === 'unknown').map((r) => r.id);
    const failedJobs = rows.filter((_, i) => states[i] === 'failed').map((r) => r.id);
    if (missing.length > 0) result.requeued.push(...(await requeue(deps, missing)));
    for (const id of failedJobs) {
      if (await settleFailed(deps, id)) result.failed.push(id);
    }
    if (rows.length < BATCH) break;
  }
  if (result.requeued.length > 0 || result.failed.length > 0) {
    log.info({ checked: result.checked, requeued: result.requeued.length, failed: result.failed.length }, 'queue reconciled');
  } else {
    log.debug({ checked: result.checked }, 'queue reconciled: nothing missing');
  }
  return result;
}

/**
 * Adds the job of each experiment in `ids` that is still queued, or running with no sign of its worker. The rows are read again (with their spec) just
 * before: one cancelled or finished since the first read gets no job. Any job left over by a narrower race is
 * harmless: the worker's claim refuses an experiment that is not live.
 */
async function requeue(deps: ReconcileDeps, ids: string[]): Promise<string[]> {
  // A running row with a fresh heartbeat is being trained by a live worker that merely lost its lock with
  // Redis: a job for it now would only wait (the claim refuses it). It is re-added once the heartbeat is stale.
  const rows = await deps.experiments.runnableAmong(ids, deps.heartbeatTimeoutS);
  const done: string[] = [];
  for (const row of rows) {
    // The payload a submission enqueues: the stored spec is the resolved spec the job carried.
    await enqueue(deps.queue, { experimentId: row.id, spec: row.spec as unknown as ExperimentSpec });
    done.push(row.id);
    deps.log.warn(
      { experimentId: row.id, status: row.status, cancelRequested: row.cancelRequestedAt !== null },
      'job missing from the queue (Redis lost it): re-enqueued',
    );
  }
  return done;
}

/** Marks the experiment failed with the job's reason; false when it ended meanwhile (or the job is gone). */
async function settleFailed(deps: ReconcileDeps, id: string): Promise<boolean> {
  const job = await deps.queue.getJob(id);
  if (!job || (await job.getState()) !== 'failed') return false;
  const reason = `its job failed in the queue: ${job.failedReason || 'no reason recorded'}`;
  const marked = await deps.experiments.markFailed(id, reason);
  if (marked) deps.log.warn({ experimentId: id, reason: job.failedReason }, 'job failed but the experiment was still live: marked failed');
  return marked;
}

async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += limit) {
    out.push(...(await Promise.all(items.slice(i, i + limit).map(fn))));
  }
  return out;
}
