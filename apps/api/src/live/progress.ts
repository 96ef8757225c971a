// Live progress from the workers, for server-sent events: the workers report each job's progress to BullMQ
// (job.updateProgress), which publishes it on the queue's event stream; one QueueEvents reader per API process
// fans it out to whoever listens for those experiment ids. Opened on the first subscriber only, so an API that
// serves no stream holds no extra Redis connection.
import { QueueEvents } from 'bullmq';
import { EXPERIMENT_QUEUE, redisOptions, type TrainProgress, withTimeout } from '@slmlab/core';
import fp from 'fastify-plugin';

/** What a worker last reported of a running job. */
export type JobProgress = TrainProgress;

export type ProgressListener = (experimentId: string, progress: JobProgress) => void;

export interface ProgressHub {
  /** Calls `listener` with each progress report of these experiments; returns the unsubscribe function. */
  subscribe(ids: Iterable<string>, listener: ProgressListener): () => void;
}

declare module 'fastify' {
  interface FastifyInstance {
    progressHub: ProgressHub;
  }
}

export const progressPlugin = fp<{ redisUrl: string; prefix: string }>(async (app, opts) => {
  const listeners = new Map<string, Set<ProgressListener>>();
  let events: QueueEvents | undefined;

  const open = () => {
    events = new QueueEvents(EXPERIMENT_QUEUE, { connection: redisOptions(opts.redisUrl), prefix: opts.prefix });
    events.on('error', (err) => app.log.warn({ err }, 'progress stream: redis error (reconnecting)'));
    events.on('progress', ({ jobId, data }) => {
      for (const l of listeners.get(jobId) ?? []) l(jobId, data as unknown as JobProgress);
    });
  };

  app.decorate('progressHub', {
    subscribe(ids, listener) {
      if (!events) open();
      const keys = [...ids];
      for (const id of keys) {
        const set = listeners.get(id) ?? new Set();
        set.add(listener);
        listeners.set(id, set);
      }
      return () => {
        for (const id of keys) {
          const set = listeners.get(id);
          set?.delete(listener);
          if (set?.size === 0) listeners.delete(id);
        }
      };
    },
  } satisfies ProgressHub);

  app.addHook('onClose', async () => {
    if (events) await withTimeout(events.close(), 5000).catch(() => events?.disconnect());
  });
}, { name: 'progress' });
