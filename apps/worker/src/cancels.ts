// Hears the API's cancel requests. A subscriber connection can run nothing but (un)subscribe commands, so it is
// a connection of its own, beside BullMQ's. Every worker hears every request; the one that runs the job aborts it.
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { cancelChannel, redisOptions } from '@slmlab/core';

export interface CancelSubscription {
  close(): Promise<void>;
}

/** Calls `onCancel(experimentId)` for each request published under `prefix`. Resubscribes after reconnects. */
export async function subscribeCancels(
  redisUrl: string,
  prefix: string,
  onCancel: (experimentId: string) => void,
  log: Logger,
): Promise<CancelSubscription> {
  const channel = cancelChannel(prefix);
  const sub = new Redis({ ...redisOptions(redisUrl), lazyConnect: true });
  let lastError = '';
  sub.on('error', (err) => {
    // ioredis reconnects on its own; one line per distinct error keeps an outage from flooding the log.
    if (err.message !== lastError) log.warn({ err }, 'cancel subscription: redis error (reconnecting)');
    lastError = err.message;
  });
  sub.on('message', (ch: string, id: string) => {
    if (ch === channel) onCancel(id);
  });
  await sub.connect();
  await sub.subscribe(channel);
  return {
    async close() {
      await sub.quit().catch(() => sub.disconnect());
    },
  };
}
