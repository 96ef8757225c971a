// bench:train's results and the markdown it prints: medians over rounds, slmlab/PyTorch ratios, MFU.
// Pure functions of the measurements (bench-report.test.ts).
import type { Variant } from './slmlab-trainer.ts';

/** One model's measurements; tokens/s per round under each key. */
export interface ModelResult {
  label: string;
  /** Training FLOPs per token (the cost model's faithful count): tokens/s × this = FLOP/s. */
  flopsPerToken: number;
  params: { costModel: number; tfjs: number; torch?: number };
  /** tokens/s per round of each slmlab variant. */
  slmlab: Partial<Record<Variant, number[]>>;
  /** PyTorch on 1 thread, per round (absent without the peer or when its parameter count differs). */
  torch?: number[];
  /** BENCH_MACHINE=1: N slmlab processes summed, and PyTorch on N threads, per round. */
  machine?: { slmlab: number[]; torch: number[] };
  /** webgpu (only on a real GPU adapter, or BENCH_WEBGPU=force): one measurement, and its memory. */
  webgpu?: { tokensPerSec: number; MiB: number };
  /** wasm heap high-water after the model, MiB. */
  heapMiB: number;
}

export interface Peaks {
  /** The wasm backend's fastest product (ml/peak.ts: XNNPACK's 1024² or slmlab's dense-layer product), one thread. */
  wasm?: number;
  /** torch.mm of 1024² on 1 and on N threads. */
  native1?: number;
  nativeN?: number;
  webgpu?: number;
}

export function median(xs: readonly number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Whether slmlab's two counts and the peer's agree: a ratio is reported only for the same model. */
export function paramsAgree(p: ModelResult['params']): boolean {
  return p.costModel === p.tfjs && p.torch === p.costModel;
}

/** slmlab over PyTorch, medians against medians; undefined where either is missing or the models differ. */
export function ratio(r: ModelResult, machine = false): number | undefined {
  const ours = machine ? r.machine?.slmlab : r.slmlab['wasm-slmlab'];
  const theirs = machine ? r.machine?.torch : r.torch;
  if (!ours?.length || !theirs?.length || !paramsAgree(r.params)) return undefined;
  return median(ours) / median(theirs);
}

/** Each round's ratio (round i of slmlab against round i of the peer), to show the run's noise. */
export function roundRatios(ours: readonly number[] = [], theirs: readonly number[] = []): number[] {
  return ours.slice(0, theirs.length).map((x, i) => x / theirs[i]!);
}

const int = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '—' : Math.round(x).toLocaleString('en'));
const fixed = (x: number | undefined, digits = 2) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits));
const pct = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '—' : `${(100 * x).toFixed(1)}%`);
const med = (xs?: readonly number[]) => (xs?.length ? median(xs) : undefined);

export function paramTable(results: readonly ModelResult[]): string[] {
  const lines = ['| model | cost model | tfjs model | PyTorch peer | |', '|---|---|---|---|---|'];
  for (const r of results) {
    const p = r.params;
    const verdict = p.torch === undefined ? (p.costModel === p.tfjs ? 'no peer' : 'DIFFER') : paramsAgree(p) ? 'equal' : 'DIFFER: no ratio';
    lines.push(`| ${r.label} | ${int(p.costModel)} | ${int(p.tfjs)} | ${int(p.torch)} | ${verdict} |`);
  }
  return lines;
}

