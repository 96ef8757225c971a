// Jobs on webgpu train in a child process each (SLMLAB_SANDBOX=auto): one alone, two in sequence and two at once
// (a worker with WORKER_CONCURRENCY=2) must give the same model to the bit. Runs on whatever adapter Dawn finds
// — SwiftShader in CI (scripts/test.sh points VK_ICD_FILENAMES at it) — at tiny shapes, since that is slow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpec } from '@slmlab/core';
import { decodeCheckpoint } from '../ml/checkpoint.ts';
import type { TrainEvents, TrainInput, TrainOutput } from './run-training.ts';
import { processTrainer, resolveSandbox } from './trainer.ts';

const spec = parseSpec({
  dataset: 'tinyshakespeare',
  model: { kind: 'transformer', layers: 1, contextLength: 8, dModel: 16, heads: 2, ffnHidden: 32, positions: 'rope', dropout: 0.1, attnDropout: 0.1 },
  training: { epochs: 1, windowsPerEpoch: 192, batchSize: 64, evalWindows: 64, seed: 5 },
});

const input: TrainInput = {
  experimentId: 'webgpu-sandbox-test',
  spec,
  data: { dataDir: process.env.SLMLAB_DATA_DIR!, allowDownload: false },
  checkpointEvery: { steps: 0, seconds: 0 },
};

const quiet: TrainEvents = { epoch: async () => {}, progress: () => {}, checkpoint: async () => {}, resumed: () => {} };
const run = () => processTrainer('webgpu')(input, quiet, new AbortController().signal);

function fingerprint(o: TrainOutput) {
  const weights = decodeCheckpoint(o.best).values;
  return {
    losses: o.result.epochs.map((e) => [e.trainNll, e.valNll]),
    testNll: o.result.testNll,
    weights: [...weights.keys()].sort().map((k) => [k, Array.from(weights.get(k)!.data)]),
  };
}

test('webgpu trains in a child process per job under SLMLAB_SANDBOX=auto', () => {
  assert.equal(resolveSandbox('auto', 'webgpu'), 'process');
  assert.equal(resolveSandbox('auto', 'tensorflow-gpu'), 'process');
  assert.equal(resolveSandbox('auto', 'tensorflow'), 'process');
  assert.equal(resolveSandbox('auto', 'wasm'), 'thread');
  assert.equal(resolveSandbox('thread', 'webgpu'), 'thread');
});

test('webgpu jobs alone, in sequence and two at once give identical models', async () => {
  const first = await run();
  assert.equal(first.ranOn?.name, 'webgpu');
  assert.match(first.ranOn!.device, /webgpu/);
  const alone = fingerprint(first);
  assert.ok(Number.isFinite(alone.testNll) && alone.testNll > 0);
  for (let i = 0; i < 2; i++) assert.deepEqual(fingerprint(await run()), alone, `job ${i + 1} in sequence`);
  const together = await Promise.all([run(), run()]);
  together.forEach((o, i) => assert.deepEqual(fingerprint(o), alone, `job ${i + 1} of two at once`));
});
