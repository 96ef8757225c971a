import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../tf.ts';
import { createRng } from '../rng.ts';
import { testBackend } from '../test-backend.ts';
import { FusedAdamOptimizer } from './fused-adam.ts';

/** Five Adam steps on variables of awkward sizes (a tail of n % 4 elements, a scalar); returns every value. */
function steps(opt: tf.Optimizer, seed: number): Float32Array[] {
  const rng = createRng(seed);
  const shapes = [[7, 5], [13], [1], [64, 65]];
  const vars = shapes.map((s, i) => tf.variable(tf.tensor(Array.from({ length: s.reduce((p, d) => p * d, 1) }, () => rng.normal()), s), true, `adam-test-${seed}-${i}`));
  for (let step = 0; step < 5; step++) {
    const grads = vars.map((v) => ({ name: v.name, tensor: tf.tensor(Array.from({ length: v.size }, () => rng.normal() * 10 ** rng.int(4)), v.shape) }));
    opt.applyGradients(grads);
    tf.dispose(grads.map((g) => g.tensor));
  }
  const moments = (opt as unknown as { accumulatedFirstMoment: { variable: tf.Variable }[]; accumulatedSecondMoment: { variable: tf.Variable }[] });
  const out = [...vars, ...moments.accumulatedFirstMoment.map((m) => m.variable), ...moments.accumulatedSecondMoment.map((m) => m.variable)]
    .map((t) => t.dataSync() as Float32Array);
  vars.forEach((v) => v.dispose());
  opt.dispose();
  return out;
}

test("the fused Adam update is bit-identical to tfjs's Adam (on the cpu backend and on wasm's own kernels): parameters and both moments", async () => {
  await testBackend();
  const fused = steps(new FusedAdamOptimizer(3e-3, 0.9, 0.999, 1e-8), 1);
  const stockWasm = steps(tf.train.adam(3e-3, 0.9, 0.999, 1e-8), 1);
  await tf.setBackend('cpu');
  const cpu = steps(tf.train.adam(3e-3, 0.9, 0.999, 1e-8), 1);
  await tf.setBackend('wasm');
  assert.equal(fused.length, 12);
  fused.forEach((f, i) => {
    assert.deepEqual(f, cpu[i], `tensor ${i}: fused vs cpu`);
    assert.deepEqual(f, stockWasm[i], `tensor ${i}: fused vs wasm's own kernels`);
  });
});
