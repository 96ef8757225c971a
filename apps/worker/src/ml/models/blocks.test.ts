import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../tf.ts';
import { createRng } from '../rng.ts';
import { testBackend } from '../test-backend.ts';
import { Params } from './params.ts';
import { applyBlock, makeBlock, type TransformerConfig } from './transformer.ts';

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
