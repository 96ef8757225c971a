// `npm run bench:train`: training throughput of the study's models per backend, measured in one process:
// tokens/s, achieved GFLOP/s (the cost model's faithful FLOPs) and MFU against the backend's own large-matmul
// peak measured in the same run, plus memory. Prints a table and writes JSON to bench-results/.
import { mkdir, writeFile } from 'node:fs/promises';
import { forwardFlopsPerWindow, parseSpec, type ExperimentSpec } from '@slmlab/core';
import { tf } from '../ml/tf.ts';
import { initBackend } from '../ml/backend.ts';
import { registerFastMatMul, unregisterFastMatMul } from '../ml/kernels/fast-matmul.ts';
import { registerFastSum, unregisterFastSum } from '../ml/kernels/fast-sum.ts';
import { registerSharedIdentity, unregisterSharedIdentity } from '../ml/kernels/identity.ts';
import { registerFastGather, unregisterFastGather } from '../ml/kernels/fast-gather.ts';
import { randomBatch } from '../ml/data/windows.ts';
import { batchNll } from '../ml/loss.ts';
import { buildModel } from '../ml/models/index.ts';
import { createRng } from '../ml/rng.ts';
import { measurePeakGflops } from '../ml/peak.ts';
import { useFusedOps } from '../ml/models/layers.ts';

const MODELS: { label: string; model: Record<string, unknown>; objective?: string }[] = [
  { label: 'linear T=128', model: { kind: 'linear' } },
  { label: 'mlp h=256', model: { kind: 'mlp', hidden: 256 } },
  { label: 'attention H=4', model: { kind: 'attention', heads: 4 } },
  { label: 'transformer L=3 H=4', model: { kind: 'transformer', layers: 3, heads: 4 } },
  { label: 'transformer L=3 H=4 all-tokens', model: { kind: 'transformer', layers: 3, heads: 4 }, objective: 'all-tokens' },
];

/** Variants of the CPU path, each a backend plus the kernels slmlab registers on it. */
const VARIANTS: Record<string, { backend: 'wasm' | 'cpu'; setup: () => void }> = {
  // Stock: tfjs-backend-wasm's own kernels (plus UnsortedSegmentSum, without which nothing trains) running the
  // idiomatic tfjs formulation of the models (tf.moments, tf.dropout, tf.split).
  'wasm-stock': {
    backend: 'wasm',
    setup: () => (unregisterFastMatMul(), unregisterFastSum(), unregisterSharedIdentity(), unregisterFastGather(), useFusedOps(false)),
  },
  'wasm-slmlab': {
    backend: 'wasm',
    setup: () => (registerFastMatMul(), registerFastSum(), registerSharedIdentity(), registerFastGather(), useFusedOps(true)),
  },
};

const seconds = Number(process.env.BENCH_SECONDS ?? 6); // per measurement, after warm-up
const only = process.env.BENCH_MODELS?.split(',');

interface Row {
  variant: string;
  model: string;
  tokensPerSec: number;
  gflops: number;
  mfu: number;
  steps: number;
  heapMiB: number;
}

async function measure(spec: ExperimentSpec, V: number): Promise<{ tokensPerSec: number; gflops: number; steps: number }> {
  const T = spec.model.contextLength;
  const B = spec.training.batchSize;
  const model = buildModel(spec, V, createRng(1), createRng(2));
  const opt = tf.train.adam(3e-4);
  const tokens = Int32Array.from({ length: 200_000 }, (_, i) => (i * 7919) % V);
  const rng = createRng(3);
  const targets = spec.training.objective === 'all-tokens' ? 'all' : 'last';
  const step = async () => {
    const batch = randomBatch(tokens, T, B, rng, targets);
    const loss = tf.tidy(() => opt.minimize(() => batchNll(model.logits(tf.tensor2d(batch.x, [B, T], 'int32'), true), batch.y), true)!);
    await loss.data();
    loss.dispose();
  };
  await step(); // warm-up: kernels set up, memory grown
  let steps = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000 || steps < 2) {
    await step();
    steps++;
  }
  const s = (performance.now() - t0) / 1000;
  opt.dispose();
  model.params.dispose();
  const flopsPerStep = 3 * forwardFlopsPerWindow(spec, V) * B;
  return { tokensPerSec: (steps * B * T) / s, gflops: (steps * flopsPerStep) / s / 1e9, steps };
}

