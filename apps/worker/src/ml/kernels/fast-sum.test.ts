import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../tf.ts';
import { createRng } from '../rng.ts';
import { testBackend } from '../test-backend.ts';
import { registerFastSum, unregisterFastSum } from './fast-sum.ts';

test('Sum over any axes and keepDims agrees with the stock wasm kernel, values and gradients', async () => {
  await testBackend();
  const rng = createRng(8);
  const cases: [number[], number | number[], boolean][] = [
    [[37, 5], 0, false], [[37, 5], [0], true], [[4, 6, 3], [0, 1], false], [[4, 6, 3], [0, 1], true],
    [[4, 6, 3], 2, false], [[4, 6, 3], [0, 2], false], [[4, 6, 3], [1], true], [[9], 0, false], [[2, 3, 4, 5], [0, 1, 2], true],
    // even row widths take the SIMD path
    [[50, 6], 0, false], [[3, 7, 10], [0, 1], true], [[2000, 128], 0, false], [[8], 0, true],
  ];
  for (const [shape, axis, keepDims] of cases) {
    const x = tf.tensor(Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => rng.normal()), shape);
    const run = () => tf.tidy(() => {
      const y = tf.sum(x, axis, keepDims);
      const up = tf.onesLike(y).mul(tf.range(0, y.size).reshape(y.shape).add(1));
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.sum(t, axis, keepDims), up)))(x);
      return [Array.from(y.dataSync()), y.shape, Array.from(g.dataSync())] as const;
    });
    const fast = run();
    unregisterFastSum();
    const stock = run();
    registerFastSum();
    const label = `sum([${shape}], ${JSON.stringify(axis)}, keepDims=${keepDims})`;
    assert.deepEqual(fast[1], stock[1], `${label} shape`);
    // relative: the stock kernel sums in float32, ours in float64 (sums of 2000 rows differ in the 6th digit)
    fast[0].forEach((v, i) => assert.ok(Math.abs(v - stock[0][i]!) < 1e-4 * (1 + Math.abs(v)), `${label}[${i}]: ${v} vs ${stock[0][i]}`));
    fast[2].forEach((v, i) => assert.ok(Math.abs(v - stock[2][i]!) < 1e-4, `${label} grad[${i}]`));
    x.dispose();
  }
});
