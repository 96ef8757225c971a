// The wasm backend's heap stops at 4 GiB and never shrinks; a step that needs more aborts the backend itself
// ("Aborted()"), which a retry only repeats. So a run whose estimated memory (the cost model's, calibrated on
// this backend: packages/core cost.ts) is over the heap is refused before its model is built, with the numbers.
// The API refuses such specs at submission already (SLMLAB_MAX_EST_MEMORY_BYTES, 3.5 GiB by default); this
// guards deployments that raised that limit for their GPU workers, and the CLI.
import { LimitExceededError, WASM_HEAP_BYTES, estimateMemoryBytes, type ExperimentSpec } from '@slmlab/core';
import { tf } from './tf.ts';

const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(2)} GiB`;

/** Throws LimitExceededError (not retried) when `spec` cannot fit the current backend's memory. */
export function checkMemoryFits(spec: ExperimentSpec): void {
  if (tf.getBackend() !== 'wasm') return;
  const estimate = estimateMemoryBytes(spec);
  if (estimate <= WASM_HEAP_BYTES) return;
  const message =
    `estimated training memory ${gib(estimate)} is more than the wasm backend's heap can hold (${gib(WASM_HEAP_BYTES)}): ` +
    'train it on a GPU worker, or make it smaller (training.batchSize, model.contextLength, model.dModel, model.layers)';
  throw new LimitExceededError([{ path: '', message }], { memoryBytes: { estimate, limit: WASM_HEAP_BYTES } });
}
