// How long a run will take before it starts: the cost model's FLOPs (training + evaluation, cost.ts) over the
// rate a model kind was measured to reach on one CPU worker. An estimate, and labelled one wherever it is shown
// (bin/slmlab, the demo, the API's answers): the rates are from the project's 2-core machines and move with
// whatever else runs there.
import { estimateCost } from './cost.ts';
import type { ExperimentSpec, ModelKind } from './spec.ts';

/**
 * GFLOP/s of the cost model's FLOPs (flopsTrain + flopsEval over the run's wall time) on the wasm backend with
 * slmlab's kernels, one thread: the low and high ends of what was measured on the project's 2-core machine.
 * - `bin/slmlab train`, 2026-12-01, load average 2.5–3.7 from other test runs: linear 7.7 (table-b/linear-t128)
 *   and 8.7 (linear-t32); mlp 9.7 (mlp-h128) and 10.1 (table-a/mlp, 1 × 3,000 windows); attention 26.0 and
 *   transformer 27.4 (table-a rows, 1 × 3,000 windows, 2,000 evaluation windows; 9,057 training tokens/s);
 * - through the service (docs/reproduction.md): ≈ 22 for the attention and transformer rows of Tables A and B
 *   (two workers on two cores), ≈ 11 for Table D's with a CI run alongside — the low end here.
 * Older runs (docs/reproduction-runs/paper_*.json, before the SIMD kernels) were 2–3× slower. Other backends
 * have no measurement on the project's machines, so no time is estimated for them.
 */
export const WASM_GFLOPS: Record<ModelKind, readonly [low: number, high: number]> = {
  linear: [7, 9],
  mlp: [9, 10.5],
  attention: [11, 27],
  transformer: [11, 27],
};

export interface RunEstimate {
  /** Training input tokens: windows × T × epochs, as the study counts them. */
  trainTokens: number;
  /** Seconds on one wasm core, fastest and slowest measured rate; undefined for backends never measured. */
  seconds?: readonly [low: number, high: number];
}

export function estimateRun(spec: ExperimentSpec, backend = 'wasm'): RunEstimate {
  const t = spec.training;
  const trainTokens = t.windowsPerEpoch * spec.model.contextLength * t.epochs;
  if (backend !== 'wasm') return { trainTokens };
  const cost = estimateCost(spec);
  const [low, high] = WASM_GFLOPS[spec.model.kind];
  const flops = cost.flopsTrain + cost.flopsEval;
  return { trainTokens, seconds: [flops / (high * 1e9), flops / (low * 1e9)] };
}

/** Adds estimates (a sweep, a table): tokens and both ends of the time. */
export function sumEstimates(list: RunEstimate[]): RunEstimate {
  const trainTokens = list.reduce((s, e) => s + e.trainTokens, 0);
  if (list.some((e) => !e.seconds)) return { trainTokens };
  const seconds = list.reduce<[number, number]>((s, e) => [s[0] + e.seconds![0], s[1] + e.seconds![1]], [0, 0]);
  return { trainTokens, seconds };
}

