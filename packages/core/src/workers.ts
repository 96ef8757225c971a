// The worker registry: each worker process keeps one Redis key describing itself (backend, device, what it
// trains), rewritten every few seconds with a TTL of a few of those intervals, so that a killed worker's entry
// expires on its own. Workers write it (apps/worker/src/services/registry.ts); the API reads it (GET /v1/workers,
// GET /v1/queue). The key and the entry's shape live here so that both sides agree on them.
import Type, { type Static } from 'typebox';

export const WORKER_STATES = ['idle', 'busy', 'stopping'] as const;
export type WorkerState = (typeof WORKER_STATES)[number];

const Timestamp = Type.String({ format: 'date-time' });

/** What a worker writes under workerKey(): JSON of this shape. The API checks what it reads against it. */
export const WorkerEntry = Type.Object({
  id: Type.String({ minLength: 1, description: 'WORKER_ID: the id the worker claims experiments with' }),
  host: Type.String({ description: 'os.hostname() of the worker process' }),
  pid: Type.Integer({ minimum: 1 }),
  backend: Type.String({ description: 'the TensorFlow.js backend it trains with, e.g. wasm, webgpu' }),
  device: Type.String({ description: 'where the backend computes, in words, e.g. "cpu (wasm, simd, 1 thread)"' }),
  threads: Type.Integer({ minimum: 1 }),
  peakGflops: Type.Union([Type.Number(), Type.Null()], { description: "its large-matmul GFLOP/s, measured at start: the yardstick for MFU" }),
  startedAt: Timestamp,
  seenAt: Type.String({ format: 'date-time', description: 'when the worker last wrote its entry' }),
  state: Type.Enum(WORKER_STATES, { description: 'stopping: takes no new job; a running one checkpoints and goes back to the queue' }),
  currentJob: Type.Union([
    Type.Object({ experimentId: Type.String({ format: 'uuid' }), since: Timestamp }),
    Type.Null(),
  ], { description: 'the experiment it trains (the longest-running one), null when idle' }),
});
export type WorkerEntry = Static<typeof WorkerEntry>;

/** The registry key of one worker. BullMQ's keys are `<prefix>:<queue>:…`; no queue is named `worker`. */
export function workerKey(prefix: string, workerId: string): string {
  return `${prefix}:worker:${workerId}`;
}

/** The SCAN MATCH pattern of every worker key under `prefix` (glob characters in the prefix taken literally). */
export function workerKeyPattern(prefix: string): string {
  return `${prefix.replace(/[*?[\]\\]/g, '\\$&')}:worker:*`;
}

/**
 * Where a worker keeps its Prometheus metrics (prom-client's JSON of its registry), beside its entry and with the
 * same TTL; the API's /metrics exposes them. `worker-metrics`, not `worker`: workerKeyPattern must not match it.
 */
export function workerMetricsKey(prefix: string, workerId: string): string {
  return `${prefix}:worker-metrics:${workerId}`;
}

export function workerMetricsKeyPattern(prefix: string): string {
  return `${prefix.replace(/[*?[\]\\]/g, '\\$&')}:worker-metrics:*`;
}
