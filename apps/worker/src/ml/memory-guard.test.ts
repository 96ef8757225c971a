import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MAX_TRAINING_MEMORY_BYTES, LimitExceededError, WASM_HEAP_BYTES, estimateMemoryBytes, parseSpec } from '@slmlab/core';
import { tf } from './tf.ts';
import { testBackend } from './test-backend.ts';
import { randomBatch } from './data/windows.ts';
import { batchNll } from './loss.ts';
import { buildModel } from './models/index.ts';
import { createRng } from './rng.ts';
import { createAdam } from './adam-state.ts';
import { tokenTensor } from './kernels/embedding.ts';
import { checkMemoryFits } from './memory-guard.ts';

// The pre-LN RoPE transformer keeps the most per layer of the study's models (measured: cost.ts).
const transformer = (layers: number) =>
  parseSpec({ dataset: 'tinyshakespeare', model: { kind: 'transformer', layers, heads: 4, block: 'pre-ln', positions: 'rope' }, training: {} });

/** The deepest such transformer whose estimate the API's default limit admits. */
function largestAdmitted(): number {
  let layers = 1;
  while (estimateMemoryBytes(transformer(layers + 1)) <= DEFAULT_MAX_TRAINING_MEMORY_BYTES) layers++;
  return layers;
}

test('the largest transformer the default memory limit admits trains on wasm, its heap under the estimate', async () => {
  await testBackend();
  const spec = transformer(largestAdmitted());
  const [T, B, V] = [spec.model.contextLength, spec.training.batchSize, 65];
  const model = buildModel(spec, V, createRng(1), createRng(2));
  const opt = createAdam(3e-4);
  const tokens = Int32Array.from({ length: 50_000 }, (_, i) => (i * 7919) % V);
  const rng = createRng(3);
  for (let step = 0; step < 2; step++) {
    const batch = randomBatch(tokens, T, B, rng, 'last');
    const loss = tf.tidy(() => opt.minimize(() => batchNll(model.logits(tokenTensor(batch.x, B, T), true), batch.y), true)!);
    assert.ok(Number.isFinite(loss.dataSync()[0]));
    loss.dispose();
  }
  const heap = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
  opt.dispose();
  model.params.dispose();
  assert.ok(heap <= estimateMemoryBytes(spec), `heap ${heap} B > estimate ${estimateMemoryBytes(spec)} B at ${spec.model.kind === 'transformer' && spec.model.layers} layers`);
});

test('on wasm a run estimated past the 4 GiB heap is refused before its model is built, with the numbers', async () => {
  await testBackend();
  let layers = largestAdmitted();
  while (estimateMemoryBytes(transformer(layers)) <= WASM_HEAP_BYTES) layers++;
  const spec = transformer(layers);
  assert.throws(() => checkMemoryFits(spec), (err: unknown) => {
    assert.ok(err instanceof LimitExceededError);
    assert.equal(err.retryable, false);
    assert.deepEqual(err.limits.memoryBytes, { estimate: estimateMemoryBytes(spec), limit: WASM_HEAP_BYTES });
    assert.match(err.message, /wasm backend's heap can hold \(4\.00 GiB\)/);
    return true;
  });
  assert.doesNotThrow(() => checkMemoryFits(transformer(layers - 1)));
});
