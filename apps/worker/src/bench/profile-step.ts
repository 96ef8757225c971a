// `tsx apps/worker/src/bench/profile-step.ts [model-json] [kernel,kernel…]`: where one training step of a model spends its kernel
// time on the wasm backend with slmlab's kernels (tf.profile), per kernel and per BatchMatMul shape. Used to
// decide what to optimise next (docs/performance.md, "What limits the rest"). PROFILE_STEPS steps (default 5),
// each kernel's median.
import { parseSpec } from '@slmlab/core';
import { tf } from '../ml/tf.ts';
import { initBackend } from '../ml/backend.ts';
import { registerFastGather } from '../ml/kernels/fast-gather.ts';
import { randomBatch } from '../ml/data/windows.ts';
import { batchNll } from '../ml/loss.ts';
import { buildModel } from '../ml/models/index.ts';
import { createRng } from '../ml/rng.ts';
import { createAdam } from '../ml/adam-state.ts';
import { tokenTensor } from '../ml/kernels/embedding.ts';

const modelJson = process.argv[2] ?? '{"kind":"transformer","layers":3,"heads":4}';
// Kernels broken down by input shapes (a comma-separated list; default the products).
const byShapeKernels = new Set((process.argv[3] ?? 'BatchMatMul').split(','));

async function main() {
  await initBackend('wasm');
  registerFastGather(); // until backend.ts registers it with the other kernels
  const spec = parseSpec({ dataset: 'tinyshakespeare', model: JSON.parse(modelJson), training: {} });
  const [T, B, V] = [spec.model.contextLength, spec.training.batchSize, Number(process.env.PROFILE_VOCAB ?? 65)];
  const model = buildModel(spec, V, createRng(1), createRng(2));
  const opt = createAdam(3e-4); // what training runs
  const tokens = Int32Array.from({ length: 200_000 }, (_, i) => (i * 7919) % V);
  const rng = createRng(3);
  const step = () => {
    const batch = randomBatch(tokens, T, B, rng, spec.training.objective === 'all-tokens' ? 'all' : 'last');
    const loss = tf.tidy(() => opt.minimize(() => batchNll(model.logits(tokenTensor(batch.x, B, T), true), batch.y), true)!);
    loss.dataSync();
    loss.dispose();
  };
  step();
  step();
  const unprofiled = median(Array.from({ length: STEPS }, () => timed(step)));
  console.log(`unprofiled step: ${unprofiled.toFixed(1)} ms (median of ${STEPS})`);
  // Each kernel's time is the median over the profiled steps: one step on a busy machine has outliers.
  const profiles: { kernels: ProfiledKernel[]; wall: number }[] = [];
  for (let i = 0; i < STEPS; i++) {
    const t1 = performance.now();
    const info = await tf.profile(step);
    profiles.push({ kernels: info.kernels as unknown as ProfiledKernel[], wall: performance.now() - t1 });
  }
  report(profiles);
}

/** Steps profiled (and timed unprofiled), PROFILE_STEPS, default 5. */
const STEPS = Number(process.env.PROFILE_STEPS ?? 5);

function timed(f: () => void): number {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

interface ProfiledKernel {
  name: string;
  kernelTimeMs: number | { error: string };
  inputShapes: number[][];
}

function report(profiles: { kernels: ProfiledKernel[]; wall: number }[]) {
  const perStep = profiles.map(({ kernels }) => {
    const byName = new Map<string, { ms: number; n: number }>();
    const byShape = new Map<string, { ms: number; n: number }>();
    for (const k of kernels) {
      const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      add(byName, k.name, ms);
      if (byShapeKernels.has(k.name)) add(byShape, `${k.name} ${k.inputShapes.map((s) => `[${s}]`).join('·')}`, ms);
    }
    return { byName, byShape };
  });
  const medians = (pick: (p: (typeof perStep)[number]) => Map<string, { ms: number; n: number }>) => {
    const out = new Map<string, { ms: number; n: number }>();
    for (const key of pick(perStep[0]!).keys()) out.set(key, { ms: median(perStep.map((p) => pick(p).get(key)?.ms ?? 0)), n: pick(perStep[0]!).get(key)!.n });
    return out;
  };
  const [byName, byShape] = [medians((p) => p.byName), medians((p) => p.byShape)];
  const total = [...byName.values()].reduce((t, e) => t + e.ms, 0);
  console.log(`profiled step: ${median(profiles.map((p) => p.wall)).toFixed(0)} ms wall, ${total.toFixed(1)} ms in kernels (medians over ${profiles.length} steps)`);
  print(byName, total);
  console.log(`\n${[...byShapeKernels].join(', ')} by input shapes:`);
  print(byShape, total);
}

function add(m: Map<string, { ms: number; n: number }>, key: string, ms: number) {
  const e = m.get(key) ?? { ms: 0, n: 0 };
  e.ms += ms;
  e.n++;
  m.set(key, e);
}

function print(m: Map<string, { ms: number; n: number }>, total: number) {
  for (const [k, { ms, n }] of [...m].sort((a, b) => b[1].ms - a[1].ms)) {
    if (ms < total * 0.002) continue;
    console.log(`${k.padEnd(56)} ${ms.toFixed(1).padStart(8)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}%  ×${n}`);
  }
}

await main();
