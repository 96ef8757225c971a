// Worker settings, parsed once at start (see the settings table in docs/operations.md).
import os from 'node:os';
import path from 'node:path';
import Type, { type Static } from 'typebox';
import { CommonEnv, parseEnv } from '@slmlab/core';
import { BACKEND_CHOICES } from './ml/backend.ts';
import { SANDBOX_CHOICES } from './sandbox/trainer.ts';

export const WorkerEnv = Type.Object({
  ...CommonEnv,
  /** Jobs one process trains at once. TensorFlow.js runs one op at a time per process: scale with processes. */
  WORKER_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 64, default: 1 }),
  WORKER_ID: Type.String({ minLength: 1, default: `${os.hostname()}-${process.pid}` }),
  SLMLAB_BACKEND: Type.Enum([...BACKEND_CHOICES], { default: 'auto' }),
  /** webgpu: the first adapter whose device name contains this (a box with different GPUs; docs/gpu.md). */
  SLMLAB_WEBGPU_ADAPTER: Type.Optional(Type.String({ minLength: 1 })),
  /**
   * wasm: slmlab's matrix products use relaxed SIMD's fused multiply-add (~1.3× faster products; on by default
   * in Node 22+, turned on at run time in Node 20). Results then round once per multiply-add, so they differ in
   * the last bits from a worker with it off or a CPU without FMA: set false to match such runs bit for bit.
   */
  SLMLAB_WASM_FMA: Type.Boolean({ default: true }),
  /** Refuse to start unless kernels really run on a GPU (not libtensorflow's CPU fallback, not SwiftShader). */
  SLMLAB_REQUIRE_GPU: Type.Boolean({ default: false }),
  SLMLAB_DATA_DIR: Type.String({ minLength: 1, default: path.join(os.homedir(), '.cache', 'slmlab', 'data') }),
  SLMLAB_ALLOW_DOWNLOAD: Type.Boolean({ default: true }),
  /** How long a job's lock lives without renewal; a dead worker's job is picked up again after about this long. */
  WORKER_LOCK_MS: Type.Integer({ minimum: 1000, maximum: 600_000, default: 30_000 }),
  /**
   * Where a job trains: `thread`, a worker thread per job, or `process`, a child process per job (either way
   * the queue lock is renewed whatever a step costs, and the job's memory goes when it ends); `none`, the
   * process's own thread. `auto`: a process for native and GPU backends, a thread for wasm and cpu.
   */
  SLMLAB_SANDBOX: Type.Enum([...SANDBOX_CHOICES], { default: 'auto' }),
  /** A running job reports its progress (loss, tokens/s, ETA: the API's event streams) at most this often; 0: every step. */
  SLMLAB_PROGRESS_EVERY_MS: Type.Integer({ minimum: 0, maximum: 600_000, default: 1000 }),
  /** Checkpoint the whole training state every N steps (0: off); epoch ends always checkpoint. */
  SLMLAB_CHECKPOINT_EVERY_STEPS: Type.Integer({ minimum: 0, default: 0 }),
  /** …and at least every this many seconds of training (0: off). A crash loses at most this much work. */
  SLMLAB_CHECKPOINT_EVERY_SECONDS: Type.Number({ minimum: 0, default: 300 }),
  /**
   * Seconds SIGTERM waits for running jobs before the process exits anyway. A running job checkpoints at its
   * next step and goes back to the queue, so this only bounds a step that is stuck.
   */
  WORKER_SHUTDOWN_GRACE_S: Type.Integer({ minimum: 1, maximum: 3600, default: 60 }),
  /**
   * Seconds between rewrites of this worker's registry entry (GET /v1/workers). The entry lives three of these,
   * so a killed worker leaves the list within about 3× this.
   */
  WORKER_REGISTRY_REFRESH_S: Type.Number({ minimum: 0.1, maximum: 300, default: 5 }),
});

export type WorkerConfig = Static<typeof WorkerEnv>;

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  return parseEnv(WorkerEnv, env);
}
