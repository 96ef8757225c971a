// The BullMQ queue the API adds training jobs to (the worker consumes it), and the Redis connection on which it
// asks workers to stop a running job.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { EXPERIMENT_QUEUE, cancelChannel, redisOptions, type TrainJobData, withTimeout } from '@slmlab/core';
import fp from 'fastify-plugin';

export type ExperimentQueue = Queue<TrainJobData>;

declare module 'fastify' {
  interface FastifyInstance {
    queue: ExperimentQueue;
    /** Tells every worker of this prefix to stop the job of experiment `id` if it runs it. */
    publishCancel: (id: string) => Promise<void>;
  }
}

export const queuePlugin = fp<{ redisUrl: string; prefix: string }>(async (app, opts) => {
  const queue: ExperimentQueue = new Queue(EXPERIMENT_QUEUE, {
    // Connection options, not an ioredis instance: BullMQ then owns the connection and close() ends it.
    // Without the offline queue, commands fail at once while Redis is away instead of waiting for it, so a
    // submission gets a 503 rather than hanging (see experiments/service.ts).
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
  // BullMQ exposes no PUBLISH: a plain connection of our own, offline queue off for the same reason as above.
  const publisher = new Redis({ ...redisOptions(opts.redisUrl), enableOfflineQueue: false, lazyConnect: true });
  publisher.on('error', () => undefined); // the queue's listener above already reports outages
  const channel = cancelChannel(opts.prefix);
  app.decorate('publishCancel', async (id: string) => {
    if (publisher.status === 'wait') await publisher.connect();
    await publisher.publish(channel, id);
  });
  app.addHook('onClose', async () => {
    publisher.disconnect();
    await withTimeout(queue.close(), 5000).catch(async (err: unknown) => {
      app.log.warn({ err }, 'queue did not close cleanly; disconnecting');
      await queue.disconnect();
    });
  });
}, { name: 'queue' });

