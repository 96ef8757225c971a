// The webgpu variant of `npm run bench:train`: slmlab's model code on tfjs-backend-webgpu's own kernels, over
// Dawn. It is measured only where Dawn finds a real GPU adapter — a software one (SwiftShader, llvmpipe) is a
// CPU, ~100× slower than wasm — unless BENCH_WEBGPU=force (to test the variant on SwiftShader, with tiny
// shapes); BENCH_WEBGPU=off leaves it out. initBackend('webgpu') takes any adapter (an explicit choice), so
// the software check is made here, with the backend's own isSoftwareAdapter.
import { tf } from '../ml/tf.ts';
import { initBackend } from '../ml/backend.ts';
import { isSoftwareAdapter } from '../ml/backends/webgpu.ts';
import { peakMatrixSize } from '../ml/peak.ts';
import { useFusedOps } from '../ml/models/layers.ts';
import { measurePeakGflops } from '../ml/peak.ts';

export type WebgpuMode = 'auto' | 'force' | 'off';

export function webgpuMode(value = 'auto'): WebgpuMode {
  if (value === 'auto' || value === 'force' || value === 'off') return value;
  throw new Error(`BENCH_WEBGPU must be auto, force or off, got ${value}`);
}

export type WebgpuStart = { device: string; peakN: number } | { skipped: string };

/**
 * Makes webgpu the tfjs backend if the variant is to be measured; otherwise says why not and puts wasm back.
 * The peak's product size is the project's (peakMatrixSize: 4096² to fill a GPU, tiny on a software adapter).
 */
export async function startWebgpu(mode: WebgpuMode, peakN?: number): Promise<WebgpuStart> {
  if (mode === 'off') return { skipped: 'BENCH_WEBGPU=off' };
  const before = tf.getBackend();
  let skipped: string;
  try {
    const info = await initBackend('webgpu');
    const software = isSoftwareAdapter(info.adapter!);
    if (!software || mode === 'force') {
      useFusedOps(true); // slmlab's formulation (its wasm-only kernels step aside on other backends)
      return { device: info.device, peakN: peakN ?? peakMatrixSize(info) };
    }
    skipped = `only a software adapter (${info.device}); BENCH_WEBGPU=force measures it anyway`;
  } catch (err) {
    skipped = String((err as Error).message).split('\n')[0]!;
  }
  await tf.setBackend(before);
  return { skipped };
}

/** The webgpu backend's large-matmul peak (ml/peak.ts: products queued, synchronised once). */
export async function webgpuPeak(n: number, trials: number): Promise<number> {
  const peak = await measurePeakGflops({ n, trials, msPerTrial: 1000 });
  console.error(`webgpu: ${n}² matmul peak ${peak.toFixed(1)} GFLOP/s`);
  return peak;
}
