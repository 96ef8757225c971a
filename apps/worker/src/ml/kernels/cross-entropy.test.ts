// The fused cross-entropy against the tfjs formulation (loss.ts's nll on the cpu backend): the loss and the
// logits' gradient, for vocabularies with and without a ragged tail of 1–3 columns, large and very negative
// logits, one row and many.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../tf.ts';
import { createRng } from '../rng.ts';
import { testBackend } from '../test-backend.ts';
import { fusedCrossEntropy } from './cross-entropy.ts';
import { nll } from '../loss.ts';

test('the fused cross-entropy gives the tfjs formulation\'s loss and gradient', async () => {
  await testBackend();
  const rng = createRng(31);
  for (const [rows, V, spread] of [[1, 2, 1], [5, 3, 2], [7, 65, 3], [64, 1001, 4], [3, 33278, 6], [9, 16, 60]] as const) {
    const logits = Float32Array.from({ length: rows * V }, () => spread * rng.normal());
    const targets = Int32Array.from({ length: rows }, () => rng.int(V));
    const run = (f: (x: tf.Tensor2D, t: tf.Tensor1D) => tf.Scalar) => {
      const [x, t] = [tf.tensor2d(logits, [rows, V]), tf.tensor1d(targets, 'int32')];
      const { value, grads } = tf.valueAndGrads((a: tf.Tensor) => tf.mul(f(a as tf.Tensor2D, t), 3) as tf.Scalar)([x]);
      const out = { loss: value.dataSync()[0]!, grad: grads[0]!.dataSync() as Float32Array };
      tf.dispose([x, t, value, ...grads]);
      return out;
    };
    const fused = run(fusedCrossEntropy);
    await tf.setBackend('cpu');
    let reference: typeof fused;
    try {
      reference = run(nll);
    } finally {
      await tf.setBackend('wasm');
    }
    const what = `[${rows}, ${V}] spread ${spread}`;
    assert.ok(Math.abs(fused.loss - reference.loss) <= 2e-5 * (1 + Math.abs(reference.loss)), `${what} loss ${fused.loss} vs ${reference.loss}`);
    fused.grad.forEach((g, i) => assert.ok(Math.abs(g - reference.grad[i]!) <= 1e-6 + 1e-4 * Math.abs(reference.grad[i]!), `${what} grad[${i}] ${g} vs ${reference.grad[i]}`));
  }
});

test('a NaN logit gives a NaN loss (training stops as diverged), not a number', async () => {
  await testBackend();
  const x = tf.tensor2d([[1, NaN, 3, 4, 5]], [1, 5]);
  const t = tf.tensor1d([0], 'int32');
  assert.ok(Number.isNaN(fusedCrossEntropy(x, t).dataSync()[0]));
  tf.dispose([x, t]);
});

test('a target outside the vocabulary is refused with its row, not read from another row', async () => {
  await testBackend();
  const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]], [2, 3]);
  const t = tf.tensor1d([0, 3], 'int32');
  assert.throws(() => fusedCrossEntropy(x, t), /target 3 of row 1 is outside the vocabulary of 3/);
  tf.dispose([x, t]);
});
