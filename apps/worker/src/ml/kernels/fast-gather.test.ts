import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../tf.ts';
import { createRng } from '../rng.ts';
import { testBackend } from '../test-backend.ts';
import { registerFastGather, unregisterFastGather } from './fast-gather.ts';

test('gather along axis 0 agrees with the stock wasm kernel (values and gradients); other cases and bad ids go to it', async () => {
  await testBackend();
  const rng = createRng(31);
  const cases: [number[], number[], number][] = [
    [[65, 128], [4, 16], 0], [[7], [9], 0], [[5, 3, 2], [2, 2, 3], 0], [[6, 4], [5], -2], [[6, 4], [3], 1], [[1, 8], [0], 0],
  ];
  registerFastGather();
  for (const [shape, idShape, axis] of cases) {
    const x = tf.tensor(Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => rng.normal()), shape);
    const dim = shape[axis < 0 ? axis + shape.length : axis]!;
    const ids = tf.tensor(Int32Array.from({ length: idShape.reduce((p, d) => p * d, 1) }, () => rng.int(dim)), idShape, 'int32');
    const run = () => tf.tidy(() => {
      const y = tf.gather(x, ids, axis);
      const up = tf.randomNormal(y.shape, 0, 1, 'float32', 5);
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids, axis), up)))(x);
      return [y.shape, Array.from(y.dataSync()), Array.from(g.dataSync())] as const;
    });
    const fast = run();
    unregisterFastGather();
    const stock = run();
    registerFastGather();
    const label = `gather([${shape}], ids[${idShape}], axis ${axis})`;
    assert.deepEqual(fast, stock, label);
    tf.dispose([x, ids]);
  }
  const table = tf.ones([3, 2]);
  assert.throws(() => tf.gather(table, tf.tensor1d([0, 3], 'int32')).dataSync(), /index value 3/);
  table.dispose();
});
