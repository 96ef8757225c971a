import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countParams, parseSpec } from '@slmlab/core';
import { tf } from '../tf.ts';
import { createRng } from '../rng.ts';
import { testBackend } from '../test-backend.ts';
import { buildModel } from './index.ts';
import { useFusedOps } from './layers.ts';

/** Every configuration of ../shared/docs/paper.md with its published parameter count. */
const STUDY = [
  { v: 65, model: { kind: 'linear', contextLength: 128 }, params: 1_073_345 },
  { v: 65, model: { kind: 'linear', contextLength: 64 }, params: 540_865 },
  { v: 65, model: { kind: 'linear', contextLength: 32 }, params: 274_625 },
  { v: 65, model: { kind: 'mlp', hidden: 256 }, params: 4_285_377 },
  { v: 65, model: { kind: 'mlp', hidden: 128 }, params: 2_130_497 },
  { v: 65, model: { kind: 'mlp', hidden: 512 }, params: 8_693_441 },
  { v: 65, model: { kind: 'attention', heads: 1 }, params: 231_617 },
  { v: 65, model: { kind: 'attention', heads: 2 }, params: 231_617 },
  { v: 65, model: { kind: 'attention', heads: 4 }, params: 231_617 },
  { v: 65, model: { kind: 'transformer', layers: 3 }, params: 430_785 },
  { v: 65, model: { kind: 'transformer', layers: 2 }, params: 298_305 },
  { v: 65, model: { kind: 'transformer', layers: 4 }, params: 563_265 },
  { v: 65, model: { kind: 'transformer', block: 'pre-ln', positions: 'learned' }, params: 430_785 },
  { v: 65, model: { kind: 'transformer', block: 'pre-ln', positions: 'rope' }, params: 414_401 },
  { v: 9_999, model: { kind: 'transformer', contextLength: 64 }, params: 2_975_631 },
  { v: 33_277, model: { kind: 'transformer', contextLength: 64 }, params: 8_958_077 },
] as const;

const dataset = (v: number) => (v === 65 ? 'tinyshakespeare' : v === 9_999 ? 'ptb' : 'wikitext2');

test("every model of the study has its published parameter count, in tfjs and in the cost model", async () => {
  await testBackend();
  for (const c of STUDY) {
    const spec = parseSpec({ dataset: dataset(c.v), model: c.model });
    const model = buildModel(spec, c.v, createRng(1), createRng(2));
    const label = JSON.stringify(c.model);
    assert.equal(model.params.count(), c.params, `tfjs: ${label}`);
    assert.equal(countParams(spec.model, c.v), c.params, `cost model: ${label}`);
    model.params.dispose();
  }
});

function tiny(model: Record<string, unknown>, objective = 'last-token') {
  return parseSpec({
    dataset: 'tinyshakespeare',
    model: { contextLength: 8, dModel: 16, ...(/^(attention|transformer)$/.test(String(model['kind'])) ? { heads: 2, ffnHidden: 32 } : {}), ...model },
    training: { objective },
  });
}

test('causal masking: changing tokens after position t leaves logits up to t unchanged', async () => {
  await testBackend();
  for (const block of ['post-ln', 'pre-ln']) {
    for (const positions of ['learned', 'rope', 'none']) {
      const spec = tiny({ kind: 'transformer', layers: 2, block, positions }, 'all-tokens');
      const model = buildModel(spec, 11, createRng(3), createRng(4));
      const a = [1, 2, 3, 4, 5, 6, 7, 8];
      const b = [1, 2, 3, 4, 9, 10, 0, 3]; // differs from position 4 on
      const [la, lb] = tf.tidy(() => [a, b].map((t) => model.logits(tf.tensor2d([t], [1, 8], 'int32'), false).arraySync()[0]!));
      for (let t = 0; t < 8; t++) {
        const same = la![t]!.every((v, i) => Math.abs(v - lb![t]![i]!) < 1e-5);
        assert.equal(same, t < 4, `${block}/${positions}: position ${t} ${t < 4 ? 'changed' : 'did not change'}`);
      }
      model.params.dispose();
    }
  }
});

test('last-token models return one prediction per window, all-tokens models one per position', async () => {
  await testBackend();
  const x = tf.tensor2d([[1, 2, 3, 4, 5, 6, 7, 8], [0, 0, 0, 0, 0, 0, 0, 1]], [2, 8], 'int32');
  for (const [spec, shape] of [
    [tiny({ kind: 'linear' }), [2, 1, 11]],
    [tiny({ kind: 'mlp', hidden: 8 }), [2, 1, 11]],
    [tiny({ kind: 'attention' }), [2, 1, 11]],
    [tiny({ kind: 'transformer' }, 'all-tokens'), [2, 8, 11]],
  ] as const) {
    const model = buildModel(spec, 11, createRng(1), createRng(2));
    const logits = model.logits(x, false);
    assert.deepEqual(logits.shape, shape, spec.model.kind);
    logits.dispose();
    model.params.dispose();
  }
  x.dispose();
});

test('the last-token output equals the all-tokens output at the last position (same weights)', async () => {
  await testBackend();
  const last = buildModel(tiny({ kind: 'transformer' }), 11, createRng(5), createRng(6));
  const all = buildModel(tiny({ kind: 'transformer' }, 'all-tokens'), 11, createRng(5), createRng(6));
  const x = tf.tensor2d([[3, 1, 4, 1, 5, 9, 2, 6]], [1, 8], 'int32');
  const a = last.logits(x, false).arraySync()[0]![0]!;
  const b = all.logits(x, false).arraySync()[0]![7]!;
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < 1e-5));
  [last, all].forEach((m) => m.params.dispose());
  x.dispose();
});

test('fused and idiomatic-tfjs formulations compute the same model (evaluation mode)', async () => {
  await testBackend();
  const spec = tiny({ kind: 'transformer', layers: 2 }, 'all-tokens');
  const model = buildModel(spec, 11, createRng(5), createRng(6));
  const x = tf.tensor2d([[3, 1, 4, 1, 5, 9, 2, 6]], [1, 8], 'int32');
  const fused = model.logits(x, false).dataSync();
  useFusedOps(false);
  const reference = model.logits(x, false).dataSync();
  useFusedOps(true);
  fused.forEach((v, i) => assert.ok(Math.abs(v - reference[i]!) < 1e-4, `${i}: ${v} vs ${reference[i]}`));
  model.params.dispose();
  x.dispose();
});
