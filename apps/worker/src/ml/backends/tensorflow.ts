// The native backends: @tensorflow/tfjs-node-gpu (libtensorflow 2.9.1 for CUDA 11.2 / cuDNN 8.1) and
// @tensorflow/tfjs-node (libtensorflow on the CPU). Both are optional: their install script downloads
// libtensorflow, which fails offline and has answered 403 upstream since 2026-08 (tfjs#8742). When one cannot
// run we say exactly why, in terms a user can act on (docs/gpu.md has the ways to install it today).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tf } from '../tf.ts';

export type NativePackage = '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node';

/** The CUDA 11 user-space libraries libtensorflow 2.9.1 opens; without them it silently runs on the CPU. */
export const CUDA11_LIBRARIES = ['libcudart.so.11.0', 'libcublas.so.11', 'libcublasLt.so.11', 'libcufft.so.10', 'libcurand.so.10', 'libcusolver.so.11', 'libcusparse.so.11', 'libcudnn.so.8'];

/** Loads a native package and makes `tensorflow` the tfjs backend; throws an explained error if it cannot. */
export async function loadNative(pkg: NativePackage): Promise<{ gpu: boolean }> {
  // libtensorflow reserves all GPU memory by default; the worker's per-job child processes each need some.
  process.env.TF_FORCE_GPU_ALLOW_GROWTH ??= 'true';
  try {
    await import(/* optional */ pkg as string);
  } catch (err) {
    throw new Error(explainLoadFailure(pkg, err));
  }
  if (!(await tf.setBackend('tensorflow'))) throw new Error(`${pkg} loaded but its tensorflow backend failed to initialise`);
  await tf.ready();
  // NodeJSKernelBackend knows whether libtensorflow found a CUDA device.
  return { gpu: Boolean((tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice) };
}

/** Why importing the package failed, from the error Node gave. */
export function explainLoadFailure(pkg: NativePackage, err: unknown): string {
  const message = String((err as Error)?.message ?? err);
  const code = (err as { code?: string })?.code;
  if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message.includes(`'${pkg}'`)) {
    return `${pkg} is not installed (an optional dependency: its install script downloads libtensorflow, which needs network access and has answered 403 since 2026-08; see docs/gpu.md to install it from a mirror)`;
  }
  if (/tfjs_binding\.node/.test(message) && /Cannot find module|no such file/i.test(message)) {
    return `${pkg} is installed without its native binding (its install script did not download libtensorflow and the binding; see docs/gpu.md)`;
  }
  const lib = /(lib[\w.+-]+\.so[\d.]*): cannot open shared object file/.exec(message)?.[1];
  if (lib) return `${pkg}'s native binding cannot open ${lib} (${lib.startsWith('libtensorflow') ? 'libtensorflow is missing from the package: reinstall it with its download reachable' : 'a system library is missing'}; see docs/gpu.md)`;
  return `${pkg} failed to load: ${message.split('\n')[0]}`;
}

/** Why tfjs-node-gpu runs on the CPU: the CUDA 11 libraries it could not find, or a missing driver. */
export function explainNoGpu(missing: string[]): string {
  if (missing.length) {
    return `tfjs-node-gpu loaded but runs on the CPU: libtensorflow 2.9.1 needs CUDA 11.2 / cuDNN 8.1 user-space libraries and cannot find ${missing.join(', ')} (a CUDA 12/13 install does not provide them; see docs/gpu.md)`;
  }
  return 'tfjs-node-gpu loaded but runs on the CPU although the CUDA 11 libraries are present: no visible NVIDIA GPU or driver (check nvidia-smi, CUDA_VISIBLE_DEVICES, and in containers the NVIDIA runtime)';
}

/** Which of `names` the dynamic loader cannot find (LD_LIBRARY_PATH, then the ldconfig cache). */
export function missingLibraries(names: string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = (env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  const cached = ldconfigCache();
  return names.filter((n) => !cached.has(n) && !dirs.some((d) => fs.existsSync(path.join(d, n))));
}

function ldconfigCache(): Set<string> {
  for (const ldconfig of ['/sbin/ldconfig', 'ldconfig']) {
    try {
      const out = execFileSync(ldconfig, ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      return new Set(out.split('\n').map((l) => l.trim().split(' ')[0]!).filter(Boolean));
    } catch {
      // not there, or not runnable: try the next
    }
  }
  return new Set();
}
