// Worker process: picks the TensorFlow.js backend, then trains experiments from the BullMQ queue.
// Scale by running more processes (one per GPU; on CPU, see docs/operations.md). SIGTERM stops taking jobs,
// stops running ones at their next step (they checkpoint and go back to the queue), and exits 128+signal if
// that takes longer than WORKER_SHUTDOWN_GRACE_S.
import { Worker } from 'bullmq';
import pino from 'pino';
import { ConfigError, EXPERIMENT_QUEUE, onShutdownSignals, redisOptions, withRetries } from '@slmlab/core';
import { checkpointsRepo, createDb, experimentsRepo } from '@slmlab/db';
import { subscribeCancels } from './cancels.ts';
import { loadWorkerConfig, type WorkerConfig } from './config.ts';
import { SHUTDOWN_REASON, trainExperimentProcessor } from './jobs/train-experiment.ts';
import { initBackend } from './ml/backend.ts';
import { loadCorpus } from './ml/data/index.ts';
import { resolveSandbox, trainerFor } from './sandbox/trainer.ts';
import { measurePeakGflops, peakMatrixSize } from './ml/peak.ts';
import { workerMetrics } from './services/metrics.ts';
import { startRegistry, type WorkerRegistry } from './services/registry.ts';

async function main() {
  const config = loadConfigOrExit();
  const log = pino({ level: config.LOG_LEVEL, base: { service: 'worker', workerId: config.WORKER_ID } });
  // A stray rejection (e.g. a progress update that lost its Redis connection) must not kill training.
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));
  // Signal handlers first: a SIGTERM during start-up (loading tfjs takes seconds) must also stop cleanly,
  // closing whatever exists by then: the worker first (it waits for its running job), the database last.
  const open: { worker?: Worker; cancels?: { close(): Promise<unknown> }; registry?: WorkerRegistry; db?: ReturnType<typeof createDb> } = {};
  // Aborted by the first signal. A stopping worker takes no job, ever: the queue is only polled once start-up is
  // over and no signal came, and a job it was handed anyway (a fetch in flight when the signal came) goes back.
  const stopping = new AbortController();
  onShutdownSignals({
    graceMs: config.WORKER_SHUTDOWN_GRACE_S * 1000,
    log,
    messages: {
      stopping: 'stopping: no new jobs; running ones checkpoint and go back to the queue',
      overdue: 'running jobs did not finish in time; exiting (BullMQ will retry them)',
    },
    close: async () => {
      stopping.abort(SHUTDOWN_REASON);
      open.registry?.stopping();
      // Running jobs stop at their next step, checkpoint and go back to the queue (services/run-experiment.ts).
      open.worker?.cancelAllJobs(SHUTDOWN_REASON);
      await open.worker?.close();
      await open.cancels?.close();
      await open.registry?.close(); // after the jobs: the entry shows 'stopping' while they checkpoint
      await open.db?.$disconnect();
    },
  });
  log.info({ backend: config.SLMLAB_BACKEND, queue: EXPERIMENT_QUEUE, prefix: config.SLMLAB_QUEUE_PREFIX }, 'worker starting');
  const backendOptions = { webgpuAdapter: config.SLMLAB_WEBGPU_ADAPTER, wasmFma: config.SLMLAB_WASM_FMA };
  const backend = await initBackend(config.SLMLAB_BACKEND, backendOptions);
  if (config.SLMLAB_REQUIRE_GPU && !backend.gpu) {
    log.fatal({ backend: backend.name, device: backend.device, skipped: backend.skipped }, 'SLMLAB_REQUIRE_GPU is set but no GPU is in use');
    console.error(`[slmlab worker] SLMLAB_REQUIRE_GPU=true but the backend runs on ${backend.device}; refusing to start`);
    process.exit(1);
  }
  const peakGflops = await measurePeakGflops({ n: peakMatrixSize(backend) });
  const sandbox = resolveSandbox(config.SLMLAB_SANDBOX, backend.name);
  log.info(
    { backend: backend.name, device: backend.device, gpu: backend.gpu, adapter: backend.adapter, threads: backend.threads, peakGflops: round1(peakGflops), sandbox, skipped: backend.skipped },
    'tfjs backend ready',
  );
  if (stopping.signal.aborted) return; // a signal during start-up: never register a worker that is going away
  const metrics = workerMetrics({ worker: config.WORKER_ID, backend: backend.name });
  const registry = (open.registry = startRegistry(
    { id: config.WORKER_ID, backend: backend.name, device: backend.device, threads: backend.threads, peakGflops: round1(peakGflops) },
    { redisUrl: config.REDIS_URL, prefix: config.SLMLAB_QUEUE_PREFIX, refreshMs: config.WORKER_REGISTRY_REFRESH_S * 1000, log, metrics },
  ));

  const db = (open.db = createDb(config.DATABASE_URL));
  const processor = trainExperimentProcessor({
    // A brief PostgreSQL outage must not cost a finished epoch or result: every write retries with backoff
    // (7 tries over ~30 s) before the job fails and BullMQ retries it.
    experiments: withRetries(experimentsRepo(db), { onRetry: dbRetryLog(log, metrics) }),
    checkpoints: withRetries(checkpointsRepo(db), { onRetry: dbRetryLog(log, metrics) }),
    backend,
    peakGflops,
    workerId: config.WORKER_ID,
    data: { dataDir: config.SLMLAB_DATA_DIR, allowDownload: config.SLMLAB_ALLOW_DOWNLOAD },
    trainer: trainerFor(sandbox, backend.name, backendOptions, loadCorpus),
    heartbeatTimeoutS: config.SLMLAB_HEARTBEAT_TIMEOUT_S,
    checkpointEvery: { steps: config.SLMLAB_CHECKPOINT_EVERY_STEPS, seconds: config.SLMLAB_CHECKPOINT_EVERY_SECONDS },
    progressEveryMs: config.SLMLAB_PROGRESS_EVERY_MS,
    stopping: stopping.signal,
    activity: registry,
    metrics,
    log,
  });
  if (stopping.signal.aborted) return; // a signal during start-up: nothing to poll
  const worker = new Worker(EXPERIMENT_QUEUE, processor, {
    autorun: false, // polled from run() below, once everything it needs is open
    connection: redisOptions(config.REDIS_URL),
    prefix: config.SLMLAB_QUEUE_PREFIX,
    concurrency: config.WORKER_CONCURRENCY,
    lockDuration: config.WORKER_LOCK_MS,
    // How often this worker looks for jobs whose worker died (lock expired) and puts them back in the queue.
    stalledInterval: config.WORKER_LOCK_MS,
  });
  worker.on('error', (err) => {
    metrics.redisError();
    log.error({ err }, 'worker error');
  });
  open.worker = worker;
  // A cancel for a job this worker runs fires the processor's AbortSignal; for any other job it is a no-op.
  const cancels = await subscribeCancels(config.REDIS_URL, config.SLMLAB_QUEUE_PREFIX, (id) => {
    if (worker.cancelJob(id, 'cancelled on request')) log.info({ experimentId: id }, 'cancel requested: aborting the job');
  }, log);
  open.cancels = cancels;
  await worker.waitUntilReady();
  if (stopping.signal.aborted) return;
  worker.run().catch((err: unknown) => log.error({ err }, 'the worker stopped polling'));
  log.info({ queue: EXPERIMENT_QUEUE, concurrency: config.WORKER_CONCURRENCY }, 'waiting for jobs');
}

function loadConfigOrExit(): WorkerConfig {
  try {
    return loadWorkerConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`[slmlab worker] ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
}

function dbRetryLog(log: pino.Logger, metrics: { databaseError(): void }) {
  return (err: unknown, attempt: number, delayMs: number) => {
    metrics.databaseError();
    log.warn({ err, attempt, delayMs }, 'database unreachable; retrying the write');
  };
}

function round1(x: number) {
  return Math.round(x * 10) / 10;
}

main().catch((err) => {
  console.error('[slmlab worker] failed to start:', err);
  process.exit(1);
});
