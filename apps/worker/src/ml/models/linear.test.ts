import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countParams, parseSpec } from '@slmlab/core';
import { tf } from '../tf.ts';
import { createRng } from '../rng.ts';
import { testBackend } from '../test-backend.ts';
import { tokenizeShakespeare } from '../data/tinyshakespeare.ts';
import { train } from '../train.ts';
import { linearModel } from './linear.ts';

test('tfjs linear models have exactly the study\'s parameter counts (and the cost model agrees)', async () => {
  await testBackend();
  const expected = { 16: 141_505, 32: 274_625, 64: 540_865, 128: 1_073_345 };
  for (const [T, count] of Object.entries(expected)) {
    const model = linearModel({ vocabSize: 65, contextLength: Number(T), dModel: 128 }, createRng(1));
    assert.equal(model.params.count(), count, `T=${T}`);
    assert.equal(countParams({ kind: 'linear', contextLength: Number(T), dModel: 128 }, 65), count);
    model.params.dispose();
  }
});

test('logits have shape [B, 1, V] and the same seed gives the same weights', async () => {
  await testBackend();
  const a = linearModel({ vocabSize: 11, contextLength: 5, dModel: 8 }, createRng(3));
  const b = linearModel({ vocabSize: 11, contextLength: 5, dModel: 8 }, createRng(3));
  const x = tf.tensor2d([[1, 2, 3, 4, 5], [0, 0, 0, 0, 10]], [2, 5], 'int32');
  const la = a.logits(x, false);
  assert.deepEqual(la.shape, [2, 1, 11]);
  assert.deepEqual(await la.data(), await b.logits(x, false).data());
  tf.dispose([x, la]);
  a.params.dispose();
  b.params.dispose();
});

test('a tiny periodic corpus is learned to near-zero loss, with no tensors left behind', async () => {
  await testBackend();
  const corpus = tokenizeShakespeare('abcdefgh'.repeat(300), { train: 1600, valid: 400, test: 400 });
  const spec = parseSpec({
    dataset: 'tinyshakespeare',
    model: { kind: 'linear', contextLength: 4, dModel: 16 },
    training: { epochs: 3, windowsPerEpoch: 2048, batchSize: 32, learningRate: 0.01, evalWindows: 256 },
  });
  const before = tf.memory().numTensors;
  const { result, model } = await train(spec, corpus);
  model.params.dispose();
  assert.equal(tf.memory().numTensors, before);
  assert.ok(result.testNll < 0.05, `test NLL ${result.testNll}`);
  assert.equal(result.epochs.length, 3);
  assert.ok(result.epochs[2]!.trainNll < result.epochs[0]!.trainNll);
});
