// The backend's own large-matmul speed: the yardstick for MFU (model FLOPs utilisation).
import { tf } from './tf.ts';
import type { BackendInfo } from './backend.ts';

/**
 * The product size that shows a backend's peak without wasting start-up time: a GPU needs a large one to be
 * busy; a software WebGPU adapter (SwiftShader) takes seconds for even a small one.
 */
export function peakMatrixSize(backend: Pick<BackendInfo, 'name' | 'gpu'>): number {
  if (backend.gpu) return 4096;
  return backend.name === 'webgpu' ? 128 : 1024;
}

/** GFLOP/s of an n×n float32 matmul: the best of `trials` runs of `msPerTrial` (a busy machine only lowers it). */
export async function measurePeakGflops(opts: { n?: number; trials?: number; msPerTrial?: number } = {}): Promise<number> {
  const { n = 1024, trials = 3, msPerTrial = 500 } = opts;
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  try {
    tf.matMul(a, b).dispose(); // warm-up
    let best = 0;
    for (let t = 0; t < trials; t++) {
      let reps = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < msPerTrial || reps === 0) {
        const c = tf.matMul(a, b);
        await c.data();
        c.dispose();
        reps++;
      }
      best = Math.max(best, (2 * n ** 3 * reps) / ((performance.now() - t0) / 1000) / 1e9);
    }
    return best;
  } finally {
    tf.dispose([a, b]);
  }
}
