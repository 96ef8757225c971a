// The GPU check's Node side, bundled into one file for a box without Node (scripts/gpu-check.sh pack).
// run.sh starts one process per phase, each under its own timeout, so a hang in one loses only that phase:
//   node gpu-check.mjs probe | export | webgpu | wasm | summary  [--budget=SECONDS]
import { measurePeakGflops } from '../../apps/worker/src/ml/peak.ts';
import { loadConfig } from './config.ts';
import { exportForPeer } from './export.ts';
import { probe } from './probe.ts';
import { CheckRefused, readJson, writeJson } from './report.ts';
import { summarize } from './summary.ts';
import { trainPhase } from './train-phase.ts';

async function main(argv: string[]): Promise<void> {
  const [phase] = argv;
  const budget = Number(argv.find((a) => a.startsWith('--budget='))?.slice('--budget='.length) ?? 120);
  const cfg = loadConfig();
  switch (phase) {
    case 'probe':
      return probe(cfg);
    case 'export':
      return exportForPeer(cfg);
    case 'webgpu':
      return trainPhase(cfg, 'webgpu', budget);
    case 'wasm':
      await trainPhase(cfg, 'wasm', budget - 5);
      return recordWasmPeak(cfg.out);
    case 'summary':
      return summarize(cfg);
    default:
      throw new Error(`unknown phase ${phase} (probe, export, webgpu, wasm, summary)`);
  }
}

/** wasm's own 1024² matmul peak (ml/peak.ts, as `npm run bench:train` uses it), for its MFU. */
async function recordWasmPeak(out: string) {
  const record = readJson<Record<string, unknown>>(out, 'wasm.json') ?? {};
  record.peak = { n: 1024, gflops: await measurePeakGflops({ trials: 3, msPerTrial: 500 }) };
  writeJson(out, 'wasm.json', record);
}

main(process.argv.slice(2)).then(
  () => process.exit(0), // Dawn's device keeps the event loop alive
  (err: unknown) => {
    console.error(`gpu-check: ${err instanceof CheckRefused ? err.message : ((err as Error)?.stack ?? err)}`);
    process.exit(1);
  },
);
