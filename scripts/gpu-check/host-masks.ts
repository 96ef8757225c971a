// What a training step spends on the host before any kernel runs: slmlab draws its dropout masks in JS
// (layers.ts: repeatable per seed, and cheaper than tfjs's random ops on wasm) and uploads them every step.
// On a GPU that host work does not shrink, so it bounds the step time from below; measured here on its own
// so the webgpu figures can be read against it.
import type { ExperimentSpec } from '@slmlab/core';
import { createRng } from '../../apps/worker/src/ml/rng.ts';

export interface HostMasks {
  /** Wall ms to draw one step's masks (best of 3). */
  ms: number;
  /** MiB of masks uploaded per step. */
  mib: number;
}

/** Mask sizes of one step of the post-LN transformer: attention weights [B,H,T,T] and FFN output [B,T,d] per layer. */
function maskSizes(spec: ExperimentSpec): { size: number; rate: number }[] {
  const m = spec.model;
  if (m.kind !== 'transformer' && m.kind !== 'attention') return [];
  const { batchSize: B } = spec.training;
  const { contextLength: T, dModel: d, heads: H } = m;
  const layers = m.kind === 'attention' ? 1 : m.layers;
  const perLayer = [
    { size: B * H * T * T, rate: m.attnDropout ?? 0 },
    { size: B * T * d, rate: m.dropout },
  ].filter((x) => x.rate > 0);
  return Array.from({ length: layers }, () => perLayer).flat();
}

export function measureHostMasks(spec: ExperimentSpec): HostMasks {
  const sizes = maskSizes(spec);
  const buffers = sizes.map((s) => new Float32Array(s.size));
  const rng = createRng(1);
  let best = Infinity;
  for (let trial = 0; trial < 3; trial++) {
    const t0 = performance.now();
    sizes.forEach((s, i) => rng.fillDropoutMask(buffers[i]!, s.rate, 1 / (1 - s.rate)));
    best = Math.min(best, performance.now() - t0);
  }
  return { ms: best, mib: (sizes.reduce((a, s) => a + s.size, 0) * 4) / 2 ** 20 };
}
