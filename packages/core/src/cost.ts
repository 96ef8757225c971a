// Cost model: parameter count and FLOPs from the spec alone (no tfjs), so the API can price a job before it
// runs. Two FLOPs figures: the study's formula, and a faithful count of what training computes.
import { DATASETS } from './datasets.ts';
import type { ExperimentSpec, ModelSpec } from './spec.ts';

/** Trainable parameters over a vocabulary of `V` tokens, embeddings included (as the study counts them). */
export function countParams(model: ModelSpec, V: number): number {
  const { contextLength: T, dModel: d } = model;
  const dense = (i: number, o: number) => i * o + o;
  switch (model.kind) {
    case 'linear':
      return V * d + dense(T * d, V);
    case 'mlp': {
      const h = model.hidden;
      return V * d + dense(T * d, h) + (model.hiddenLayers - 1) * dense(h, h) + dense(h, V);
    }
    case 'attention':
    case 'transformer': {
      const f = model.ffnHidden;
      const layers = model.kind === 'attention' ? 1 : model.layers;
      // q, k, v (packed or separate: same count), output projection, two LayerNorms, FFN.
      const block = dense(d, 3 * d) + dense(d, d) + 2 * (2 * d) + dense(d, f) + dense(f, d);
      const positions = model.positions === 'learned' ? T * d : 0;
      return V * d + positions + layers * block + 2 * d + dense(d, V);
    }
  }
}

/** Forward-pass FLOPs of one window (a multiply-add counts 2), from the matrix products that dominate. */
export function forwardFlopsPerWindow(spec: ExperimentSpec, V: number): number {
  const m = spec.model;
  const { contextLength: T, dModel: d } = m;
  switch (m.kind) {
    case 'linear':
      return 2 * T * d * V;
    case 'mlp':
      return 2 * (T * d * m.hidden + (m.hiddenLayers - 1) * m.hidden * m.hidden + m.hidden * V);
    case 'attention':
    case 'transformer': {
      const layers = m.kind === 'attention' ? 1 : m.layers;
      const keysValues = 2 * 2 * d * d;
      const queryOutputFfn = 2 * 2 * d * d + 2 * 2 * d * m.ffnHidden;
      const attention = 2 * 2 * T * d; // one query's QKᵀ and weights·V against all T keys (the mask does not skip work)
      const block = T * (keysValues + queryOutputFfn + attention);
      if (spec.training.objective === 'all-tokens') return layers * block + T * 2 * d * V;
      // last-token: the final block computes keys and values at every position, the rest at the last one only
      // (the worker's pruned last block, apps/worker/src/ml/models/transformer.ts).
      return (layers - 1) * block + T * keysValues + queryOutputFfn + attention + 2 * d * V;
    }
  }
}

/** The study's FLOPs formula: 2 · params · windows per epoch · T · epochs (every input position counts). */
/** Training FLOPs of one window: forward + backward, the backward pass costing ≈ 2× the forward. The one place this rule lives. */
export function trainFlopsPerWindow(spec: ExperimentSpec, V: number): number {
  return 3 * forwardFlopsPerWindow(spec, V);
}

export function studyFlops(params: number, spec: ExperimentSpec): number {
  const { windowsPerEpoch, epochs } = spec.training;
  return 2 * params * windowsPerEpoch * spec.model.contextLength * epochs;
}

export interface CostEstimate {
  vocabSize: number;
  params: number;
  /** The study's formula (forward only, embeddings counted as matmuls, no attention T² term). */
  flopsStudy: number;
  /** Training: forward + backward (≈ 2× forward) over every training window. */
  flopsTrain: number;
  /** Evaluation: one forward pass over the validation windows each epoch and the test windows once. */
  flopsEval: number;
}

export function estimateCost(spec: ExperimentSpec): CostEstimate {
  const vocabSize = DATASETS[spec.dataset].vocabSize;
  const params = countParams(spec.model, vocabSize);
  const fwd = forwardFlopsPerWindow(spec, vocabSize);
  const t = spec.training;
  return {
    vocabSize,
    params,
    flopsStudy: studyFlops(params, spec),
    flopsTrain: trainFlopsPerWindow(spec, vocabSize) * t.windowsPerEpoch * t.epochs,
    flopsEval: fwd * t.evalWindows * (t.epochs + 1),
  };
}

/**
 * Bytes of memory one training step holds at its peak: an upper-bound style estimate for refusing jobs that
 * cannot fit, calibrated against the wasm backend's heap (the backend every CPU worker runs; its heap never
 * shrinks and stops at 4 GiB). Three parts:
 * - parameters × 4 bytes × 4: weights, their gradients, and Adam's two moment estimates (m and v);
 * - activations kept for the backward pass, per token and layer: ACTIVATION_FLOATS × dModel floats, plus for
 *   attention ATTENTION_FLOATS × heads × T (the T×T scores, weights, dropout mask and their gradients).
 *   Measured 2026-12-01 on wasm with slmlab's kernels (heap after three steps, batch 64): 46–61 floats per
 *   token, layer and dModel for post-LN blocks, ~70 for pre-LN with RoPE (its rotations and the second
 *   dropout); the T×T term ~2.7 per head and key position. Linear, MLP and single-block models count as one
 *   layer, the first two without the T×T term;
 * - logits: batch × T' × V × 4 bytes × 3 (logits, softmax, their gradient), T' = T for the all-tokens
 *   objective, else 1.
 */
export const ACTIVATION_FLOATS = 72;
export const ATTENTION_FLOATS = 4;

/** The wasm backend's heap stops here (32-bit WebAssembly memory). */
export const WASM_HEAP_BYTES = 4 * 1024 ** 3;
/** What the API admits by default (SLMLAB_MAX_EST_MEMORY_BYTES): what a wasm worker can train, with room. */
export const DEFAULT_MAX_TRAINING_MEMORY_BYTES = 3.5 * 1024 ** 3;

export function estimateMemoryBytes(spec: ExperimentSpec): number {
  const m = spec.model;
  const V = DATASETS[spec.dataset].vocabSize;
  const B = spec.training.batchSize;
  const T = m.contextLength;
  const layers = m.kind === 'transformer' ? m.layers : 1;
  const state = countParams(m, V) * 4 * 4;
  const attention = m.kind === 'transformer' || m.kind === 'attention' ? ATTENTION_FLOATS * m.heads * T : 0;
  const activations = B * T * layers * (ACTIVATION_FLOATS * m.dModel + attention) * 4;
  const headPositions = spec.training.objective === 'all-tokens' ? T : 1;
  const logits = B * headPositions * V * 4 * 3;
  return state + activations + logits;
}
