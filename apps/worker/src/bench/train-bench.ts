// `npm run bench:train`: training throughput of the study's models (bench-models.ts), slmlab against a PyTorch
// peer (torch-peer.py: the same models, batch, T, Adam and token counting) in the same run. Per model, R
// alternating rounds of wasm-slmlab-nofma, wasm-slmlab and PyTorch on one thread (then the reverse order);
// medians, the ratio slmlab/PyTorch, GFLOP/s (the cost model's faithful FLOPs) and MFU against the large-matmul
// peaks measured in the same run (tfjs-wasm's own and the native sgemm's). BENCH_MACHINE=1 adds the whole
// machine: N slmlab processes summed against PyTorch on N threads. The wasm variants run first; webgpu (only
// where Dawn finds a GPU adapter: webgpu-variant.ts) runs last, so switching backends cannot disturb them.
// Prints tables and writes JSON to bench-results/. Settings: bench-env.ts; docs/performance.md "How to measure".
import { mkdir, writeFile } from 'node:fs/promises';
import { countParams, trainFlopsPerWindow, type ExperimentSpec } from '@slmlab/core';
import { tf } from '../ml/tf.ts';
import { initBackend } from '../ml/backend.ts';
import { relaxedSimdAvailable } from '../ml/kernels/wasm-features.ts';
import { buildModel } from '../ml/models/index.ts';
import { measurePeakGflops } from '../ml/peak.ts';
import { createRng } from '../ml/rng.ts';
import { benchEnv } from './bench-env.ts';
import { VOCAB, selectModels, specOf, type BenchModel } from './bench-models.ts';
import { machineTable, paramTable, paramsAgree, peaksLine, perCoreTable, variantTable, type ModelResult, type Peaks } from './bench-report.ts';
import { SlmlabFleet } from './machine.ts';
import { VARIANTS, measureSlmlab, type Variant } from './slmlab-trainer.ts';
import { INSTALL_HINT, TorchPeer, unfairPeerWarning, type PeerInfo } from './torch-peer.ts';
import { startWebgpu, webgpuPeak } from './webgpu-variant.ts';

const env = benchEnv();
const V = VOCAB;

interface Run {
  model: BenchModel;
  spec: ExperimentSpec;
  result: ModelResult;
}

const fmt = (x: number) => Math.round(x).toLocaleString('en');

async function startPeer(): Promise<{ peer?: TorchPeer; info?: PeerInfo; note: string }> {
  if (!env.peer) return { note: 'skipped: BENCH_PEER=0' };
  const started = await TorchPeer.start(env.python, { prune: env.prune });
  if ('missing' in started) {
    console.error(`PyTorch peer: skipped, ${started.missing}; install it with \`${INSTALL_HINT}\` (or set BENCH_PYTHON). Measuring slmlab alone.`);
    return { note: `missing: ${started.missing}` };
  }
  const { info } = started;
  console.error(`PyTorch peer: torch ${info.torch} on ${info.blas}, OMP_WAIT_POLICY=${info.ompWaitPolicy}`);
  return { peer: started.peer, info, note: `torch ${info.torch}, ${info.blas}` };
}

/** The cost model's count, the tfjs model's own and the peer's, for every model, before anything is timed. */
async function checkParams(runs: Run[], peer: TorchPeer | undefined): Promise<void> {
  for (const { spec, result } of runs) {
    const model = buildModel(spec, V, createRng(1), createRng(2));
    result.params.tfjs = model.params.count();
    model.params.dispose();
    if (peer) result.params.torch = await peer.count(spec, V);
  }
  console.log(['', 'parameter counts:', ...paramTable(runs.map((r) => r.result))].join('\n'));
  const differ = runs.filter((r) => !paramsAgree(r.result.params) && (peer || r.result.params.costModel !== r.result.params.tfjs));
  if (differ.length) console.error(`PARAMETER COUNTS DIFFER for ${differ.map((r) => r.model.label).join('; ')}: no ratio is reported for them`);
}

/** Sampled through the run, keeping the highest: other load only lowers a peak, and a low one overstates every MFU. */
async function sampleWasmPeak(peaks: Peaks, trials: number): Promise<void> {
  const peak = await measurePeakGflops({ trials, msPerTrial: 1000 });
  console.error(`wasm: peak product ${peak.toFixed(1)} GFLOP/s`);
  peaks.wasm = Math.max(peaks.wasm ?? 0, peak);
}

