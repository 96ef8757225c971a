// Cost model: parameter count and FLOPs from the spec alone (no tfjs), so the API can price a job before it runs.
import { DATASETS } from './datasets.ts';
import type { ExperimentSpec, ModelSpec } from './spec.ts';

/** Trainable parameters of a model over a vocabulary of `vocabSize` tokens (embeddings included, as the study counts). */
export function countParams(model: ModelSpec, vocabSize: number): number {
  switch (model.kind) {
    case 'linear': {
      const { contextLength: T, dModel: d } = model;
      const embedding = vocabSize * d;
      const head = T * d * vocabSize + vocabSize; // Linear(T·d, V) with bias
      return embedding + head;
    }
    default:
      return assertNever(model.kind);
  }
}

/** The study's FLOPs formula: 2 · params · windows per epoch · T · epochs (every input position counts). */
export function studyFlops(params: number, spec: ExperimentSpec): number {
  const { windowsPerEpoch, epochs } = spec.training;
  return 2 * params * windowsPerEpoch * spec.model.contextLength * epochs;
}

export interface CostEstimate {
  vocabSize: number;
  params: number;
  flopsStudy: number;
}

export function estimateCost(spec: ExperimentSpec): CostEstimate {
  const vocabSize = DATASETS[spec.dataset].vocabSize;
  const params = countParams(spec.model, vocabSize);
  return { vocabSize, params, flopsStudy: studyFlops(params, spec) };
}

function assertNever(kind: never): never {
  throw new Error(`unknown model kind: ${String(kind)}`);
}
