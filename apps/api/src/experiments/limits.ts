// Server-side limits on what one submission may cost, checked with the cost model before anything is stored:
// a spec that would not fit a worker, or would hold one for days, is refused up front rather than failing
// (or hogging the queue) later.
import { LimitExceededError, estimateCost, estimateMemoryBytes, type ExperimentSpec, type Issue, type LimitBreach } from '@slmlab/core';
import type { ApiConfig } from '../config.ts';

export interface SubmissionLimits {
  params: number;
  flopsTrain: number;
  memoryBytes: number;
}

export function limitsFromConfig(config: ApiConfig): SubmissionLimits {
  return {
    params: config.SLMLAB_MAX_PARAMS,
    flopsTrain: config.SLMLAB_MAX_TRAIN_FLOPS,
    memoryBytes: config.SLMLAB_MAX_EST_MEMORY_BYTES,
  };
}

/** Where each limit points in the spec, and how its message names the quantity. */
const LIMITS = {
  params: { path: '/model', what: 'parameters' },
  flopsTrain: { path: '/training', what: 'training FLOPs' },
  memoryBytes: { path: '', what: 'bytes of training memory' },
} as const satisfies Record<keyof SubmissionLimits, { path: string; what: string }>;

/** Throws LimitExceededError naming every limit the spec's estimates exceed. */
export function checkLimits(spec: ExperimentSpec, limits: SubmissionLimits): void {
  const cost = estimateCost(spec);
  const estimates: SubmissionLimits = { params: cost.params, flopsTrain: cost.flopsTrain, memoryBytes: estimateMemoryBytes(spec) };
  const issues: Issue[] = [];
  const exceeded: Record<string, LimitBreach> = {};
  for (const key of Object.keys(LIMITS) as (keyof SubmissionLimits)[]) {
    const [estimate, limit] = [estimates[key], limits[key]];
    if (estimate <= limit) continue;
    exceeded[key] = { estimate, limit };
    issues.push({ path: LIMITS[key].path, message: `estimated ${fmt(estimate)} ${LIMITS[key].what} exceeds the limit ${fmt(limit)}` });
  }
  if (issues.length > 0) throw new LimitExceededError(issues, exceeded);
}

function fmt(x: number): string {
  return x.toExponential(2).replace(/\.?0+e/, 'e').replace('e+', 'e');
}
