import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from './tf.ts';
import { createRng } from './rng.ts';
import { testBackend } from './test-backend.ts';
import { decodeCheckpoint, encodeCheckpoint, loadWeights } from './checkpoint.ts';
import { linearModel } from './models/linear.ts';

test('save → load gives identical logits', async () => {
  await testBackend();
  const cfg = { vocabSize: 13, contextLength: 6, dModel: 8 };
  const a = linearModel(cfg, createRng(1));
  const b = linearModel(cfg, createRng(2));
  const x = tf.tensor2d([[1, 2, 3, 4, 5, 6], [12, 0, 12, 0, 12, 0]], [2, 6], 'int32');
  const before = await b.logits(x, false).data();
  const bytes = await encodeCheckpoint(a.params, { note: 'test' });
  const decoded = decodeCheckpoint(bytes);
  assert.deepEqual(decoded.header.meta, { note: 'test' });
  loadWeights(b.params, decoded);
  const [la, lb] = [await a.logits(x, false).data(), await b.logits(x, false).data()];
  assert.deepEqual(lb, la);
  assert.notDeepEqual(before, la);
  a.params.dispose();
  b.params.dispose();
  x.dispose();
});

test('a checkpoint of another shape or not a checkpoint at all is refused', async () => {
  await testBackend();
  const a = linearModel({ vocabSize: 5, contextLength: 3, dModel: 4 }, createRng(1));
  const b = linearModel({ vocabSize: 5, contextLength: 4, dModel: 4 }, createRng(1));
  const decoded = decodeCheckpoint(await encodeCheckpoint(a.params, {}));
  assert.throws(() => loadWeights(b.params, decoded), /shape/);
  assert.throws(() => decodeCheckpoint(new TextEncoder().encode('hello world!')), /bad magic/);
  a.params.dispose();
  b.params.dispose();
});
