// The ML half of a training job, the same whether it runs in a worker thread (the default) or in the worker's
// own thread: resume from saved bytes if they fit the spec, train with checkpoints, and hand back the result
// and the best weights as bytes. Everything that touches the queue or the database stays with the caller,
// behind `TrainEvents`.
import type { EpochMetrics, ExperimentSpec } from '@slmlab/core';
import { encodeCheckpoint } from '../ml/checkpoint.ts';
import type { Corpus, DataLocation } from '../ml/data/index.ts';
import { train, type CheckpointAt, type Progress, type TrainResult } from '../ml/train.ts';
import { decodeTrainState, type TrainState } from '../ml/train-state.ts';

export interface TrainInput {
  experimentId: string;
  spec: ExperimentSpec;
  data: DataLocation;
  /** The experiment's latest training-state checkpoint, if it has one. */
  resume?: Uint8Array;
  checkpointEvery: { steps: number; seconds: number };
  /** Training progress at most this often (SLMLAB_PROGRESS_EVERY_MS; train()'s default when absent). */
  progressEveryMs?: number;
}

export type ResumeInfo = { step: number; epochsDone: number } | { refused: string };

export interface TrainEvents {
  /** An epoch ended; training waits for this (the row records it, and a cancel request is seen here). */
  epoch(m: EpochMetrics): Promise<void>;
  progress(p: Progress): void;
  /** A training state to store; training waits for it. */
  checkpoint(bytes: Uint8Array, at: CheckpointAt): Promise<void>;
  resumed(info: ResumeInfo): void;
}

export interface TrainOutput {
  result: TrainResult;
  vocabSize: number;
  /** The best-validation weights, format slmlab-weights-v1. */
  best: Uint8Array;
  /** A sandbox's own backend, as it started it (in-process training uses the worker's). */
  ranOn?: { name: string; device: string };
}

export async function runTraining(
  input: TrainInput,
  events: TrainEvents,
  signal: AbortSignal,
  loadCorpus: (dataset: ExperimentSpec['dataset'], where: DataLocation) => Promise<Corpus>,
): Promise<TrainOutput> {
  const { spec, experimentId } = input;
  const corpus = await loadCorpus(spec.dataset, input.data);
  const { result, model } = await train(spec, corpus, {
    signal,
    resume: resumable(input, events),
    onEpoch: (m) => events.epoch(m),
    onProgress: (p) => events.progress(p),
    progressEveryMs: input.progressEveryMs,
    checkpoint: {
      everySteps: input.checkpointEvery.steps,
      everySeconds: input.checkpointEvery.seconds,
      extra: { experimentId, vocab: corpus.vocab },
      save: (bytes, at) => events.checkpoint(bytes, at),
    },
  });
  try {
    const best = await encodeCheckpoint(model.params, { experimentId, spec, vocab: corpus.vocab, bestEpoch: result.bestEpoch });
    return { result, vocabSize: corpus.vocab.length, best };
  } finally {
    model.params.dispose();
  }
}

/** The saved state when it belongs to this spec; else a fresh start (and the caller hears why). */
function resumable(input: TrainInput, events: TrainEvents): TrainState | undefined {
  if (!input.resume) return undefined;
  try {
    const state = decodeTrainState(input.resume, input.spec);
    events.resumed({ step: state.meta.counters.step, epochsDone: state.meta.epochs.length });
    return state;
  } catch (err) {
    events.resumed({ refused: err instanceof Error ? err.message : String(err) });
    return undefined;
  }
}
