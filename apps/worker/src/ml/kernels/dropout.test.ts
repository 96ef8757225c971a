// Hashed dropout masks: the right keep rate, a pure function of (key, index), independent between keys — and on
// webgpu the kernel computes exactly the JS mask times x, forward and backward, at sizes past one dispatch row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../tf.ts';
import { initBackend } from '../backend.ts';
import { dropoutDraw, dropoutMask, dropoutMaskTensor, hashDropout } from './dropout.ts';
import { testBackend } from '../test-backend.ts';

test('a mask holds only 0 and the scale, keeps 1 − rate of the entries, and is a function of its key', () => {
  for (const rate of [0.1, 0.5]) {
    const draw = dropoutDraw(0xdeadbeef, rate);
    const m = dropoutMask(1_000_001, draw); // odd: the last entry uses half a hash
    const scale = Math.fround(1 / (1 - rate));
    let kept = 0;
    for (const v of m) {
      assert.ok(v === 0 || v === scale);
      if (v) kept++;
    }
    assert.ok(Math.abs(kept / m.length - (1 - rate)) < 0.002, `rate ${rate}: kept ${kept / m.length}`);
    assert.deepEqual(dropoutMask(1_000_001, draw), m);
    assert.deepEqual(dropoutMask(10, draw), m.subarray(0, 10), 'element i does not depend on the size');
  }
});

test('masks of neighbouring keys are independent (agreement ≈ that of two random masks)', () => {
  const rate = 0.5;
  const n = 200_000;
  for (const [k1, k2] of [[1, 2], [7, 7 ^ 1], [123456, 123456 + 65536]]) {
    const a = dropoutMask(n, dropoutDraw(k1!, rate));
    const b = dropoutMask(n, dropoutDraw(k2!, rate));
    let same = 0;
    for (let i = 0; i < n; i++) if (a[i] === b[i]) same++;
    assert.ok(Math.abs(same / n - 0.5) < 0.01, `keys ${k1}, ${k2}: ${same / n} of entries agree`);
  }
});

test('on webgpu the kernel gives exactly x times the JS mask, and so does its gradient', async () => {
  await initBackend('webgpu');
  // 9.4M entries: more workgroups of 128 than one dispatch dimension holds (65,535), so tfjs reshapes the dispatch.
  const shape = [3, 64, 224, 219];
  const size = shape.reduce((a, b) => a * b, 1);
  const xs = Float32Array.from({ length: size }, (_, i) => ((i * 2654435761) % 2001) / 1000 - 1);
  const draw = dropoutDraw(0x1234abcd, 0.1);
  const mask = dropoutMask(size, draw);
  const x = tf.tensor(xs, shape);
  const [y, dx] = tf.tidy(() => {
    const { value, grads } = tf.valueAndGrads((t: tf.Tensor) => hashDropout(t, draw).mul(2).sum())([x]);
    return [hashDropout(x, draw), grads[0]!, value];
  });
  const [got, gotDx] = [await y!.data(), await dx!.data()];
  tf.dispose([x, y!, dx!]);
  assert.equal(tf.getBackend(), 'webgpu');
  let mismatches = 0;
  for (let i = 0; i < size; i++) {
    if (!Object.is(got[i], Math.fround(xs[i]! * mask[i]!)) || gotDx[i] !== Math.fround(2 * mask[i]!)) mismatches++;
  }
  assert.equal(mismatches, 0, `${mismatches} of ${size} entries differ from the JS mask`);
});

test('on wasm the SIMD mask and x ⊙ mask equal the JS mask bit for bit, gradient too, at sizes with a tail', async () => {
  await testBackend();
  for (const shape of [[3, 5, 7], [64, 4, 16, 16], [1], [9]]) {
    const size = shape.reduce((a, b) => a * b, 1);
    const draw = dropoutDraw(0x9e3779b9, 0.1);
    const mask = dropoutMask(size, draw);
    const xs = Float32Array.from({ length: size }, (_, i) => ((i * 2654435761) % 2001) / 1000 - 1);
    const x = tf.tensor(xs, shape);
    const [m, y, dx] = tf.tidy(() => {
      const { grads } = tf.valueAndGrads((t: tf.Tensor) => hashDropout(t, draw).mul(2).sum())([x]);
      return [dropoutMaskTensor(shape, draw), hashDropout(x, draw), grads[0]!];
    });
    assert.equal(tf.getBackend(), 'wasm');
    assert.deepEqual(m!.dataSync(), mask, `mask of [${shape}]`);
    const want = xs.map((v, i) => Math.fround(v * mask[i]!));
    y!.dataSync().forEach((v, i) => assert.ok(Object.is(v, want[i]), `x ⊙ mask of [${shape}] at ${i}: ${v} vs ${want[i]}`));
    assert.deepEqual(dx!.dataSync(), mask.map((v) => Math.fround(2 * v)), `gradient of [${shape}]`);
    tf.dispose([x, m!, y!, dx!]);
  }
});
