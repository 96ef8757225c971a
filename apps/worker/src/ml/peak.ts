// The backend's peak product speed: the yardstick for MFU (model FLOPs utilisation).
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

/**
 * Waits for `c` by reading one element of it. On a GPU a backend runs its queue in order, so that element is
 * ready only when every product queued before it is; reading the whole n² product back would add a
 * device→host copy (64 MB at n = 4096) to each and understate the peak. On wasm and cpu ops are synchronous.
 */
async function sync(c: tf.Tensor): Promise<void> {
  const one = tf.slice(c, [0, 0], [1, 1]);
  await one.data();
  one.dispose();
}

/**
 * The backend's peak: GFLOP/s of its fastest float32 product, the best of `trials` runs of ~`msPerTrial` each (a
 * busy machine only lowers it). An n×n product everywhere; on wasm also a dense layer's [4096, 128]·[128, 384]
 * (q, k and v at once), which slmlab's SIMD product runs — with FMA faster than XNNPACK's large square, which
 * alone put MFU past 100%.
 */
export async function measurePeakGflops(opts: { n?: number; trials?: number; msPerTrial?: number } = {}): Promise<number> {
  const { n = 1024, trials = 3, msPerTrial = 500 } = opts;
  const shapes: [number, number, number][] = [[n, n, n]];
  if (tf.getBackend() === 'wasm') shapes.push([4096, 128, 384]);
  let best = 0;
  for (const [m, k, p] of shapes) best = Math.max(best, await productGflops(m, k, p, trials, msPerTrial));
  return best;
}

async function productGflops(m: number, k: number, n: number, trials: number, msPerTrial: number): Promise<number> {
  const a = tf.randomNormal([m, k]);
  const b = tf.randomNormal([k, n]);
  const timed = async (reps: number) => {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) {
      const c = tf.matMul(a, b);
      if (r === reps - 1) await sync(c);
      c.dispose(); // back to the backend's pool: the next product may reuse it, after this one in queue order
    }
    return performance.now() - t0;
  };
  try {
    await timed(1); // warm-up: kernels compiled, memory grown
    const reps = Math.max(1, Math.ceil(msPerTrial / Math.max(await timed(1), 1e-3)));
    let best = 0;
    for (let t = 0; t < trials; t++) best = Math.max(best, (2 * m * k * n * reps) / ((await timed(reps)) / 1000) / 1e9);
    return best;
  } finally {
    tf.dispose([a, b]);
  }
}
