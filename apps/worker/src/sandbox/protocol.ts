// Messages between a worker process and the thread that trains one job (thread.ts, in-thread.ts).
import type { BackendChoice } from '../ml/backend.ts';
import type { EpochMetrics } from '@slmlab/core';
import type { CheckpointAt, Progress } from '../ml/train.ts';
import type { ResumeInfo, TrainInput, TrainOutput } from './run-training.ts';

export interface StartMessage {
  input: TrainInput;
  /** The backend the worker process runs: the thread uses the same one. */
  backend: BackendChoice;
}

/** Thread → process. `epoch` and `checkpoint` wait for an `ack` with their id. */
export type ThreadMessage =
  | { type: 'epoch'; id: number; metrics: EpochMetrics }
  | { type: 'checkpoint'; id: number; bytes: Uint8Array; at: CheckpointAt }
  | { type: 'progress'; progress: Progress }
  | { type: 'resumed'; info: ResumeInfo }
  | { type: 'done'; output: TrainOutput }
  | { type: 'error'; name: string; message: string; stack?: string };

/** Process → thread. */
export type ProcessMessage = { type: 'ack'; id: number; error?: string } | { type: 'stop'; reason: string };
