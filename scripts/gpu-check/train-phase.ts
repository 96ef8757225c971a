// Phases `webgpu` and `wasm`: the project's own train() on the check's spec, one epoch of exactly N steps,
// every step's loss and wall time recorded (and written after each step, so a phase killed by its timeout
// still reports the steps it took). Same seed on both backends: same initial weights, batches and dropout
// masks (all drawn in JS), so their losses should agree step for step to float32 rounding.
import { countParams, trainFlopsPerWindow } from '@slmlab/core';
import { tf } from '../../apps/worker/src/ml/tf.ts';
import { initBackend, type BackendInfo } from '../../apps/worker/src/ml/backend.ts';
import { isSoftwareAdapter } from '../../apps/worker/src/ml/backends/webgpu.ts';
import { loadCorpus } from '../../apps/worker/src/ml/data/index.ts';
import { TrainingStopped, train } from '../../apps/worker/src/ml/train.ts';
import { checkSpec, type CheckConfig } from './config.ts';
import { CheckRefused, throughput, writeJson, type StepRecord } from './report.ts';

export async function trainPhase(cfg: CheckConfig, backend: 'webgpu' | 'wasm', budgetSeconds: number): Promise<void> {
  let info: BackendInfo;
  try {
    info = await startBackend(cfg, backend);
  } catch (err) {
    writeJson(cfg.out, `${backend}.json`, { error: (err as Error).message }); // the summary says why it did not run
    throw err;
  }
  const steps = backend === 'webgpu' ? cfg.webgpuSteps : cfg.wasmSteps;
  const spec = checkSpec(cfg, steps);
  const corpus = await loadCorpus('tinyshakespeare', { dataDir: cfg.dataDir, allowDownload: false });
  const V = corpus.vocab.length;
  const B = spec.training.batchSize;
  const tokensPerStep = B * spec.model.contextLength;
  const flopsPerStep = trainFlopsPerWindow(spec, V) * B;
  const record: Record<string, unknown> = {
    backend: { name: info.name, device: info.device, threads: info.threads, gpu: info.gpu, adapter: info.adapter },
    model: spec.model,
    params: { costModel: countParams(spec.model, V) },
    tokensPerStep,
    flopsPerStep,
    stepsPlanned: steps,
    steps: [] as StepRecord[],
  };
  const records = record.steps as StepRecord[];
  const save = () => {
    record.throughput = throughput(records, cfg.warmup, tokensPerStep, flopsPerStep);
    writeJson(cfg.out, `${backend}.json`, record);
  };
  console.log(`${backend}: ${info.device}; ${steps} steps of batch ${B}, T=${spec.model.contextLength}`);
  // stop between steps before run.sh's timeout would kill the phase, so its last steps are kept
  const stop = AbortSignal.timeout(Math.max(1, budgetSeconds) * 1000);
  let last = performance.now();
  try {
    const run = await train(spec, corpus, {
      progressEveryMs: 0, // every step
      signal: stop,
      onProgress: (p) => {
        const now = performance.now();
        records.push({ step: p.step, loss: p.loss, ms: now - last });
        last = now;
        console.log(`  step ${String(p.step).padStart(3)}  loss ${p.loss.toFixed(4)}  ${(records.at(-1)!.ms).toFixed(0)} ms`);
        save();
      },
    });
    (record.params as Record<string, number>).tfjs = run.result.params;
    record.trainResult = { tokensPerSec: run.result.tokensPerSec, valNll: run.result.bestValNll, testNll: run.result.testNll };
    run.model.params.dispose();
  } catch (err) {
    if (!(err instanceof TrainingStopped)) throw err;
    record.stoppedEarly = `time budget of ${budgetSeconds} s spent after ${records.length} steps`;
  } finally {
    record.memory = tf.memory();
    save();
  }
}

/** The backend, refusing a software WebGPU adapter unless the run allows it (initBackend('webgpu') takes one). */
async function startBackend(cfg: CheckConfig, backend: 'webgpu' | 'wasm'): Promise<BackendInfo> {
  const info = await initBackend(backend, backend === 'webgpu' && cfg.adapter ? { webgpuAdapter: cfg.adapter } : {});
  if (backend === 'webgpu' && isSoftwareAdapter(info.adapter!) && !cfg.allowSoftware) {
    throw new CheckRefused(`refusing the software adapter (${info.device}): this is a GPU check`);
  }
  return info;
}
