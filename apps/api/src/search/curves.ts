// Curve arithmetic, free of I/O: the x of a point and interpolation at equal x (downsampling happens in SQL:
// packages/db/src/search.ts, downsampledCurve).
import { estimateCost, type ExperimentSpec } from '@slmlab/core';
import type { CurveRow, Experiment } from '@slmlab/db';

export type Axis = 'step' | 'epoch' | 'tokens' | 'flops' | 'seconds';

/**
 * Training FLOPs per input token: flopsTrain over the spec's training tokens (windows × T × epochs, as the worker
 * counts tokens), so tokens × this = FLOPs spent so far. The cost model prices rows stored before flopsTrain
 * existed. Null when the spec gives no token count.
 */
export function flopsPerToken(row: Pick<Experiment, 'flopsTrain' | 'spec'>): number | null {
  const spec = row.spec as ExperimentSpec;
  const tokens = spec?.training?.windowsPerEpoch * spec?.training?.epochs * spec?.model?.contextLength;
  if (!Number.isFinite(tokens) || tokens <= 0) return null;
  try {
    const flops = row.flopsTrain ?? estimateCost(spec).flopsTrain;
    return Number.isFinite(flops) ? flops / tokens : null;
  } catch {
    return null;
  }
}

export function xOf(p: CurveRow, axis: Axis, perToken: number | null): number | null {
  if (axis === 'flops') return perToken === null ? null : p.tokens * perToken;
  return p[axis];
}

/**
 * y at `at` by linear interpolation between the two points around it (points in increasing x; points without
 * a y are skipped). Exactly at a point: its y. Before the first or after the last point: null — a curve is not
 * extrapolated (not even to x = 0: nothing was measured before the first epoch ended).
 */
export function interpolate(points: { x: number; y: number | null }[], at: number): number | null {
  const known = points.filter((p): p is { x: number; y: number } => p.y !== null);
  if (known.length === 0 || at < known[0]!.x || at > known.at(-1)!.x) return null;
  for (let i = 0; i < known.length; i++) {
    const p = known[i]!;
    if (p.x === at) return p.y;
    const q = known[i + 1];
    if (q && p.x < at && at < q.x) return p.y + ((q.y - p.y) * (at - p.x)) / (q.x - p.x);
  }
  return null;
}
