// The last-token objective's pruned final block (usePrunedLastBlock) must be the same function as computing
// every position and keeping the last: equal logits and equal gradients for every parameter, for post-LN and
// pre-LN blocks, learned, rotary and no positions, one block and several. It must also take the same number
// of dropout draws, so that what follows in the dropout stream is unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpec } from '@slmlab/core';
import { tf } from '../tf.ts';
import { createRng } from '../rng.ts';
import { testBackend } from '../test-backend.ts';
import { buildModel } from './index.ts';
import { usePrunedLastBlock } from './transformer.ts';

const V = 13;
// T = 16 and head width 8 fit the fused attention kernel, so the unpruned path is the one training runs.
const MODELS = [
  { kind: 'attention', contextLength: 16, dModel: 16, heads: 2, ffnHidden: 24 },
  { kind: 'transformer', layers: 2, contextLength: 16, dModel: 16, heads: 2, ffnHidden: 24 },
  { kind: 'transformer', layers: 2, contextLength: 16, dModel: 16, heads: 2, ffnHidden: 24, block: 'pre-ln', positions: 'learned' },
  { kind: 'transformer', layers: 3, contextLength: 16, dModel: 32, heads: 4, ffnHidden: 24, block: 'pre-ln', positions: 'rope' },
  { kind: 'transformer', layers: 1, contextLength: 12, dModel: 16, heads: 4, ffnHidden: 24, block: 'post-ln', positions: 'rope' },
];

function tokens(B: number, T: number): tf.Tensor2D {
  const rng = createRng(9);
  return tf.tensor2d(Array.from({ length: B * T }, () => rng.int(V)), [B, T], 'int32');
}

/** Logits and every parameter's gradient of a weighted sum of the logits, pruned or not. */
function run(model: ReturnType<typeof buildModel>, x: tf.Tensor2D, pruned: boolean) {
  usePrunedLastBlock(pruned);
  try {
    const vars = [...model.params.vars.values()];
    const weights = tf.tensor1d(Array.from({ length: V }, (_, i) => Math.sin(i + 1)));
    const logits = model.logits(x, false).dataSync();
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(model.logits(x, true), weights)) as tf.Scalar, vars);
    const out = { logits, grads: Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, g.dataSync()])) };
    Object.values(grads).forEach((g) => g.dispose());
    weights.dispose();
    return out;
  } finally {
    usePrunedLastBlock(true);
  }
}

for (const m of MODELS) {
  test(`the pruned last block gives the same logits and gradients: ${JSON.stringify(m)}`, async () => {
    await testBackend();
    // No dropout: the two paths draw masks over tensors of different shapes, so only their number must match.
    const spec = parseSpec({ dataset: 'tinyshakespeare', model: { ...m, dropout: 0, attnDropout: 0 }, training: { batchSize: 3 } });
    const model = buildModel(spec, V, createRng(1), createRng(2));
    const x = tokens(3, m.contextLength);
    const [pruned, full] = [run(model, x, true), run(model, x, false)];
    assert.equal(pruned.logits.length, 3 * V);
    pruned.logits.forEach((v, i) => assert.ok(Math.abs(v - full.logits[i]!) < 1e-5, `logit ${i}: ${v} vs ${full.logits[i]}`));
    assert.deepEqual(Object.keys(pruned.grads).sort(), Object.keys(full.grads).sort());
    for (const [name, g] of Object.entries(pruned.grads)) {
      const f = full.grads[name]!;
      const scale = Math.max(1e-3, ...Array.from(f, Math.abs));
      g.forEach((v, i) => assert.ok(Math.abs(v - f[i]!) <= 2e-5 * scale, `${name}[${i}]: ${v} vs ${f[i]}`));
      assert.ok(f.some((v) => v !== 0) || name.startsWith('pos_emb'), `${name} has a gradient`);
    }
    model.params.dispose();
    x.dispose();
  });
}

test('the pruned last block takes as many dropout draws as the full one', async () => {
  await testBackend();
  for (const block of ['post-ln', 'pre-ln'] as const) {
    const spec = parseSpec({ dataset: 'tinyshakespeare', model: { ...MODELS[1]!, block, dropout: 0.1, attnDropout: 0.1 } });
    const next: number[] = [];
    for (const pruned of [true, false]) {
      const dropoutRng = createRng(4);
      const model = buildModel(spec, V, createRng(1), dropoutRng);
      const x = tokens(2, 16);
      usePrunedLastBlock(pruned);
      tf.tidy(() => model.logits(x, true));
      usePrunedLastBlock(true);
      next.push(dropoutRng.next());
      model.params.dispose();
      x.dispose();
    }
    assert.equal(next[0], next[1], block);
  }
});