/** The per-core comparison: one slmlab process (wasm-slmlab) against PyTorch on one thread. */
export function perCoreTable(results: readonly ModelResult[], peaks: Peaks): string[] {
  const lines = [
    '| model | slmlab tok/s | PyTorch tok/s (1 thread) | ratio | per round | slmlab GFLOP/s | MFU (vs wasm peak) | of native sgemm (1 thread) | PyTorch of native sgemm | FMA gain | × stock |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const ours = med(r.slmlab['wasm-slmlab']);
    const theirs = med(r.torch);
    const nofma = med(r.slmlab['wasm-slmlab-nofma']);
    const stock = med(r.slmlab['wasm-stock']);
    const gflops = ours === undefined ? undefined : (ours * r.flopsPerToken) / 1e9;
    const torchGflops = theirs === undefined ? undefined : (theirs * r.flopsPerToken) / 1e9;
    const q = ratio(r);
    const rounds = r.params.torch === undefined ? '' : paramsAgree(r.params) ? roundRatios(r.slmlab['wasm-slmlab'], r.torch).map((x) => x.toFixed(2)).join(', ') : 'params differ';
    lines.push(
      `| ${r.label} | ${int(ours)} | ${int(theirs)} | ${q === undefined ? '—' : `${q.toFixed(2)}×`} | ${rounds || '—'} | ${fixed(gflops)} | ` +
        `${pct(gflops && peaks.wasm && gflops / peaks.wasm)} | ${pct(gflops && peaks.native1 && gflops / peaks.native1)} | ` +
        `${pct(torchGflops && peaks.native1 && torchGflops / peaks.native1)} | ${ours && nofma ? `${(ours / nofma).toFixed(2)}×` : '—'} | ` +
        `${ours && stock ? `${(ours / stock).toFixed(2)}×` : '—'} |`,
    );
  }
  return lines;
}

/** Every variant's median, as the bench printed before the peer (tokens/s, GFLOP/s, MFU, memory). */
export function variantTable(results: readonly ModelResult[], peaks: Peaks): string[] {
  const lines = [
    '| variant | model | tokens/s (median) | rounds | GFLOP/s | MFU (vs own large matmul) | memory high-water MiB (wasm heap / webgpu buffers, process so far) |',
    '|---|---|---|---|---|---|---|',
  ];
  const variants = [...new Set(results.flatMap((r) => Object.keys(r.slmlab)))] as Variant[];
  for (const v of variants) {
    for (const r of results) {
      const xs = r.slmlab[v];
      if (!xs?.length) continue;
      const gflops = (median(xs) * r.flopsPerToken) / 1e9;
      lines.push(`| ${v} | ${r.label} | ${int(median(xs))} | ${xs.length} | ${fixed(gflops)} | ${pct(peaks.wasm && gflops / peaks.wasm)} | ${Math.round(r.heapMiB)} |`);
    }
  }
  for (const r of results) {
    if (!r.webgpu) continue;
    const gflops = (r.webgpu.tokensPerSec * r.flopsPerToken) / 1e9;
    lines.push(`| webgpu | ${r.label} | ${int(r.webgpu.tokensPerSec)} | 1 | ${fixed(gflops)} | ${pct(peaks.webgpu && gflops / peaks.webgpu)} | ${Math.round(r.webgpu.MiB)} |`);
  }
  return lines;
}

/** The whole machine: N slmlab processes (summed) against PyTorch on N threads. */
export function machineTable(results: readonly ModelResult[], n: number): string[] {
  const lines = [
    `| model | slmlab, ${n} processes (sum) | PyTorch, ${n} threads | ratio | per round |`,
    '|---|---|---|---|---|',
  ];
  for (const r of results) {
    if (!r.machine) continue;
    const q = ratio(r, true);
    const rounds = roundRatios(r.machine.slmlab, r.machine.torch).map((x) => x.toFixed(2)).join(', ');
    lines.push(`| ${r.label} | ${int(med(r.machine.slmlab))} | ${int(med(r.machine.torch))} | ${q === undefined ? '—' : `${q.toFixed(2)}×`} | ${rounds || '—'} |`);
  }
  return lines;
}

export function peaksLine(p: Peaks, n: number): string {
  const parts = [
    p.native1 === undefined ? 'native sgemm not measured (no peer)' : `native sgemm (torch.mm 1024²) ${fixed(p.native1, 1)} on 1 thread, ${fixed(p.nativeN, 1)} on ${n} threads`,
    `wasm peak (best of 1024² and a [4096,128]·[128,384] product) ${fixed(p.wasm, 1)}`,
    ...(p.webgpu ? [`webgpu ${fixed(p.webgpu, 1)}`] : []),
  ];
  return `peaks (GFLOP/s, best sampled in this run): ${parts.join('; ')}`;
}