async function sampleNativePeaks(peer: TorchPeer | undefined, peaks: Peaks): Promise<void> {
  if (!peer) return;
  const [one, all] = await Promise.all([peer.peak(1), peer.peak(env.processes)]).catch((err: Error) => {
    console.error(`native: sgemm peak FAILED, ${err.message}`);
    return [];
  });
  if (!one || !all) return;
  console.error(`native: torch.mm 1024² ${one.gflops.toFixed(1)} GFLOP/s on 1 thread (cpu/wall ${one.cpuPerWall.toFixed(2)}), ` +
    `${all.gflops.toFixed(1)} on ${env.processes} (cpu/wall ${all.cpuPerWall.toFixed(2)})`);
  peaks.native1 = Math.max(peaks.native1 ?? 0, one.gflops);
  peaks.nativeN = Math.max(peaks.nativeN ?? 0, all.gflops);
}

/** wasm: its heap (it only grows); webgpu: tfjs's buffer pool (it keeps what it allocated); else the RSS. */
function heapMiB(): number {
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } };
  if (backend.wasm) return backend.wasm.HEAPU8.length / 2 ** 20;
  const gpu = (tf.memory() as { numBytesAllocatedInGPU?: number }).numBytesAllocatedInGPU;
  return (gpu ?? process.memoryUsage().rss) / 2 ** 20;
}

async function slmlabOnce(run: Run, variant: Variant, round: string): Promise<void> {
  const t = await measureSlmlab(run.spec, V, env.seconds, { variant });
  (run.result.slmlab[variant] ??= []).push(t.tokensPerSec);
  console.error(`  ${round} ${variant}: ${fmt(t.tokensPerSec)} tok/s (${t.steps} steps, cpu/wall ${t.cpuPerWall.toFixed(2)})`);
}

/** One PyTorch measurement; a peer that fails (or has died) loses its measurement, not the run's. */
async function peerOnce(run: Run, peer: TorchPeer, threads: number, round: string, into: number[]): Promise<void> {
  try {
    const t = await peer.train(run.spec, V, threads, env.seconds);
    into.push(t.tokensPerSec);
    console.error(`  ${round} PyTorch, ${threads} thread${threads > 1 ? 's' : ''}: ${fmt(t.tokensPerSec)} tok/s (${t.steps} steps, cpu/wall ${t.cpuPerWall.toFixed(2)})`);
  } catch (err) {
    console.error(`  ${round} PyTorch: FAILED, ${(err as Error).message}`);
  }
}

/** One model per core: stock once (seconds a step), then R rounds of no-FMA, FMA and PyTorch, every other one reversed. */
async function measurePerCore(run: Run, peer: TorchPeer | undefined, peaks: Peaks): Promise<void> {
  console.error(`${run.model.label}:`);
  await sampleWasmPeak(peaks, 2);
  if (env.stock) await slmlabOnce(run, 'wasm-stock', 'once');
  const comparable = peer && paramsAgree(run.result.params);
  for (let r = 0; r < env.rounds; r++) {
    const order = ['wasm-slmlab-nofma', 'wasm-slmlab', 'torch'] as const;
    for (const what of r % 2 ? [...order].reverse() : order) {
      const round = `round ${r + 1}`;
      if (what !== 'torch') await slmlabOnce(run, what, round);
      else if (comparable) await peerOnce(run, peer, 1, round, (run.result.torch ??= []));
    }
  }
  run.result.heapMiB = heapMiB();
}

/** BENCH_MACHINE=1: N slmlab processes (summed) against PyTorch on N threads, alternating, R rounds. */
async function measureMachine(runs: Run[], peer: TorchPeer | undefined): Promise<void> {
  const n = env.processes;
  console.error(`whole machine: ${n} slmlab processes against PyTorch on ${n} threads`);
  const fleet = await SlmlabFleet.start(n);
  try {
    for (const run of runs) {
      const m = (run.result.machine = { slmlab: [] as number[], torch: [] as number[] });
      for (let r = 0; r < env.rounds; r++) {
        const round = `round ${r + 1}`;
        const ours = async () => {
          const t = await fleet.measure(run.spec, V, env.seconds);
          if (t.params !== run.result.params.costModel) throw new Error(`${run.model.label}: a whole-machine process counts ${t.params} parameters`);
          m.slmlab.push(t.tokensPerSec);
          console.error(`  ${run.model.label} ${round} slmlab, ${n} processes: ${fmt(t.tokensPerSec)} tok/s (${t.each.map((e) => fmt(e.tokensPerSec)).join(' + ')})`);
        };
        const theirs = async () => {
          if (peer && paramsAgree(run.result.params)) await peerOnce(run, peer, n, `${run.model.label} ${round}`, m.torch);
        };
        for (const step of r % 2 ? [theirs, ours] : [ours, theirs]) await step();
      }
    }
  } finally {
    fleet.close();
  }
}

