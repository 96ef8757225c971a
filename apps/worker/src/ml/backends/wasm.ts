// The wasm backend (tfjs-backend-wasm, SIMD) with slmlab's kernel layer registered: what every machine
// without a GPU or libtensorflow trains on.
import { tf } from '../tf.ts';
import { registerFastMatMul } from '../kernels/fast-matmul.ts';
import { registerFastSum } from '../kernels/fast-sum.ts';
import { registerSharedIdentity } from '../kernels/identity.ts';
import { registerFastGather } from '../kernels/fast-gather.ts';
import { registerSegmentSum } from '../kernels/segment-sum.ts';
import { fusedMultiplyAdd, useRelaxedSimd } from '../kernels/wasm-features.ts';

/** `fma`: let slmlab's products use relaxed SIMD's fused multiply-add where this Node can (wasm-features.ts). */
export async function loadWasm(opts: { fma: boolean }): Promise<{ simd: boolean; fma: boolean; threads: number }> {
  useRelaxedSimd(opts.fma);
  await withoutEmscriptenHandlers(async () => {
    await import('@tensorflow/tfjs-backend-wasm');
    registerSegmentSum('wasm');
    registerFastMatMul();
    registerFastSum();
    registerSharedIdentity();
    registerFastGather();
    if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise'); // the Emscripten module is instantiated here
    await tf.ready();
  });
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const { getThreadsCount } = await import('@tensorflow/tfjs-backend-wasm');
  return { simd, fma: fusedMultiplyAdd(), threads: getThreadsCount() };
}

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
