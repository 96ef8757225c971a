// The BullMQ queue the API adds training jobs to (the worker consumes it).
import { Queue } from 'bullmq';
import type { FastifyPluginAsync } from 'fastify';
import { EXPERIMENT_QUEUE, redisOptions, type TrainJobData } from '@slmlab/core';
import { withTimeout } from '../timeout.ts';
import { shared } from './shared.ts';

export type ExperimentQueue = Queue<TrainJobData>;

declare module 'fastify' {
  interface FastifyInstance {
    queue: ExperimentQueue;
  }
}

export const queuePlugin: FastifyPluginAsync<{ redisUrl: string; prefix: string }> = shared('queue', async (app, opts) => {
  const queue: ExperimentQueue = new Queue(EXPERIMENT_QUEUE, {
    // Connection options, not an ioredis instance: BullMQ then owns the connection and close() ends it.
    // Without the offline queue, commands fail at once while Redis is away instead of waiting for it, so a
    // submission gets a 503 rather than hanging (see services/experiments.ts).
    connection: { ...redisOptions(opts.redisUrl), enableOfflineQueue: false },
    prefix: opts.prefix,
  });
  // BullMQ re-emits connection errors; without a listener they would crash the process. ioredis keeps
  // reconnecting about every second and /readyz reports the outage, so one line per error a minute is enough.
  let last = { message: '', at: 0 };
  queue.on('error', (err) => {
    if (err.message === last.message && Date.now() - last.at < 60_000) return;
    last = { message: err.message, at: Date.now() };
    app.log.warn({ err }, 'redis connection error (reconnecting)');
  });
  app.decorate('queue', queue);
  app.addHook('onClose', async () => {
    await withTimeout(queue.close(), 5000).catch(async (err: unknown) => {
      app.log.warn({ err }, 'queue did not close cleanly; disconnecting');
      await queue.disconnect();
    });
  });
});
