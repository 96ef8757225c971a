// This worker's entry in the worker registry (packages/core workers.ts), which the API's "queue and workers" view
// reads: who is alive, on which backend and device, training what. The entry is rewritten every `refreshMs` with
// a TTL of TTL_INTERVALS refreshes (a killed worker's entry expires on its own), at once when a job starts or ends
// and when the worker begins to stop, and deleted on a clean shutdown. The registry only informs: a Redis outage
// is logged as a warning and never fails a job or the worker.
import os from 'node:os';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { redisOptions, workerKey, workerMetricsKey, type WorkerEntry } from '@slmlab/core';

/** Refreshes an entry outlives: one late or lost write must not make a live worker vanish. */
export const TTL_INTERVALS = 3;

/** What the worker knows of itself once its backend is up. */
export type WorkerFacts = Pick<WorkerEntry, 'id' | 'backend' | 'device' | 'threads' | 'peakGflops'>;

export interface RegistryOptions {
  redisUrl: string;
  /** SLMLAB_QUEUE_PREFIX: the deployment the entry belongs to. */
  prefix: string;
  refreshMs: number;
  log: Logger;
  /** This worker's metrics (services/metrics.ts): their snapshot is written with each entry, under workerMetricsKey. */
  metrics?: { snapshot(): Promise<string>; redisError(): void };
}

/** What a run tells the registry (services/run-experiment.ts): the experiments this worker trains. */
export interface WorkerActivity {
  started(experimentId: string): void;
  ended(experimentId: string): void;
}

export interface WorkerRegistry extends WorkerActivity {
  /** The worker has begun to stop: it takes no new job, running ones checkpoint and go back to the queue. */
  stopping(): void;
  /** Clean shutdown: no more writes, the entry deleted, the connection closed. */
  close(): Promise<void>;
}

export function startRegistry(facts: WorkerFacts, opts: RegistryOptions): WorkerRegistry {
  const key = workerKey(opts.prefix, facts.id);
  const metricsKey = workerMetricsKey(opts.prefix, facts.id);
  const ttlMs = Math.round(opts.refreshMs * TTL_INTERVALS);
  const base = { ...facts, host: os.hostname(), pid: process.pid, startedAt: new Date().toISOString() };
  const jobs = new Map<string, string>(); // experiment id → since; insertion order is start order
  let stopping = false;
  let closed = false;
  const warn = onceEach(opts.log);
  // A connection of its own, offline queue off: writes are skipped while Redis is away (the connection's errors
  // are logged) rather than queued up behind the outage, and the 'ready' handler writes the current entry as
  // soon as it is back, so an entry lost with a restarted Redis reappears without waiting for the next refresh.
  const client = new Redis({ ...redisOptions(opts.redisUrl), enableOfflineQueue: false, commandTimeout: Math.max(1000, opts.refreshMs) });
  client.on('error', (err) => {
    opts.metrics?.redisError();
    warn(err, 'worker registry: redis error (reconnecting)');
  });

  const entry = (): WorkerEntry => {
    const [first] = jobs;
    return {
      ...base,
      seenAt: new Date().toISOString(),
      state: stopping ? 'stopping' : jobs.size > 0 ? 'busy' : 'idle',
      currentJob: first ? { experimentId: first[0], since: first[1] } : null,
    };
  };
  const write = () => {
    if (closed || client.status !== 'ready') return; // not connected: the 'ready' handler writes once it is
    client.set(key, JSON.stringify(entry()), 'PX', ttlMs).then(warn.clear, (err: unknown) => warn(err, 'worker registry: could not write this worker\'s entry'));
    void opts.metrics
      ?.snapshot()
      .then((json) => (closed ? undefined : client.set(metricsKey, json, 'PX', ttlMs)))
      .catch((err: unknown) => warn(err, 'worker registry: could not write this worker\'s metrics'));
  };
  client.on('ready', write);
  const timer = setInterval(write, opts.refreshMs).unref();

  return {
    started(experimentId) {
      jobs.set(experimentId, new Date().toISOString());
      write();
    },
    ended(experimentId) {
      jobs.delete(experimentId);
      write();
    },
    stopping() {
      stopping = true;
      write();
    },
    async close() {
      closed = true; // before the DEL: a job that ends meanwhile must not write the entry back
      clearInterval(timer);
      if (client.status !== 'ready') return client.disconnect(); // the entry expires on its own
      // Commands on one connection run in order: a write issued before this DEL cannot bring the key back.
      await client.del(key, metricsKey).catch((err: unknown) => warn(err, 'worker registry: could not delete this worker\'s entry (it expires on its own)'));
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/** One warning per distinct message while a problem lasts (a refresh every few seconds would flood the log). */
function onceEach(log: Logger) {
  let last = '';
  const warn = (err: unknown, msg: string) => {
    const text = `${msg}: ${(err as Error)?.message ?? String(err)}`;
    if (text !== last) log.warn({ err }, msg);
    last = text;
  };
  return Object.assign(warn, { clear: () => void (last = '') });
}
