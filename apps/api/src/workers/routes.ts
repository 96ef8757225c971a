// /v1/workers and /v1/queue: the "queue and workers" view. Both read only (Redis and PostgreSQL), so they
// need what any read needs (auth/plugin.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorResponse } from '../edge/schemas.ts';
import { QueueOverview, WorkerList } from './schemas.ts';

export const workerRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { workers } = app.services;

  app.get(
    '/workers',
    {
      schema: {
        tags: ['workers'],
        summary: 'the live workers: backend, device, state and current job',
        description:
          'Every worker process of this deployment keeps an entry in Redis, rewritten every few seconds ' +
          '(WORKER_REGISTRY_REFRESH_S) and expiring after three of those: a worker that was killed leaves the list ' +
          'on its own, one that stops cleanly at once. 503 when Redis or PostgreSQL is unreachable.',
        response: { 200: WorkerList, 503: ErrorResponse },
      },
    },
    async () => workers.list(),
  );

  app.get(
    '/queue',
    {
      schema: {
        tags: ['workers'],
        summary: 'the queue at a glance: jobs by state, experiments by status, live and busy workers',
        description:
          "`jobs` are BullMQ's counts (job id = experiment id), `experiments` PostgreSQL's, `workers` the registry's " +
          '(as GET /v1/workers). The three are read at about the same moment, not in one transaction. 503 when Redis ' +
          'or PostgreSQL is unreachable.',
        response: { 200: QueueOverview, 503: ErrorResponse },
      },
    },
    async () => workers.overview(),
  );
};
