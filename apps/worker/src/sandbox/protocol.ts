// Messages between a worker process and the sandbox (a worker thread or a child process) that trains one job.
import type { BackendChoice, BackendOptions } from '../ml/backend.ts';
import type { EpochMetrics } from '@slmlab/core';
import type { CheckpointAt, Progress } from '../ml/train.ts';
import type { ResumeInfo, TrainInput, TrainOutput } from './run-training.ts';

export interface StartMessage {
  input: TrainInput;
  /** The backend the worker process chose: the sandbox starts the same one. */
  backend: BackendChoice;
  backendOptions: BackendOptions;
}

/** Sandbox → process. `epoch` and `checkpoint` wait for an `ack` with their id. */
export type SandboxMessage =
  | { type: 'epoch'; id: number; metrics: EpochMetrics }
  | { type: 'checkpoint'; id: number; bytes: Uint8Array; at: CheckpointAt }
  | { type: 'progress'; progress: Progress }
  | { type: 'resumed'; info: ResumeInfo }
  | { type: 'done'; output: TrainOutput }
  | { type: 'error'; name: string; message: string; retryable: boolean; stack?: string };

/** Process → sandbox. A child process gets its `start` as the first message (a thread gets it as workerData). */
export type ProcessMessage =
  | { type: 'ack'; id: number; error?: string }
  | { type: 'stop'; reason: string }
  | { type: 'start'; start: StartMessage };
