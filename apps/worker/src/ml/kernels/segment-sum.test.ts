import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../tf.ts';
import { createRng } from '../rng.ts';
import { testBackend } from '../test-backend.ts';
import { segmentSum } from './segment-sum.ts';

/** The textbook definition, written independently: for each segment, sum the rows that map to it. */
function reference(x: number[][], ids: number[], n: number): number[][] {
  return Array.from({ length: n }, (_, s) =>
    x[0]!.map((_, j) => ids.reduce((acc, id, i) => (id === s ? acc + x[i]![j]! : acc), 0)),
  );
}

test('segmentSum matches the definition on random shapes, including unused and repeated segments', () => {
  const rng = createRng(5);
  for (let trial = 0; trial < 20; trial++) {
    const rows = 1 + rng.int(30);
    const cols = 1 + rng.int(9);
    const n = 1 + rng.int(12);
    const x = Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.normal()));
    const ids = Array.from({ length: rows }, () => rng.int(n));
    const got = segmentSum(x.flat(), ids, n, cols);
    const want = reference(x, ids, n).flat();
    want.forEach((w, i) => assert.ok(Math.abs(got[i]! - w) < 1e-5, `trial ${trial} at ${i}: ${got[i]} vs ${w}`));
  }
});

test('the gradient of an embedding lookup on wasm equals the cpu backend\'s reference kernel', async () => {
  await testBackend();
  const rng = createRng(9);
  const table = Array.from({ length: 7 * 3 }, () => rng.normal());
  const idx = Array.from({ length: 40 }, () => rng.int(7));
  const up = Array.from({ length: 40 * 3 }, () => rng.normal());
  const grad = () =>
    tf.tidy(() => {
      const g = tf.grad((w: tf.Tensor) => tf.sum(tf.mul(tf.gather(w, tf.tensor1d(idx, 'int32')), tf.tensor2d(up, [40, 3]))));
      return g(tf.tensor2d(table, [7, 3])).dataSync();
    });
  const wasm = grad();
  await tf.setBackend('cpu'); // the cpu backend's own UnsortedSegmentSum: the reference implementation
  const cpu = grad();
  await tf.setBackend('wasm');
  assert.equal(wasm.length, cpu.length);
  wasm.forEach((v, i) => assert.ok(Math.abs(v - cpu[i]!) < 1e-5, `at ${i}: ${v} vs ${cpu[i]}`));
});

test('on wasm, the SIMD segment sum of rows of 4k floats is bit-identical to the loop, out-of-range ids dropped', async () => {
  await testBackend();
  const rng = createRng(11);
  const [rows, cols, n] = [500, 12, 9];
  const x = Float32Array.from({ length: rows * cols }, () => rng.normal() * 10 ** rng.int(3));
  const ids = Int32Array.from({ length: rows }, () => rng.int(n + 2) - 1); // −1 and n: out of range
  const got = tf.tidy(() => tf.unsortedSegmentSum(tf.tensor2d(x, [rows, cols]), tf.tensor1d(ids, 'int32'), n).dataSync());
  assert.deepEqual(got, segmentSum(x, ids, n, cols));
});
