// bench:train's settings, read from the environment once, with a clear message for a bad value.
import os from 'node:os';
import { webgpuMode, type WebgpuMode } from './webgpu-variant.ts';

export interface BenchEnv {
  /** BENCH_SECONDS: timed seconds per measurement, after one warm-up step. */
  seconds: number;
  /** BENCH_ROUNDS: alternating rounds per model (medians are reported). */
  rounds: number;
  /** BENCH_MODELS: comma-separated label prefixes. */
  models?: string;
  /** BENCH_STOCK=0 leaves out tfjs-backend-wasm's own kernels (seconds a step on the transformers). */
  stock: boolean;
  /** BENCH_PEER=0 leaves out the PyTorch peer; BENCH_PYTHON is the python that runs it. */
  peer: boolean;
  python: string;
  /** BENCH_MACHINE=1: also N slmlab processes against PyTorch on N threads (N = BENCH_PROCESSES or every core). */
  machine: boolean;
  processes: number;
  webgpu: WebgpuMode;
  webgpuPeakN?: number;
  /**
   * BENCH_PRUNE=0: the last-token transformers compute every position of their last block, in slmlab and in
   * the peer alike (default: both prune it to the last position, usePrunedLastBlock).
   */
  prune: boolean;
  /** BENCH_TINY=1: T=16, d=32 for every model (shapes a software WebGPU adapter trains in seconds a step). */
  tiny: boolean;
}

function number(env: NodeJS.ProcessEnv, name: string, fallback: number, integer = false): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new Error(`${name} must be a positive ${integer ? 'integer' : 'number'}, got ${raw}`);
  }
  return value;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === '1' || raw === 'true') return true;
  if (raw === '0' || raw === 'false') return false;
  throw new Error(`${name} must be 0 or 1, got ${raw}`);
}

export function benchEnv(env: NodeJS.ProcessEnv = process.env): BenchEnv {
  return {
    seconds: number(env, 'BENCH_SECONDS', 4),
    rounds: number(env, 'BENCH_ROUNDS', 3, true),
    models: env.BENCH_MODELS || undefined,
    stock: flag(env, 'BENCH_STOCK', true),
    peer: flag(env, 'BENCH_PEER', true),
    prune: flag(env, 'BENCH_PRUNE', true),
    python: env.BENCH_PYTHON || '/usr/bin/python3',
    machine: flag(env, 'BENCH_MACHINE', false),
    processes: number(env, 'BENCH_PROCESSES', os.availableParallelism(), true),
    webgpu: webgpuMode(env.BENCH_WEBGPU),
    webgpuPeakN: env.BENCH_WEBGPU_PEAK_N ? number(env, 'BENCH_WEBGPU_PEAK_N', 0, true) : undefined,
    tiny: flag(env, 'BENCH_TINY', false),
  };
}
