// This worker's Prometheus metrics (prom-client), in a registry of its own with `worker` and `backend` labels on
// every series. The worker serves no port: the registry (services/registry.ts) writes a JSON snapshot of them to
// Redis beside its entry, and the API's /metrics exposes every live worker's series with its own (one scrape
// target however many workers, on whatever host, with no port to open on a GPU box; docs/operations.md).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** How a claimed run ended (services/run-experiment.ts's RunOutcome, as far as metrics need it). */
export type EndedRun = { kind: 'failed'; error: unknown; retryable: boolean } | { kind: string };

/** Runs last seconds (a tiny test) to a day (Table C on one core): buckets to tell them apart. */
const DURATION_BUCKETS = [1, 10, 60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400];

/** What a run tells the metrics (services/run-experiment.ts). */
export interface RunObserver {
  started(): void;
  progress(tokensPerSec: number, gflops: number): void;
  ended(outcome: EndedRun, seconds: number): void;
}

export interface WorkerMetrics extends RunObserver {
  registry: Registry;
  databaseError(): void;
  redisError(): void;
  /** prom-client's JSON form of every series: what the registry writes to Redis. */
  snapshot(): Promise<string>;
}

export function workerMetrics(labels: { worker: string; backend: string }): WorkerMetrics {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  // Prefixed: the API exposes these beside its own process metrics, and a name may carry one meaning per scrape.
  collectDefaultMetrics({ register: registry, prefix: 'slmlab_worker_' });
  const registers = [registry];
  const started = new Counter({ name: 'slmlab_worker_jobs_started_total', help: 'Experiments this worker claimed and began to train.', registers });
  const finished = new Counter({
    name: 'slmlab_worker_jobs_finished_total',
    help: 'Experiments that stopped training on this worker, by outcome (succeeded, failed, cancelled, stopped: checkpointed and queued again at shutdown).',
    labelNames: ['outcome'],
    registers,
  });
  const failed = new Counter({
    name: 'slmlab_worker_jobs_failed_total',
    help: 'Failed training runs by reason (the error class) and whether the queue retries them.',
    labelNames: ['reason', 'retried'],
    registers,
  });
  const duration = new Histogram({
    name: 'slmlab_worker_experiment_duration_seconds',
    help: 'Wall time of a training run on this worker, from claim to its end, by outcome.',
    labelNames: ['outcome'],
    buckets: DURATION_BUCKETS,
    registers,
  });
  const running = new Gauge({ name: 'slmlab_worker_jobs_running', help: 'Experiments this worker trains now.', registers });
  const tokens = new Gauge({ name: 'slmlab_worker_training_tokens_per_second', help: 'Training tokens per second of the runs in progress (0 when idle).', registers });
  const gflops = new Gauge({ name: 'slmlab_worker_training_gflops', help: 'Training GFLOP/s (the cost model\'s FLOPs) of the runs in progress (0 when idle).', registers });
  const dbErrors = new Counter({ name: 'slmlab_worker_database_errors_total', help: 'PostgreSQL writes that failed and were retried.', registers });
  const redisErrors = new Counter({ name: 'slmlab_worker_redis_errors_total', help: 'Errors on this worker\'s Redis connections.', registers });
  let active = 0;

  return {
    registry,
    started() {
      started.inc();
      running.set(++active);
    },
    progress(tps, gf) {
      tokens.set(tps);
      gflops.set(gf);
    },
    ended(outcome, seconds) {
      const name = outcomeLabel(outcome);
      finished.inc({ outcome: name });
      duration.observe({ outcome: name }, seconds);
      if ('error' in outcome) failed.inc({ reason: errorClass(outcome.error), retried: String(outcome.retryable) });
      running.set((active = Math.max(0, active - 1)));
      if (active === 0) {
        tokens.set(0);
        gflops.set(0);
      }
    },
    databaseError: () => dbErrors.inc(),
    redisError: () => redisErrors.inc(),
    snapshot: async () => JSON.stringify(await registry.getMetricsAsJSON()),
  };
}

/** The claimed runs' outcomes; running-elsewhere and not-runnable are never claimed, so never counted. */
function outcomeLabel(outcome: EndedRun): string {
  return outcome.kind === 'succeeded' || outcome.kind === 'failed' || outcome.kind === 'cancelled' || outcome.kind === 'stopped' ? outcome.kind : 'other';
}

/** A bounded label: the error's class name (never its message, which holds ids and numbers). */
function errorClass(err: unknown): string {
  const name = err instanceof Error ? err.constructor.name || err.name : typeof err;
  return /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name) ? name : 'Error';
}
