import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../tf.ts';
import { testBackend } from '../test-backend.ts';

test('a clone shares data yet outlives its source, and gradients through saved tensors are unchanged', async () => {
  await testBackend();
  const x = tf.tensor([1, 2, 3, 4], [2, 2]);
  const c = tf.clone(x);
  x.dispose();
  assert.deepEqual(Array.from(await c.data()), [1, 2, 3, 4]);
  c.dispose();
  // tanh saves its output through Identity; its gradient 1 − tanh² must read the right values.
  const v = tf.tensor([-1, 0, 0.5]);
  const g = await tf.grad((t: tf.Tensor) => tf.sum(tf.tanh(t)))(v).data();
  [-1, 0, 0.5].forEach((a, i) => assert.ok(Math.abs(g[i]! - (1 - Math.tanh(a) ** 2)) < 1e-6));
  v.dispose();
});
