import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../tf.ts';
import { createRng } from '../rng.ts';
import { testBackend } from '../test-backend.ts';
import { Params } from './params.ts';
import { applyBlock, makeBlock, type TransformerConfig } from './transformer.ts';
import { layerNorm } from './layers.ts';

const config = (block: 'post-ln' | 'pre-ln'): TransformerConfig => ({
  vocabSize: 7, contextLength: 5, dModel: 8, layers: 1, heads: 2, ffnHidden: 16, positions: 'none', block,
  dropout: 0.1, attnDropout: 0, objective: 'all-tokens', ropeBase: 10000,
});

function input(): tf.Tensor3D {
  const rng = createRng(11);
  return tf.tensor3d(Array.from({ length: 2 * 5 * 8 }, () => 3 + 2 * rng.normal()), [2, 5, 8]); // far from normalised
}

/** Zeroes the sublayers' output projections, so each sublayer adds nothing to the residual stream. */
function silenceSublayers(p: Params) {
  for (const [name, v] of p.vars) if (/attn\.out|ffn\.down/.test(name)) v.assign(tf.zerosLike(v));
}

test('post-LN: every position of a block\'s output is layer-normalised', async () => {
  await testBackend();
  const p = new Params(createRng(1));
  const c = config('post-ln');
  const y = applyBlock(input(), makeBlock(p, 0, c), c, false, createRng(2));
  const { mean, variance } = tf.moments(y, -1);
  (await mean.data()).forEach((m) => assert.ok(Math.abs(m) < 1e-5));
  (await variance.data()).forEach((v) => assert.ok(Math.abs(v - 1) < 1e-3));
  p.dispose();
});

test('pre-LN keeps the residual stream: silenced sublayers make the block the identity; post-LN normalises it', async () => {
  await testBackend();
  const x = input();
  const xs = await x.data();
  for (const block of ['pre-ln', 'post-ln'] as const) {
    const p = new Params(createRng(1));
    const c = config(block);
    const b = makeBlock(p, 0, c);
    silenceSublayers(p);
    const y = await applyBlock(x, b, c, false, createRng(2)).data();
    const identical = y.every((v, i) => Math.abs(v - xs[i]!) < 1e-5);
    assert.equal(identical, block === 'pre-ln', block);
    p.dispose();
  }
});

test('dropout is active in training and off in evaluation', async () => {
  await testBackend();
  const p = new Params(createRng(1));
  const c = config('pre-ln');
  const b = makeBlock(p, 0, c);
  const x = input();
  const evalA = await applyBlock(x, b, c, false, createRng(2)).data();
  const evalB = await applyBlock(x, b, c, false, createRng(3)).data();
  const trainA = await applyBlock(x, b, c, true, createRng(2)).data();
  const trainA2 = await applyBlock(x, b, c, true, createRng(2)).data();
  assert.deepEqual(evalA, evalB);
  assert.notDeepEqual(trainA, evalA);
  assert.deepEqual(trainA, trainA2, 'the same dropout seed gives the same masks');
  p.dispose();
});

test('LayerNorm with its hand-written gradient agrees with autodiff of the textbook formula', async () => {
  await testBackend();
  const rng = createRng(13);
  const rand = (shape: number[], mean = 0) =>
    tf.tensor(Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => mean + rng.normal()), shape);
  const [x, gamma, beta, up] = [rand([3, 5, 8], 2), rand([8], 1), rand([8]), rand([3, 5, 8])];
  const reference = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const { mean, variance } = tf.moments(a, -1, true);
    return tf.add(tf.mul(tf.div(tf.sub(a, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b);
  };
  const ours = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => layerNorm(a, { gamma: g as tf.Variable, beta: b as tf.Variable });
  const outputs = (f: typeof reference) => {
    const grads = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, g, b), up)))([x, gamma, beta]);
    return [f(x, gamma, beta), ...grads].map((t) => t.dataSync());
  };
  const want = outputs(reference);
  const got = outputs(ours);
  ['value', 'dx', 'dγ', 'dβ'].forEach((name, i) =>
    got[i]!.forEach((v, j) => assert.ok(Math.abs(v - want[i]![j]!) < 1e-4, `${name}[${j}]: ${v} vs ${want[i]![j]}`)),
  );
});
