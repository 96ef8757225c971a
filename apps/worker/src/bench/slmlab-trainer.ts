// One model's training steps as bench:train times them, shared by the bench's own process and its
// whole-machine children (machine-child.ts): forward + backward + Adam on random windows, batch and T of the
// spec, one loss read back per step, tokens counted as B·T per step (as the study counts input tokens).
import { tf } from '../ml/tf.ts';
import type { ExperimentSpec } from '@slmlab/core';
import { createAdam } from '../ml/adam-state.ts';
import { randomBatch } from '../ml/data/windows.ts';
import { tokenTensor } from '../ml/kernels/embedding.ts';
import { registerFastMatMul, unregisterFastMatMul } from '../ml/kernels/fast-matmul.ts';
import { registerFastSum, unregisterFastSum } from '../ml/kernels/fast-sum.ts';
import { registerSharedIdentity, unregisterSharedIdentity } from '../ml/kernels/identity.ts';
import { registerFastGather, unregisterFastGather } from '../ml/kernels/fast-gather.ts';
import { useRelaxedSimd } from '../ml/kernels/wasm-features.ts';
import { batchNll } from '../ml/loss.ts';
import { buildModel } from '../ml/models/index.ts';
import { useFusedOps } from '../ml/models/layers.ts';
import { usePrunedLastBlock } from '../ml/models/transformer.ts';
import { benchEnv } from './bench-env.ts';
import { createRng } from '../ml/rng.ts';

/** Variants of the CPU path, each the wasm backend plus the kernels and formulations slmlab switches on. */
export const VARIANTS = {
  // Stock: tfjs-backend-wasm's own kernels (plus UnsortedSegmentSum, without which nothing trains) running the
  // idiomatic tfjs formulation of the models (tf.moments, tf.dropout, tf.split, every position of the last
  // block) and tfjs's own Adam.
  'wasm-stock': () => (unregisterFastMatMul(), unregisterFastSum(), unregisterSharedIdentity(), unregisterFastGather(), useFusedOps(false), usePrunedLastBlock(false)),
  // slmlab's kernel layer, its SIMD products with a separate multiply and add (f32x4.mul + f32x4.add).
  'wasm-slmlab-nofma': () => (slmlabKernels(), useRelaxedSimd(false)),
  // What the worker runs: the same with relaxed SIMD's fused multiply-add where V8 has it.
  'wasm-slmlab': () => (slmlabKernels(), useRelaxedSimd(true)),
} as const;
export type Variant = keyof typeof VARIANTS;

function slmlabKernels() {
  registerFastMatMul();
  registerFastSum();
  registerSharedIdentity();
  registerFastGather();
  useFusedOps(true);
  usePrunedLastBlock(benchEnv().prune);
}

export interface Timing {
  tokensPerSec: number;
  steps: number;
  seconds: number;
  /** CPU time of this process over wall time: ~1 for one busy thread, less when other load takes the core. */
  cpuPerWall: number;
}

export interface Trainer {
  /** The tfjs model's own count of trainable scalars. */
  params: number;
  step(): Promise<void>;
  dispose(): void;
}

/** `tfjsAdam`: tfjs's own AdamOptimizer (the stock variant's) rather than what training runs (createAdam). */
export function makeTrainer(spec: ExperimentSpec, V: number, tfjsAdam = false): Trainer {
  const T = spec.model.contextLength;
  const B = spec.training.batchSize;
  const lr = spec.training.learningRate;
  const model = buildModel(spec, V, createRng(1), createRng(2));
  const opt = tfjsAdam ? tf.train.adam(lr, 0.9, 0.999, 1e-8) : createAdam(lr);
  const varList = [...model.params.vars.values()];
  const tokens = Int32Array.from({ length: 200_000 }, (_, i) => (i * 7919) % V);
  const rng = createRng(3);
  const targets = spec.training.objective === 'all-tokens' ? 'all' : 'last';
  return {
    params: model.params.count(),
    async step() {
      const batch = randomBatch(tokens, T, B, rng, targets);
      const loss = tf.tidy(() => opt.minimize(() => batchNll(model.logits(tokenTensor(batch.x, B, T), true), batch.y), true, varList)!);
      await loss.data();
      loss.dispose();
    },
    dispose() {
      opt.dispose();
      model.params.dispose();
    },
  };
}

/** Steps for `seconds` (at least 2), after whatever warm-up the caller ran. */
export async function timeSteps(trainer: Trainer, spec: ExperimentSpec, seconds: number): Promise<Timing> {
  let steps = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000 || steps < 2) {
    await trainer.step();
    steps++;
  }
  const s = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const tokensPerSec = (steps * spec.training.batchSize * spec.model.contextLength) / s;
  return { tokensPerSec, steps, seconds: s, cpuPerWall: (cpu.user + cpu.system) / 1e6 / s };
}

/**
 * A fresh model on `variant`'s kernels (omitted: as the backend stands), `warmup` steps (wasm grows its heap in
 * the first, webgpu compiles its shaders over the first few), then `seconds` of timed steps.
 */
export async function measureSlmlab(
  spec: ExperimentSpec,
  V: number,
  seconds: number,
  opts: { variant?: Variant; warmup?: number } = {},
): Promise<Timing & { params: number }> {
  const { variant, warmup = 1 } = opts;
  if (variant) VARIANTS[variant]();
  const trainer = makeTrainer(spec, V, variant === 'wasm-stock');
  try {
    for (let i = 0; i < warmup; i++) await trainer.step();
    return { ...(await timeSteps(trainer, spec, seconds)), params: trainer.params };
  } finally {
    trainer.dispose();
  }
}
