// Phase `summary`: reads what the other phases wrote (any may be missing: a phase that failed or ran out of
// time) and prints the comparison: parameter counts, forward parity with PyTorch, throughput and MFU per
// run, the two ratios the check exists for, and the losses step by step. Writes summary.json.
import type { CheckConfig } from './config.ts';
import { readJson, writeJson, type StepRecord, type Throughput } from './report.ts';

interface RunJson {
  backend?: { device?: string; name?: string };
  device?: string;
  params?: { costModel?: number; tfjs?: number; torch?: number };
  steps?: StepRecord[];
  throughput?: Throughput;
  peak?: { n: number; gflops: number };
  tokensPerStep?: number;
  parityLoss?: number;
  stoppedEarly?: string;
  error?: string;
}

const GOALS = { webgpuOverWasm: 30, webgpuOverTorch: 0.5 };

export function summarize(cfg: CheckConfig): void {
  const probe = readJson<{ adapter?: object; software?: boolean; device?: string; peak?: { n: number; gflops: number }; error?: string }>(cfg.out, 'probe.json');
  const exp = readJson<RunJson>(cfg.out, 'export.json');
  const runs = { webgpu: readJson<RunJson>(cfg.out, 'webgpu.json'), wasm: readJson<RunJson>(cfg.out, 'wasm.json'), torch: readJson<RunJson>(cfg.out, 'torch.json') };
  if (runs.webgpu && probe?.peak) runs.webgpu.peak = probe.peak;
  console.log(`== results${cfg.smoke ? ' (SMOKE: tiny model)' : ''} ==`);
  if (probe?.software) console.log('!! software WebGPU adapter: a CPU. None of these numbers is a GPU number.');
  console.log(`adapter: ${probe?.device ?? `none (${probe?.error ?? 'probe did not run'})`}`);
  const params = paramLine(exp, runs);
  const ratios = ratioLines(runs);
  throughputTable(runs);
  console.log(ratios.lines.join('\n'));
  const losses = lossTable(runs);
  writeJson(cfg.out, 'summary.json', { smoke: cfg.smoke, software: probe?.software, adapter: probe?.adapter, params, ratios: ratios.values, goals: GOALS, losses });
}

function paramLine(exp: RunJson | undefined, runs: Record<string, RunJson | undefined>) {
  const counts = {
    costModel: exp?.params?.costModel,
    tfjs: exp?.params?.tfjs ?? runs.webgpu?.params?.tfjs ?? runs.wasm?.params?.tfjs,
    torch: runs.torch?.params?.torch,
  };
  const known = Object.values(counts).filter((n): n is number => n !== undefined);
  const same = known.length > 1 && known.every((n) => n === known[0]);
  const fmt = (n?: number) => (n === undefined ? '—' : n.toLocaleString('en'));
  console.log(`parameters: cost model ${fmt(counts.costModel)}, tfjs model ${fmt(counts.tfjs)}, PyTorch ${fmt(counts.torch)} → ${same ? 'equal' : known.length > 1 ? 'DIFFERENT' : 'not comparable'}`);
  const [a, b] = [exp?.parityLoss, runs.torch?.parityLoss];
  if (a !== undefined && b !== undefined) {
    console.log(`forward parity (slmlab's initial weights, eval mode, first validation batch): tfjs ${a.toFixed(6)}, PyTorch ${b.toFixed(6)}, |Δ| ${Math.abs(a - b).toExponential(2)}`);
  }
  return { ...counts, equal: same, parityLoss: { tfjs: a, torch: b } };
}

function throughputTable(runs: Record<string, RunJson | undefined>) {
  console.log('\n| run | device | steps timed (after warm-up) | tokens/s | GFLOP/s | MFU (vs own large matmul) |');
  console.log('|---|---|---|---|---|---|');
  for (const [name, r] of Object.entries(runs)) {
    if (!r) {
      console.log(`| ${name} | did not run | | | | |`);
      continue;
    }
    const t = r.throughput;
    const mfu = t && r.peak ? `${((100 * t.gflops) / r.peak.gflops).toFixed(1)}% of ${r.peak.gflops.toPrecision(3)} GFLOP/s (${r.peak.n}²)` : '—';
    const device = r.backend?.device ?? r.device ?? (r.error ? `did not run: ${r.error}` : '');
    const timed = t ? `${t.timedSteps} (after ${t.warmup})${r.stoppedEarly ? ', stopped early' : ''}` : 'none';
    console.log(`| ${name} | ${device} | ${timed} | ${t ? Math.round(t.tokensPerSec).toLocaleString('en') : '—'} | ${t ? t.gflops.toFixed(2) : '—'} | ${mfu} |`);
  }
}

function ratioLines(runs: Record<string, RunJson | undefined>) {
  const tps = (r?: RunJson) => r?.throughput?.tokensPerSec;
  const ratio = (a?: number, b?: number) => (a !== undefined && b !== undefined ? a / b : undefined);
  const values = { webgpuOverWasm: ratio(tps(runs.webgpu), tps(runs.wasm)), webgpuOverTorch: ratio(tps(runs.webgpu), tps(runs.torch)) };
  const line = (label: string, v: number | undefined, goal: number) =>
    `${label}: ${v === undefined ? '— (a run is missing)' : `${v.toPrecision(3)}× (goal ≥ ${goal}×: ${v >= goal ? 'met' : 'NOT met'})`}`;
  const lines = [
    '',
    line('webgpu / wasm on one core, tokens/s', values.webgpuOverWasm, GOALS.webgpuOverWasm),
    line('webgpu / PyTorch, tokens/s', values.webgpuOverTorch, GOALS.webgpuOverTorch),
  ];
  return { values, lines };
}

/** Losses side by side over the steps the runs took; webgpu and wasm share every random draw. */
function lossTable(runs: Record<string, RunJson | undefined>) {
  const [g, w, p] = [runs.webgpu?.steps ?? [], runs.wasm?.steps ?? [], runs.torch?.steps ?? []];
  const n = Math.max(g.length, w.length, p.length);
  if (!n) return [];
  console.log('\n| step | webgpu | wasm | |webgpu − wasm| | PyTorch (same init and batches, own dropout masks) |');
  console.log('|---|---|---|---|---|');
  const rows = [];
  for (let i = 0; i < n; i++) {
    const [a, b, c] = [g[i]?.loss, w[i]?.loss, p[i]?.loss];
    const diff = a !== undefined && b !== undefined ? Math.abs(a - b) : undefined;
    const f = (x?: number) => (x === undefined ? '' : x.toFixed(4));
    console.log(`| ${i + 1} | ${f(a)} | ${f(b)} | ${diff === undefined ? '' : diff.toExponential(1)} | ${f(c)} |`);
    rows.push({ step: i + 1, webgpu: a, wasm: b, torch: c });
  }
  const diffs = rows.filter((r) => r.webgpu !== undefined && r.wasm !== undefined).map((r) => Math.abs(r.webgpu! - r.wasm!));
  if (diffs.length) console.log(`max |webgpu − wasm| over the ${diffs.length} steps both ran: ${Math.max(...diffs).toExponential(2)}`);
  return rows;
}