/**
 * One peak per backend: a 1024² untransposed matmul takes XNNPACK's path with or without our kernels (slmlab's
 * SIMD product only takes small right operands, and XNNPACK is faster on large ones). Sampled at the start,
 * before every model and at the end, keeping the highest: load from other processes only lowers a measured
 * peak, and one taken at a busy moment overstates every MFU (on a shared 2-core machine it did, past 100%).
 */
async function measurePeaks(peaks: Record<string, number>, trials = 5): Promise<void> {
  const current = tf.getBackend();
  for (const backend of new Set(Object.values(VARIANTS).map((v) => v.backend))) {
    await tf.setBackend(backend);
    const peak = await measurePeakGflops({ trials, msPerTrial: 1000 });
    console.error(`${backend}: 1024² matmul peak ${peak.toFixed(1)} GFLOP/s`);
    peaks[backend] = Math.max(peaks[backend] ?? 0, peak);
  }
  await tf.setBackend(current);
}

function heapMiB(): number {
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } };
  return backend.wasm ? backend.wasm.HEAPU8.length / 2 ** 20 : process.memoryUsage().rss / 2 ** 20;
}

async function main() {
  await initBackend('wasm');
  const rows: Row[] = [];
  const peaks: Record<string, number> = {};
  await measurePeaks(peaks);
  for (const [variant, v] of Object.entries(VARIANTS)) {
    await tf.setBackend(v.backend);
    v.setup();
    for (const m of MODELS) {
      if (only && !only.some((o) => m.label.startsWith(o))) continue;
      await measurePeaks(peaks, 2); // sampled through the run: see measurePeaks
      const spec = parseSpec({ dataset: 'tinyshakespeare', model: m.model, training: { objective: m.objective ?? 'last-token' } });
      const r = await measure(spec, 65);
      rows.push({ variant, model: m.label, ...r, mfu: 0, heapMiB: heapMiB() }); // MFU once the peak is final
      console.error(`  ${m.label}: ${Math.round(r.tokensPerSec)} tok/s, ${r.gflops.toFixed(2)} GFLOP/s (${r.steps} steps)`);
    }
  }
  registerFastMatMul();
  registerFastSum();
  registerSharedIdentity();
  registerFastGather();
  await measurePeaks(peaks);
  for (const r of rows) r.mfu = r.gflops / peaks[VARIANTS[r.variant]!.backend]!;
  print(rows, peaks);
  await mkdir('bench-results', { recursive: true });
  const file = `bench-results/train-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  await writeFile(file, JSON.stringify({ date: new Date().toISOString(), seconds, peaks, rows }, null, 2));
  console.log(`\nwritten to ${file}`);
}

function print(rows: Row[], peaks: Record<string, number>) {
  console.log('\n| variant | model | tokens/s | GFLOP/s | MFU (vs own 1024² matmul) | ×stock tokens/s | wasm heap high-water MiB (process so far) |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const base = rows.find((b) => b.variant === 'wasm-stock' && b.model === r.model);
    const ratio = base ? (r.tokensPerSec / base.tokensPerSec).toFixed(2) : '—';
    console.log(
      `| ${r.variant} | ${r.model} | ${Math.round(r.tokensPerSec).toLocaleString('en')} | ${r.gflops.toFixed(2)} | ` +
        `${(100 * r.mfu).toFixed(1)}% | ${ratio}× | ${Math.round(r.heapMiB)} |`,
    );
  }
  console.log(`\npeaks (GFLOP/s): ${Object.entries(peaks).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
}

await main();