/** Last: once webgpu is the backend, nothing else is measured. Returns the adapter, or why it was skipped. */
async function measureWebgpu(runs: Run[], peaks: Peaks): Promise<string> {
  const start = await startWebgpu(env.webgpu, env.webgpuPeakN);
  if ('skipped' in start) {
    console.error(`webgpu: skipped (${start.skipped})`);
    return `skipped: ${start.skipped}`;
  }
  console.error(`webgpu: ${start.device}`);
  peaks.webgpu = await webgpuPeak(start.peakN, 3);
  for (const run of runs) {
    const t = await measureSlmlab(run.spec, V, env.seconds, { warmup: 3 });
    run.result.webgpu = { tokensPerSec: t.tokensPerSec, MiB: heapMiB() };
    console.error(`  ${run.model.label}: ${fmt(t.tokensPerSec)} tok/s (${t.steps} steps)`);
  }
  peaks.webgpu = Math.max(peaks.webgpu, await webgpuPeak(start.peakN, 2));
  return `${start.device}; peak from a ${start.peakN}² product`;
}

async function main() {
  await initBackend('wasm');
  const runs: Run[] = selectModels(env.models).map((model) => {
    const spec = specOf(model, env.tiny);
    const flopsPerToken = trainFlopsPerWindow(spec, V) / spec.model.contextLength;
    return { model, spec, result: { label: model.label, flopsPerToken, params: { costModel: countParams(spec.model, V), tfjs: 0 }, slmlab: {}, heapMiB: 0 } };
  });
  console.error(`relaxed SIMD (fused multiply-add): ${relaxedSimdAvailable() ? 'available' : 'NOT available: wasm-slmlab and wasm-slmlab-nofma run the same code'}`);
  const { peer, info, note } = await startPeer();
  const peaks: Peaks = {};
  await checkParams(runs, peer);
  await sampleWasmPeak(peaks, 5);
  await sampleNativePeaks(peer, peaks);
  const unfair = info && unfairPeerWarning(info, peaks.native1 ?? 0);
  if (unfair) console.error(unfair);
  for (const run of runs) await measurePerCore(run, peer, peaks);
  VARIANTS['wasm-slmlab']();
  if (env.machine) await measureMachine(runs, peer);
  await sampleWasmPeak(peaks, 5);
  await sampleNativePeaks(peer, peaks);
  peer?.close();
  const webgpuDevice = await measureWebgpu(runs, peaks);
  const results = runs.map((r) => r.result);
  print(results, peaks, note, unfair);
  await mkdir('bench-results', { recursive: true });
  const file = `bench-results/train-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  const settings = { ...env, fma: relaxedSimdAvailable() };
  await writeFile(file, JSON.stringify({ date: new Date().toISOString(), settings, peer: info ?? note, peaks, webgpu: webgpuDevice, models: results }, null, 2));
  console.log(`\nwritten to ${file}`);
  const differ = results.some((r) => r.params.costModel !== r.params.tfjs || (r.params.torch !== undefined && !paramsAgree(r.params)));
  process.exit(differ ? 1 : 0); // and Dawn's device, once created, keeps the event loop alive
}

function print(results: ModelResult[], peaks: Peaks, peerNote: string, unfair: string | undefined) {
  const out = ['', `slmlab (wasm-slmlab, 1 process) against PyTorch (1 thread): medians of ${env.rounds} alternating rounds, ${env.seconds} s each`];
  out.push(`PyTorch peer: ${peerNote}${peerNote.startsWith('missing') ? ` (${INSTALL_HINT})` : ''}`);
  out.push(env.prune
    ? 'last-token transformers: the last block computed at the last position only, in slmlab and the peer alike (BENCH_PRUNE=0: every position, as the study\'s code)'
    : 'last-token transformers: every position of the last block computed, in slmlab and the peer alike (BENCH_PRUNE=0)');
  if (unfair) out.push('', unfair);
  out.push('', ...perCoreTable(results, peaks), '', ...variantTable(results, peaks));
  if (env.machine) out.push('', `whole machine: ${env.processes} processes against ${env.processes} threads`, '', ...machineTable(results, env.processes));
  out.push('', peaksLine(peaks, env.processes));
  if (env.tiny) out.push("shapes: BENCH_TINY=1, every model at T=16, d_model=32 (not the study's shapes the labels name)");
  console.log(out.join('\n'));
}

await main();
