// Chooses the TensorFlow.js backend. `auto` takes the first that works, in the order
//   tensorflow-gpu (only if libtensorflow really found a GPU) → webgpu (only on a real GPU adapter)
//   → tensorflow → wasm → cpu;
// an explicit choice fails loudly instead of silently running somewhere slower (and `webgpu` then takes a
// software adapter too: that is how the tests run it on SwiftShader). Every skipped backend says why.
import os from 'node:os';
import { tf } from './tf.ts';
import { registerSegmentSum } from './kernels/segment-sum.ts';
import { CUDA11_LIBRARIES, explainNoGpu, loadNative, missingLibraries } from './backends/tensorflow.ts';
import { loadWasm } from './backends/wasm.ts';
import { describeAdapter, loadWebgpu, type AdapterFacts } from './backends/webgpu.ts';

export const BACKEND_CHOICES = ['auto', 'tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
export type BackendName = Exclude<BackendChoice, 'auto'>;

export interface BackendOptions {
  /** webgpu: the first adapter whose device name contains this (SLMLAB_WEBGPU_ADAPTER). */
  webgpuAdapter?: string;
  /** wasm: use relaxed SIMD's fused multiply-add in slmlab's products (default true; SLMLAB_WASM_FMA). */
  wasmFma?: boolean;
}

export interface BackendInfo {
  /** What ran (recorded with every result). */
  name: BackendName;
  /** Where it ran, in words, e.g. "cpu (wasm, simd, 1 thread)" or "gpu (webgpu: nvidia hopper; …)". */
  device: string;
  /** True only when kernels really run on a GPU (not libtensorflow's CPU fallback, not a software adapter). */
  gpu: boolean;
  /** Threads the backend computes with (GPU backends: the host threads that drive it). */
  threads: number;
  /** webgpu: what Dawn says about the adapter. */
  adapter?: AdapterFacts;
  /** Backends tried before this one and why they were skipped. */
  skipped: string[];
}

type Loaded = Omit<BackendInfo, 'skipped' | 'name'>;
/** `auto` is true when the backend is only being tried: it must then refuse anything but the real thing. */
type Loader = (auto: boolean, opts: BackendOptions) => Promise<Loaded>;

const loaders: Record<BackendName, Loader> = {
  'tensorflow-gpu': async (auto) => {
    const { gpu } = await loadNative('@tensorflow/tfjs-node-gpu');
    const why = gpu ? '' : explainNoGpu(missingLibraries(CUDA11_LIBRARIES));
    if (!gpu && auto) throw new Error(why);
    return { device: gpu ? 'gpu (cuda, libtensorflow 2.9.1)' : `cpu (${why})`, gpu, threads: os.cpus().length };
  },
  webgpu: async (auto, opts) => {
    const { adapter, gpu } = await loadWebgpu({ allowSoftware: !auto, adapterName: opts.webgpuAdapter });
    return { device: describeAdapter(adapter), gpu, threads: 1, adapter };
  },
  tensorflow: async () => {
    await loadNative('@tensorflow/tfjs-node');
    return { device: 'cpu (libtensorflow)', gpu: false, threads: os.cpus().length };
  },
  wasm: async (_auto, opts) => {
    const { simd, fma, threads } = await loadWasm({ fma: opts.wasmFma ?? true });
    return { device: `cpu (wasm${simd ? ', simd' : ''}${fma ? ', fma' : ''}, ${threads} thread${threads > 1 ? 's' : ''})`, gpu: false, threads };
  },
  cpu: async () => {
    registerSegmentSum('cpu');
    if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend failed to initialise');
    return { device: 'cpu (pure js)', gpu: false, threads: 1 };
  },
};

export const AUTO_ORDER: BackendName[] = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'];

/** Initialises a backend: the one asked for, or under `auto` the first of AUTO_ORDER that works. */
export async function initBackend(choice: BackendChoice = 'auto', opts: BackendOptions = {}): Promise<BackendInfo> {
  const auto = choice === 'auto';
  const skipped: string[] = [];
  for (const name of auto ? AUTO_ORDER : [choice]) {
    try {
      return { name, ...(await loaders[name](auto, opts)), skipped };
    } catch (err) {
      skipped.push(`${name}: ${firstLine(err)}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could start (${skipped.join('; ')})`);
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0]!;
}
