// The command line loads checkpoints: `slmlab train --checkpoint` writes the best weights and `slmlab eval` on
// that file measures the same test NLL; a training-state checkpoint (as the worker stores and the API serves)
// loads too, its best or its current weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseSpec } from '@slmlab/core';
import { loadCorpus } from '../apps/worker/src/ml/data/index.ts';
import { testBackend } from '../apps/worker/src/ml/test-backend.ts';
import { train } from '../apps/worker/src/ml/train.ts';
import { evaluate } from '../apps/worker/src/ml/evaluate.ts';
import { loadTensors } from '../apps/worker/src/ml/checkpoint.ts';
import { buildModel } from '../apps/worker/src/ml/models/index.ts';
import { createRng } from '../apps/worker/src/ml/rng.ts';
import { decodeTrainState } from '../apps/worker/src/ml/train-state.ts';
import { repoRoot } from './helpers/stack.ts';

const run = promisify(execFile);
const slmlab = (...args: string[]) => run(path.join(repoRoot, 'bin/slmlab'), args, { cwd: repoRoot, env: { ...process.env, SLMLAB_BACKEND: 'wasm' } });
const SPEC = { dataset: 'tinyshakespeare', model: { kind: 'mlp', contextLength: 16, dModel: 32, hidden: 64 }, training: { epochs: 2, windowsPerEpoch: 1024, evalWindows: 500, seed: 3 } };

test('slmlab eval on a `train --checkpoint` file gives the test NLL training measured', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'slmlab-cli-'));
  try {
    const [specFile, out, ckpt] = ['spec.json', 'result.json', 'best.ckpt'].map((f) => path.join(dir, f));
    await writeFile(specFile!, JSON.stringify(SPEC));
    await slmlab('train', specFile!, `--out=${out}`, `--checkpoint=${ckpt}`, '--no-download');
    const trained = JSON.parse(await readFile(out!, 'utf8')) as { result: { testNll: number; bestValNll: number } };
    const test = JSON.parse((await slmlab('eval', ckpt!, '--no-download')).stdout) as { nll: number; split: string };
    assert.equal(test.split, 'test');
    assert.equal(test.nll, trained.result.testNll);
    const valid = JSON.parse((await slmlab('eval', ckpt!, '--split=valid', '--no-download')).stdout) as { nll: number };
    assert.equal(valid.nll, trained.result.bestValNll);
    await assert.rejects(slmlab('eval', ckpt!, '--split=train'), /--split must be test or valid/);
    await writeFile(path.join(dir, 'junk.ckpt'), 'not a checkpoint at all');
    await assert.rejects(slmlab('eval', path.join(dir, 'junk.ckpt')), /bad magic/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('slmlab eval loads a training-state checkpoint: best weights by default, current ones on request', async () => {
  await testBackend();
  const spec = parseSpec({ ...SPEC, training: { ...SPEC.training, learningRate: 0.05 } });
  const corpus = await loadCorpus('tinyshakespeare', { dataDir: process.env.SLMLAB_DATA_DIR!, allowDownload: false });
  const states: Uint8Array[] = [];
  const extra = { vocab: corpus.vocab };
  const { result, model } = await train(spec, corpus, { checkpoint: { extra, save: async (b) => void states.push(b) } });
  model.params.dispose();
  // The state's current weights, loaded here without the CLI.
  const lastEpoch = buildModel(spec, corpus.vocab.length, createRng(0), createRng(0));
  loadTensors(lastEpoch.params, decodeTrainState(states.at(-1)!, spec).tensors, 'model/');
  const evalOpts = { contextLength: 16, windows: 500, batchSize: spec.training.batchSize };
  const lastEpochTestNll = (await evaluate(lastEpoch, corpus.test, evalOpts)).nll;
  lastEpoch.params.dispose();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'slmlab-cli-'));
  try {
    const file = path.join(dir, 'state.ckpt');
    await writeFile(file, states.at(-1)!);
    const best = JSON.parse((await slmlab('eval', file, '--no-download')).stdout) as { nll: number; weights: string };
    assert.deepEqual([best.weights, best.nll], ['best', result.testNll]);
    const last = JSON.parse((await slmlab('eval', file, '--weights=current', '--no-download')).stdout) as { nll: number };
    assert.equal(last.nll, lastEpochTestNll);
    if (result.bestEpoch !== 2) assert.notEqual(last.nll, best.nll, 'the best epoch was not the last: other weights');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
