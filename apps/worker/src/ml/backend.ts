// Chooses the TensorFlow.js backend: tfjs-node-gpu → tfjs-node → wasm → cpu, or the one the caller asks for.
// The native packages are optional dependencies that fail to install without network access to their
// libtensorflow download; importing them then fails and we fall through to the next backend.
import os from 'node:os';
import { tf } from './tf.ts';
import { registerFastMatMul } from './kernels/fast-matmul.ts';
import { registerFastSum } from './kernels/fast-sum.ts';
import { registerSharedIdentity } from './kernels/identity.ts';
import { registerFastGather } from './kernels/fast-gather.ts';
import { registerSegmentSum } from './kernels/segment-sum.ts';

export const BACKEND_CHOICES = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export interface BackendInfo {
  /** What ran, e.g. "tensorflow-gpu", "tensorflow", "wasm", "cpu" (recorded with every result). */
  name: string;
  /** Where it ran, in words, e.g. "cpu (wasm, simd)" or "gpu (cuda, libtensorflow)". */
  device: string;
  /** True only when kernels really run on a GPU (tfjs-node-gpu silently falls back to CPU without CUDA). */
  gpu: boolean;
  /** Threads the backend computes with. */
  threads: number;
  /** Backends tried before this one and why they were skipped. */
  skipped: string[];
}

type Loader = () => Promise<Omit<BackendInfo, 'skipped'>>;

const loaders: Record<Exclude<BackendChoice, 'auto'>, Loader> = {
  'tensorflow-gpu': async () => {
    await import(/* optional */ '@tensorflow/tfjs-node-gpu' as string);
    await setBackend('tensorflow');
    // NodeJSKernelBackend says whether libtensorflow found a GPU device (it binds CUDA 11.2 / cuDNN 8.1).
    const gpu = Boolean((tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice);
    const device = gpu ? 'gpu (cuda, libtensorflow)' : 'cpu (tfjs-node-gpu found no usable GPU: check CUDA 11.2 / cuDNN 8.1)';
    return { name: 'tensorflow-gpu', device, gpu, threads: os.cpus().length };
  },
  tensorflow: async () => {
    await import(/* optional */ '@tensorflow/tfjs-node' as string);
    await setBackend('tensorflow');
    return { name: 'tensorflow', device: 'cpu (libtensorflow)', gpu: false, threads: os.cpus().length };
  },
  wasm: async () => {
    await withoutEmscriptenHandlers(async () => {
      await import('@tensorflow/tfjs-backend-wasm');
      registerSegmentSum('wasm');
      registerFastMatMul();
      registerFastSum();
      registerSharedIdentity();
      registerFastGather();
      await setBackend('wasm'); // the Emscripten module is instantiated here
    });
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const { getThreadsCount } = await import('@tensorflow/tfjs-backend-wasm');
    const threads = getThreadsCount();
    return { name: 'wasm', device: `cpu (wasm${simd ? ', simd' : ''}, ${threads} thread${threads > 1 ? 's' : ''})`, gpu: false, threads };
  },
  cpu: async () => {
    registerSegmentSum('cpu');
    await setBackend('cpu');
    return { name: 'cpu', device: 'cpu (pure js)', gpu: false, threads: 1 };
  },
};

/**
 * The wasm module's Emscripten glue installs process-wide 'uncaughtException' and 'unhandledRejection'
 * handlers that rethrow, turning any stray rejection into a crash that prints the whole minified module.
 * Error handling is the application's business: remove the handlers the import added.
 */
async function withoutEmscriptenHandlers<T>(load: () => Promise<T>): Promise<T> {
  const events = ['uncaughtException', 'unhandledRejection'];
  const listeners = (e: string) => process.listeners(e as 'uncaughtException') as ((...a: unknown[]) => void)[];
  const before = events.map((e) => new Set(listeners(e)));
  const result = await load();
  events.forEach((e, i) => {
    for (const l of listeners(e)) if (!before[i]!.has(l)) process.removeListener(e, l);
  });
  return result;
}

async function setBackend(name: string) {
  if (!(await tf.setBackend(name))) throw new Error(`backend ${name} failed to initialise`);
  await tf.ready();
}

const AUTO_ORDER: Exclude<BackendChoice, 'auto'>[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/**
 * Initialises a backend. `auto` takes the first that works; an explicit choice fails loudly instead of
 * silently running somewhere slower.
 */
export async function initBackend(choice: BackendChoice = 'auto'): Promise<BackendInfo> {
  const order = choice === 'auto' ? AUTO_ORDER : [choice];
  const skipped: string[] = [];
  for (const name of order) {
    try {
      return { ...(await loaders[name]()), skipped };
    } catch (err) {
      skipped.push(`${name}: ${firstLine(err)}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could start (${skipped.join('; ')})`);
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0]!;
}
