// Phase `probe`: the box's GPU stack, the adapter Dawn finds, and the webgpu backend's own large-matmul peak
// (the yardstick for the training run's MFU). A software adapter (SwiftShader, llvmpipe) is reported and
// refused unless the run allows it (smoke mode): it is a CPU, not a GPU.
import { initBackend, type BackendInfo } from '../../apps/worker/src/ml/backend.ts';
import { isSoftwareAdapter } from '../../apps/worker/src/ml/backends/webgpu.ts';
import { peakMatrixSize } from '../../apps/worker/src/ml/peak.ts';
import { measurePeakGflops } from '../../apps/worker/src/ml/peak.ts';
import type { CheckConfig } from './config.ts';
import { envFacts } from './env-facts.ts';
import { CheckRefused, writeJson } from './report.ts';

export async function probe(cfg: CheckConfig): Promise<void> {
  const env = envFacts();
  const record: Record<string, unknown> = { env };
  writeJson(cfg.out, 'probe.json', record);
  console.log(`GPUs (nvidia-smi): ${env.gpus.join(' | ') || 'none reported'}`);
  let info: BackendInfo;
  try {
    info = await initBackend('webgpu', cfg.adapter ? { webgpuAdapter: cfg.adapter } : {});
  } catch (err) {
    record.error = (err as Error).message;
    writeJson(cfg.out, 'probe.json', record);
    throw err;
  }
  const software = isSoftwareAdapter(info.adapter!);
  Object.assign(record, { adapter: info.adapter, software, device: info.device });
  console.log(`Dawn adapter: ${JSON.stringify(info.adapter)}`);
  console.log(`  → ${info.device}; ${software ? 'SOFTWARE adapter (a CPU, not a GPU)' : 'hardware adapter'}`);
  writeJson(cfg.out, 'probe.json', record);
  if (software && !cfg.allowSoftware) throw new CheckRefused('Dawn found only a software adapter: no GPU to check (GPU_CHECK_SMOKE=1 accepts it)');
  const n = cfg.peakN ?? peakMatrixSize(info);
  const peak = await measurePeakGflops({ n, trials: 3, msPerTrial: 500 });
  Object.assign(record, { peak: { n, gflops: peak } });
  console.log(`webgpu ${n}² float32 matmul peak: ${peak.toFixed(1)} GFLOP/s`);
  writeJson(cfg.out, 'probe.json', record);
}
