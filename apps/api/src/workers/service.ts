// The work behind workers/routes.ts: the live workers (the registry in Redis, with the names of the experiments
// they train from PostgreSQL) and the queue at a glance (BullMQ's job counts, experiments by status, workers).
import type { FastifyBaseLogger } from 'fastify';
import type { QueueStatsRepo } from '@slmlab/db';
import { withTimeout, type WorkerEntry } from '@slmlab/core';
import { UnavailableError } from '../edge/http-errors.ts';
import type { ExperimentQueue } from '../plugins/queue.ts';
import { readRegistry } from './registry.ts';
import { JOB_STATES, type QueueOverview, type WorkerList, type WorkerView } from './schemas.ts';

/** How long a read waits for the queue's Redis connection before answering 503. */
const REDIS_WAIT_MS = 3000;

export interface WorkerServiceDeps {
  queue: ExperimentQueue;
  /** SLMLAB_QUEUE_PREFIX: the workers of this deployment. */
  prefix: string;
  stats: QueueStatsRepo;
  log: FastifyBaseLogger;
}

export function workerService(deps: WorkerServiceDeps) {
  const registry = () => readRegistry(deps.queue, deps.prefix, deps.log);
  return {
    async list(): Promise<WorkerList> {
      await redisReady(deps.queue);
      const entries = await registry();
      // One query for every current job, however many workers there are.
      const names = await deps.stats.names(entries.flatMap((e) => (e.currentJob ? [e.currentJob.experimentId] : [])));
      return { items: entries.map((e) => workerView(e, names)) };
    },

    async overview(): Promise<QueueOverview> {
      await redisReady(deps.queue);
      const [jobs, experiments, entries] = await Promise.all([jobCounts(deps.queue), deps.stats.statusCounts(), registry()]);
      return { jobs, experiments, workers: { live: entries.length, busy: entries.filter((e) => e.currentJob !== null).length } };
    },
  };
}

/**
 * While Redis is away the queue's client waits for it without end; once connected, its commands fail at once
 * when Redis goes (enableOfflineQueue: false in plugins/queue.ts). So the wait for the connection is bounded here.
 */
export async function redisReady(queue: ExperimentQueue): Promise<void> {
  await withTimeout(queue.waitUntilReady(), REDIS_WAIT_MS).catch((err: unknown) => {
    throw new UnavailableError(`the queue (Redis) did not answer within ${REDIS_WAIT_MS} ms; retry later`, { cause: err });
  });
}

function workerView(e: WorkerEntry, names: Map<string, string | null>): WorkerView {
  return { ...e, currentJob: e.currentJob && { ...e.currentJob, name: names.get(e.currentJob.experimentId) ?? null } };
}

/**
 * BullMQ 6 leaves a paused queue's jobs in their lists and flags the queue (its legacy `paused` list stays
 * empty), so `paused` is read from the flag: the waiting and prioritized jobs it holds back.
 */
export async function jobCounts(queue: ExperimentQueue): Promise<QueueOverview['jobs']> {
  const [counts, isPaused] = await Promise.all([queue.getJobCounts(...JOB_STATES), queue.isPaused()]);
  const n = (state: (typeof JOB_STATES)[number]) => counts[state] ?? 0;
  return {
    waiting: n('waiting'),
    active: n('active'),
    delayed: n('delayed'),
    prioritized: n('prioritized'),
    failed: n('failed'),
    completed: n('completed'),
    paused: isPaused ? n('waiting') + n('prioritized') : 0,
  };
}
