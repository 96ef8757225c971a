import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../tf.ts';
import { createRng } from '../rng.ts';
import { testBackend } from '../test-backend.ts';
import { fusedLayerNorm, fusedLayerNormFits } from './layer-norm.ts';

/** The idiomatic tfjs LayerNorm (layers.ts without fused ops). */
function reference(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), gamma), beta);
}

function valueAndGrads(ln: (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.Tensor, inputs: tf.Tensor[], up: tf.Tensor): Float32Array[] {
  return tf.tidy(() => {
    const { grads } = tf.valueAndGrads((x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(ln(x, g, b), up)))(inputs);
    return [ln(inputs[0]!, inputs[1]!, inputs[2]!), ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

test('fused LayerNorm agrees with the tfjs formulation on the cpu backend: values and x, γ, β gradients', async () => {
  await testBackend();
  const rng = createRng(41);
  for (let trial = 0; trial < 8; trial++) {
    const C = 4 * (1 + rng.int(40));
    const shape = [[1 + rng.int(50), C], [1 + rng.int(4), 1 + rng.int(9), C]][trial % 2]!;
    assert.ok(fusedLayerNormFits(C));
    const rand = (s: number[], mean: number, sd: number) => tf.tensor(Float32Array.from({ length: s.reduce((p, d) => p * d, 1) }, () => mean + sd * rng.normal()), s);
    const inputs = [rand(shape, 3, 1 + 4 * rng.next()), rand([C], 1, 0.3), rand([C], 0, 0.3)];
    const up = rand(shape, 0, 1);
    const fused = valueAndGrads(fusedLayerNorm, inputs, up);
    await tf.setBackend('cpu');
    const ref = valueAndGrads(reference, inputs, up);
    await tf.setBackend('wasm');
    ['y', 'dx', 'dγ', 'dβ'].forEach((what, i) => {
      const [a, b] = [fused[i]!, ref[i]!];
      a.forEach((v, j) => assert.ok(Math.abs(v - b[j]!) <= 2e-4 * (1 + Math.abs(b[j]!)), `[${shape}] ${what}[${j}]: ${v} vs ${b[j]}`));
    });
    tf.dispose([...inputs, up]);
  }
  assert.equal(fusedLayerNormFits(6), false);
});
