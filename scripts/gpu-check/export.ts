// Phase `export` (wasm): what the PyTorch peer needs to be the same run, not just the same architecture —
// slmlab's initial weights for the seed (drawn in JS exactly as train() draws them), the batches train()
// samples for its first steps, and one evaluation batch with slmlab's eval-mode loss on it. The peer loads
// the weights, checks it computes the same loss on that batch (an exact re-implementation gives the same
// number to float32 rounding), then trains on the same batches; only its dropout masks are its own.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { countParams, trainFlopsPerWindow, type ExperimentSpec } from '@slmlab/core';
import { tf } from '../../apps/worker/src/ml/tf.ts';
import { initBackend } from '../../apps/worker/src/ml/backend.ts';
import { loadCorpus, type Corpus } from '../../apps/worker/src/ml/data/index.ts';
import { evalBatches, randomBatch } from '../../apps/worker/src/ml/data/windows.ts';
import { batchNll } from '../../apps/worker/src/ml/loss.ts';
import { buildModel } from '../../apps/worker/src/ml/models/index.ts';
import { createRng, deriveSeed } from '../../apps/worker/src/ml/rng.ts';
import { checkSpec, type CheckConfig } from './config.ts';
import { writeJson } from './report.ts';

export async function exportForPeer(cfg: CheckConfig): Promise<void> {
  await initBackend('wasm');
  mkdirSync(cfg.out, { recursive: true });
  const spec = checkSpec(cfg, cfg.webgpuSteps);
  const corpus = await loadCorpus('tinyshakespeare', { dataDir: cfg.dataDir, allowDownload: false });
  const V = corpus.vocab.length;
  const { seed, batchSize: B } = spec.training;
  const T = spec.model.contextLength;
  // the same generators, from the same derived seeds, that train() starts a run with
  const model = buildModel(spec, V, createRng(deriveSeed(seed, 'init')), createRng(deriveSeed(seed, 'dropout')));
  const weights = writeWeights(cfg.out, model.params.vars);
  writeBatches(cfg.out, corpus, spec, cfg.webgpuSteps);
  const probe = evalBatches(corpus.valid, T, B, B).next().value!;
  writeFileSync(path.join(cfg.out, 'parity.bin'), concat([probe.x, probe.y]));
  const parityLoss = tf.tidy(() => batchNll(model.logits(tf.tensor2d(probe.x, [B, T], 'int32'), false), probe.y).dataSync()[0]!);
  const record = {
    spec,
    vocabSize: V,
    params: { costModel: countParams(spec.model, V), tfjs: model.params.count() },
    flopsPerStep: trainFlopsPerWindow(spec, V) * B,
    tokensPerStep: B * T,
    steps: cfg.webgpuSteps,
    warmup: cfg.warmup,
    parityLoss,
    weights,
  };
  model.params.dispose();
  writeJson(cfg.out, 'export.json', record);
  console.log(`params: cost model ${record.params.costModel.toLocaleString('en')}, tfjs model ${record.params.tfjs.toLocaleString('en')}`);
  console.log(`eval-mode loss of the initial weights on the first validation batch (tfjs wasm): ${parityLoss.toFixed(6)}`);
}

/** init.bin: every variable's float32 values in the model's order; the manifest says where each starts. */
function writeWeights(out: string, vars: Map<string, tf.Variable>) {
  const manifest: { name: string; shape: number[]; offset: number }[] = [];
  const parts: Float32Array[] = [];
  let offset = 0;
  for (const [name, v] of vars) {
    manifest.push({ name, shape: v.shape, offset });
    parts.push(v.dataSync() as Float32Array);
    offset += v.size;
  }
  writeFileSync(path.join(out, 'init.bin'), concat(parts));
  return manifest;
}

/** batches.bin: per step, x [B, T] then y [B] as int32: train()'s sampler, from its seed. */
function writeBatches(out: string, corpus: Corpus, spec: ExperimentSpec, steps: number) {
  const sampler = createRng(deriveSeed(spec.training.seed, 'sample'));
  const parts: Int32Array[] = [];
  for (let i = 0; i < steps; i++) {
    const b = randomBatch(corpus.train, spec.model.contextLength, spec.training.batchSize, sampler, 'last');
    parts.push(b.x, b.y);
  }
  writeFileSync(path.join(out, 'batches.bin'), concat(parts));
}

function concat(parts: (Float32Array | Int32Array)[]): Buffer {
  return Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
}
