import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../tf.ts';
import { createRng } from '../rng.ts';
import { testBackend } from '../test-backend.ts';
import { applyRope } from './rope.ts';

const T = 12;
const hd = 32;

/** The same random vector at every position: [1, 1, T, hd]. */
function repeated(seed: number): tf.Tensor4D {
  const rng = createRng(seed);
  const v = Array.from({ length: hd }, () => rng.normal());
  return tf.tensor4d(Array.from({ length: T }, () => v).flat(), [1, 1, T, hd]);
}

test('RoPE leaves position 0 unchanged and preserves every vector\'s norm', async () => {
  await testBackend();
  const rng = createRng(1);
  const x = tf.tensor4d(Array.from({ length: 2 * T * hd }, () => rng.normal()), [1, 2, T, hd]);
  const y = applyRope(x);
  const [xs, ys] = [x.arraySync()[0]!, y.arraySync()[0]!];
  for (let h = 0; h < 2; h++) {
    xs[h]![0]!.forEach((v, i) => assert.ok(Math.abs(v - ys[h]![0]![i]!) < 1e-6, 'position 0'));
    for (let p = 0; p < T; p++) {
      const norm = (r: number[]) => Math.hypot(...r);
      assert.ok(Math.abs(norm(xs[h]![p]!) - norm(ys[h]![p]!)) < 1e-4, `norm at ${p}`);
    }
  }
});

test('RoPE: q·k depends only on the offset between positions', async () => {
  await testBackend();
  const q = applyRope(repeated(2)).arraySync()[0]![0]!;
  const k = applyRope(repeated(3)).arraySync()[0]![0]!;
  const dot = (m: number, n: number) => q[m]!.reduce((s, v, i) => s + v * k[n]![i]!, 0);
  for (const offset of [0, 1, 3, 7]) {
    const ref = dot(offset, 0);
    for (let n = 1; n + offset < T; n++) assert.ok(Math.abs(dot(n + offset, n) - ref) < 1e-3, `offset ${offset}, n ${n}`);
  }
  assert.ok(Math.abs(dot(1, 0) - dot(0, 0)) > 1e-3, 'the rotation does change the dot product with distance');
});

test("RoPE uses the rotate-half pairing with freq_i = 10000^(−i/16) for a 32-wide head", async () => {
  await testBackend();
  // A unit vector on dimension i, at position p, rotates into dimension i + 16 by angle p · freq_i.
  const i = 5;
  const p = 3;
  const e = new Float32Array(T * hd);
  e[p * hd + i] = 1;
  const y = applyRope(tf.tensor4d(e, [1, 1, T, hd])).arraySync()[0]![0]![p]!;
  const angle = p * Math.pow(10000, -i / 16);
  assert.ok(Math.abs(y[i]! - Math.cos(angle)) < 1e-6);
  assert.ok(Math.abs(y[i + 16]! - Math.sin(angle)) < 1e-6);
});
