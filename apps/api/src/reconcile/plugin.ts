// Runs the queue reconciler (reconcile/reconcile.ts) once the app is ready, then every `intervalS` seconds after
// the previous pass ended. A pass that fails (PostgreSQL or Redis down) is logged and tried again at the next
// tick: it never takes the API down. Needs the queue and services plugins registered first.
import { reconcileQueue } from './reconcile.ts';
import fp from 'fastify-plugin';
import { withTimeout } from '@slmlab/core';

/** How long closing the app waits for a pass in progress. */
const CLOSE_WAIT_MS = 5000;

export const reconcilePlugin = fp<{ intervalS: number; heartbeatTimeoutS: number }>(async (app, { intervalS, heartbeatTimeoutS }) => {
  if (intervalS <= 0) return;
  const log = app.log.child({ component: 'reconciler' });
  const { experiments } = app.services.repos;
  const stopping = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<void> | undefined;
  // One line per distinct error while an outage lasts (a pass every few seconds would flood the log).
  let lastError = '';

  const run = async () => {
    try {
      await reconcileQueue({ experiments, queue: app.queue, log, heartbeatTimeoutS, signal: stopping.signal });
      lastError = '';
    } catch (err) {
      const message = (err as Error).message;
      if (message !== lastError) log.warn({ err }, `queue reconciliation failed; trying again in ${intervalS} s`);
      lastError = message;
    }
  };
  const schedule = (ms: number) => {
    if (stopping.signal.aborted) return;
    timer = setTimeout(() => {
      pass = run().finally(() => {
        pass = undefined;
        schedule(intervalS * 1000);
      });
    }, ms);
    timer.unref(); // never what keeps the process alive
  };

  app.addHook('onReady', async () => {
    schedule(0); // at start: jobs lost while no API ran are back within moments
  });
  app.addHook('onClose', async () => {
    stopping.abort();
    clearTimeout(timer);
    if (pass) await withTimeout(pass, CLOSE_WAIT_MS).catch(() => undefined);
  });
}, { name: 'reconcile' });
