// `npm run bench:train`: training throughput of the study's models per backend, measured in one process:
// tokens/s, achieved GFLOP/s (the cost model's faithful FLOPs) and MFU against the backend's own large-matmul
// peak measured in the same run, plus memory. Prints a table and writes JSON to bench-results/.
// The wasm variants run first; webgpu (only where Dawn finds a GPU adapter: webgpu-variant.ts) runs last, so
// switching backends cannot disturb the wasm measurements.
import { mkdir, writeFile } from 'node:fs/promises';
import { trainFlopsPerWindow, parseSpec, type ExperimentSpec } from '@slmlab/core';
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
import { startWebgpu, webgpuMode, webgpuPeak } from './webgpu-variant.ts';
import { tokenTensor } from '../ml/kernels/embedding.ts';

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
const webgpu = webgpuMode(process.env.BENCH_WEBGPU);
const webgpuPeakN = process.env.BENCH_WEBGPU_PEAK_N ? Number(process.env.BENCH_WEBGPU_PEAK_N) : undefined;
// T=16, d=32 for every model: shapes a software adapter (SwiftShader) trains in seconds a step
const tiny = process.env.BENCH_TINY === '1';

interface Row {
  variant: string;
  /** Whose peak its MFU is against. */
  backend: string;
  model: string;
  tokensPerSec: number;
  gflops: number;
  mfu: number;
  steps: number;
  heapMiB: number;
}

/** `warmup` steps first: wasm grows its heap in one, webgpu compiles its shaders over the first few. */
async function measure(spec: ExperimentSpec, V: number, warmup = 1): Promise<{ tokensPerSec: number; gflops: number; steps: number }> {
  const T = spec.model.contextLength;
  const B = spec.training.batchSize;
  const model = buildModel(spec, V, createRng(1), createRng(2));
  const opt = tf.train.adam(3e-4);
  const tokens = Int32Array.from({ length: 200_000 }, (_, i) => (i * 7919) % V);
  const rng = createRng(3);
  const targets = spec.training.objective === 'all-tokens' ? 'all' : 'last';
  const step = async () => {
    const batch = randomBatch(tokens, T, B, rng, targets);
    const loss = tf.tidy(() => opt.minimize(() => batchNll(model.logits(tokenTensor(batch.x, B, T), true), batch.y), true)!);
    await loss.data();
    loss.dispose();
  };
  for (let i = 0; i < warmup; i++) await step();
  let steps = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000 || steps < 2) {
    await step();
    steps++;
  }
  const s = (performance.now() - t0) / 1000;
  opt.dispose();
  model.params.dispose();
  const flopsPerStep = trainFlopsPerWindow(spec, V) * B;
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

/** wasm: its heap (it only grows); webgpu: tfjs's buffer pool (it keeps what it allocated); else the RSS. */
function heapMiB(): number {
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } };
  if (backend.wasm) return backend.wasm.HEAPU8.length / 2 ** 20;
  const gpu = (tf.memory() as { numBytesAllocatedInGPU?: number }).numBytesAllocatedInGPU;
  return (gpu ?? process.memoryUsage().rss) / 2 ** 20;
}

function specOf(m: (typeof MODELS)[number]): ExperimentSpec {
  const model = tiny ? { ...m.model, contextLength: 16, dModel: 32 } : m.model;
  return parseSpec({ dataset: 'tinyshakespeare', model, training: { objective: m.objective ?? 'last-token' } });
}

const selected = () => MODELS.filter((m) => !only || only.some((o) => m.label.startsWith(o)));

async function measureWasm(rows: Row[], peaks: Record<string, number>) {
  await measurePeaks(peaks);
  for (const [variant, v] of Object.entries(VARIANTS)) {
    await tf.setBackend(v.backend);
    v.setup();
    for (const m of selected()) {
      await measurePeaks(peaks, 2); // sampled through the run: see measurePeaks
      const r = await measure(specOf(m), 65);
      rows.push({ variant, backend: v.backend, model: m.label, ...r, mfu: 0, heapMiB: heapMiB() }); // MFU once the peak is final
      console.error(`  ${m.label}: ${Math.round(r.tokensPerSec)} tok/s, ${r.gflops.toFixed(2)} GFLOP/s (${r.steps} steps)`);
    }
  }
  registerFastMatMul();
  registerFastSum();
  registerSharedIdentity();
  registerFastGather();
  await measurePeaks(peaks);
}

/** Last: once webgpu is the backend, nothing else is measured. Returns the adapter, or why it was skipped. */
async function measureWebgpu(rows: Row[], peaks: Record<string, number>): Promise<string> {
  const start = await startWebgpu(webgpu, webgpuPeakN);
  if ('skipped' in start) {
    console.error(`webgpu: skipped (${start.skipped})`);
    return `skipped: ${start.skipped}`;
  }
  console.error(`webgpu: ${start.device}`);
  peaks.webgpu = await webgpuPeak(start.peakN, 3);
  for (const m of selected()) {
    const r = await measure(specOf(m), 65, 3);
    rows.push({ variant: 'webgpu', backend: 'webgpu', model: m.label, ...r, mfu: 0, heapMiB: heapMiB() });
    console.error(`  ${m.label}: ${Math.round(r.tokensPerSec)} tok/s, ${r.gflops.toFixed(2)} GFLOP/s (${r.steps} steps)`);
  }
  peaks.webgpu = Math.max(peaks.webgpu, await webgpuPeak(start.peakN, 2));
  return `${start.device}; peak from a ${start.peakN}² product`;
}

async function main() {
  await initBackend('wasm');
  const rows: Row[] = [];
  const peaks: Record<string, number> = {};
  await measureWasm(rows, peaks);
  const webgpuDevice = await measureWebgpu(rows, peaks);
  for (const r of rows) r.mfu = r.gflops / peaks[r.backend]!;
  print(rows, peaks);
  await mkdir('bench-results', { recursive: true });
  const file = `bench-results/train-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  await writeFile(file, JSON.stringify({ date: new Date().toISOString(), seconds, tiny, peaks, webgpu: webgpuDevice, rows }, null, 2));
  console.log(`\nwritten to ${file}`);
  process.exit(0); // Dawn's device, once created, keeps the event loop alive
}

function print(rows: Row[], peaks: Record<string, number>) {
  console.log('\n| variant | model | tokens/s | GFLOP/s | MFU (vs own large matmul) | ×stock tokens/s | memory high-water MiB (wasm heap / webgpu buffers, process so far) |');
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
  if (tiny) console.log('shapes: BENCH_TINY=1, every model at T=16, d_model=32 (not the study\'s shapes the labels name)');
}

await main();
