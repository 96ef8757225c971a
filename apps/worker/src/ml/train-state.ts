// A training run's whole state as one checkpoint (format slmlab-state-v1, docs/checkpoints.md): current and
// best-validation weights, Adam's moments and accumulators, where the run is (epoch, batch within it, the
// epoch's loss so far), the counters behind throughput and budgets, the curve so far, and both RNG states.
// Restoring all of it makes the resumed run take exactly the steps the uninterrupted one would.
import { specHash, type EpochMetrics, type ExperimentSpec } from '@slmlab/core';
import type { AdamScalars } from './adam-state.ts';
import { decodeCheckpoint, encodeTensors, STATE_FORMAT, type SavedTensor } from './checkpoint.ts';
import type { tf } from './tf.ts';

/** Where training stands: `batchInEpoch` batches of epoch `epoch` are done (epoch > epochs: training is over). */
export interface TrainPosition {
  epoch: number;
  batchInEpoch: number;
  /** Sum of this epoch's batch losses so far (its mean is the epoch's train NLL). */
  lossSum: number;
}

export interface TrainCounters {
  step: number;
  tokens: number;
  trainSeconds: number;
  wallSeconds: number;
}

export interface TrainStateMeta {
  specHash: string;
  spec: ExperimentSpec;
  position: TrainPosition;
  counters: TrainCounters;
  epochs: EpochMetrics[];
  best: { valNll: number; epoch: number } | null;
  rng: { sampler: number[]; dropout: number[] };
  adam: AdamScalars;
  /** The caller's own fields (experiment id, vocabulary, …). */
  extra: Record<string, unknown>;
}

export interface TrainState {
  meta: TrainStateMeta;
  /** `model/<param>`, `best/<param>`, `adam/m/<param>`, `adam/v/<param>`. */
  tensors: Map<string, SavedTensor>;
}

export function encodeTrainState(meta: TrainStateMeta, tensors: Iterable<[string, tf.Tensor]>): Promise<Uint8Array> {
  return encodeTensors(STATE_FORMAT, meta as unknown as Record<string, unknown>, tensors);
}

/** A checkpoint that cannot resume this spec's training (wrong format, another spec). */
export class ResumeError extends Error {
  override name = 'ResumeError';
}

export function decodeTrainState(bytes: Uint8Array, spec: ExperimentSpec): TrainState {
  const ckpt = decodeCheckpoint(bytes);
  if (ckpt.header.format !== STATE_FORMAT) throw new ResumeError(`checkpoint format ${ckpt.header.format} holds no training state`);
  const meta = ckpt.header.meta as unknown as TrainStateMeta;
  if (meta.specHash !== specHash(spec)) throw new ResumeError('checkpoint was written for another spec');
  return { meta, tensors: ckpt.values };
}
