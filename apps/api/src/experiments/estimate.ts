// How long an experiment will take, said when it is submitted: its FLOPs (training and evaluation, the cost
// model's count) over a throughput. The throughput is the median achieved GFLOP/s of recent finished runs of the
// same model kind on this deployment's workers, or, with fewer than MIN_HISTORY of them, the range one CPU worker
// (wasm, one core) was measured to reach on the project's machines (packages/core estimate.ts, which bin/slmlab
// uses too). An estimate, labelled with its basis.
import { WASM_GFLOPS, estimateCost, estimateRun, type ExperimentSpec } from '@slmlab/core';
import type { ExperimentsRepo } from '@slmlab/db';

export interface DurationEstimate {
  /** Seconds of training and evaluation on one worker, once it starts. */
  seconds: number;
  /** Without history: the fastest and slowest of the measured one-CPU-worker rates. */
  secondsRange?: [number, number];
  /** Tokens of training: windows per epoch × T × epochs. */
  trainTokens: number;
  /** The throughput assumed, GFLOP/s. */
  gflops: number;
  basis: string;
}

const MIN_HISTORY = 3;
const HISTORY = 20;

export function estimateDuration(spec: ExperimentSpec, recentGflops: number[]): DurationEstimate {
  const kind = spec.model.kind;
  const { trainTokens, seconds: range } = estimateRun(spec);
  if (recentGflops.length < MIN_HISTORY) {
    const [low, high] = WASM_GFLOPS[kind];
    const gflops = Math.sqrt(low * high); // the middle of the range, as a ratio
    return {
      seconds: Math.round(((range![0] + range![1]) / 2)),
      secondsRange: [Math.round(range![0]), Math.round(range![1])],
      trainTokens,
      gflops: Math.round(gflops * 10) / 10,
      basis: `one CPU worker (wasm, one core; ${low}–${high} GFLOP/s measured on the project's machines): fewer than ${MIN_HISTORY} finished ${kind} runs here to learn from`,
    };
  }
  const { flopsTrain, flopsEval } = estimateCost(spec);
  const gflops = median(recentGflops);
  return { seconds: Math.round((flopsTrain + flopsEval) / (gflops * 1e9)), trainTokens, gflops, basis: `median of the last ${recentGflops.length} finished ${kind} runs here` };
}

/**
 * Estimates from the deployment's history. A history that cannot be read (PostgreSQL gone after the submission
 * was stored) falls back to the one-CPU-worker rate: an estimate must never turn an accepted submission into an error.
 */
export function durationEstimator(experiments: Pick<ExperimentsRepo, 'recentGflops'>) {
  return async (spec: ExperimentSpec) => {
    const history = await experiments.recentGflops(spec.model.kind, HISTORY).catch(() => []);
    return estimateDuration(spec, history);
  };
}

/** The total of a sweep's new cells, each estimated as a submission is (one history lookup per model kind). */
export async function sweepEstimate(estimate: (spec: ExperimentSpec) => Promise<DurationEstimate>, specs: ExperimentSpec[]) {
  const each = await Promise.all(specs.map(estimate));
  return {
    cells: specs.length,
    seconds: each.reduce((a, e) => a + e.seconds, 0),
    trainTokens: each.reduce((a, e) => a + e.trainTokens, 0),
    basis: 'sum over the cells this sweep created, each estimated as a submission is; run on N workers, it takes about 1/N of this',
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
