import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../tf.ts';
import { createRng } from '../rng.ts';
import { testBackend } from '../test-backend.ts';
import { fusedAttentionFits, fusedCausalAttention } from './causal-attention.ts';

/** The tfjs formulation (layers.ts without fused ops): scale, additive −1e9 causal mask, softmax, dropout, ·V. */
function reference(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, mask?: tf.Tensor): tf.Tensor {
  const [, , T, hd] = q.shape;
  const causal = tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([T, T]), -1, 0)), -1e9);
  const weights = tf.softmax(tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(hd)), causal), -1);
  return tf.matMul(mask ? tf.mul(weights, mask) : weights, v);
}

/** Value and gradients (q, k, v) of Σ attention ⊙ up. */
function valueAndGrads(attend: (q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D) => tf.Tensor, inputs: tf.Tensor4D[], up: tf.Tensor): Float32Array[] {
  return tf.tidy(() => {
    const f = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => tf.sum(tf.mul(attend(q as tf.Tensor4D, k as tf.Tensor4D, v as tf.Tensor4D), up));
    const { value, grads } = tf.valueAndGrads(f)(inputs);
    return [attend(...(inputs as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D])), value, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

function close(a: Float32Array, b: Float32Array, what: string) {
  assert.equal(a.length, b.length, what);
  let worst = 0;
  a.forEach((x, i) => (worst = Math.max(worst, Math.abs(x - b[i]!) / (1e-3 + Math.abs(b[i]!)))));
  assert.ok(worst < 2e-3, `${what}: worst relative error ${worst}`);
}

test('fused causal attention agrees with the tfjs formulation on the cpu backend: values and q, k, v gradients, with and without dropout', async () => {
  await testBackend();
  const rng = createRng(17);
  for (let trial = 0; trial < 8; trial++) {
    const [B, H, T, hd] = [1 + rng.int(3), 1 + rng.int(3), 8 * (1 + rng.int(5)), 8 * (1 + rng.int(3))];
    assert.ok(fusedAttentionFits(T, hd));
    const rand = (shape: number[], sd = 1) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => sd * rng.normal()), shape);
    const inputs = [rand([B, H, T, hd], 2), rand([B, H, T, hd], 2), rand([B, H, T, hd])] as tf.Tensor4D[];
    const up = rand([B, H, T, hd]);
    const withDropout = trial % 2 === 1;
    const maskValues = Float32Array.from({ length: B * H * T * T }, () => (rng.next() < 0.25 ? 0 : 1 / 0.75));
    const mask = withDropout ? tf.tensor(maskValues, [B, H, T, T]) : undefined;
    const fused = valueAndGrads((q, k, v) => fusedCausalAttention(q, k, v, 1 / Math.sqrt(hd), mask), inputs, up);
    await tf.setBackend('cpu');
    const ref = valueAndGrads((q, k, v) => reference(q, k, v, mask), inputs, up);
    await tf.setBackend('wasm');
    const label = `[${B},${H},${T},${hd}] dropout=${withDropout}`;
    ['attention', 'loss', 'grad q', 'grad k', 'grad v'].forEach((what, i) => close(fused[i]!, ref[i]!, `${label} ${what}`));
    tf.dispose([...inputs, up, ...(mask ? [mask] : [])]);
  }
});

test('the fused op leaks no tensors and falls back off wasm or for untiled shapes', async () => {
  await testBackend();
  const [q, k, v] = [0, 1, 2].map(() => tf.randomNormal([2, 2, 16, 8])) as tf.Tensor4D[];
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(fusedCausalAttention(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, 0.3)))([q!, k!, v!]);
  });
  assert.equal(tf.memory().numTensors, before);
  assert.equal(fusedAttentionFits(12, 8), false);
  assert.equal(fusedAttentionFits(16, 4), false);
  await tf.setBackend('cpu');
  assert.equal(fusedAttentionFits(16, 8), false);
  await tf.setBackend('wasm');
  tf.dispose([q!, k!, v!]);
});
