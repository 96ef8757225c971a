// The cost model's forward FLOPs must be what TensorFlow.js actually multiplies: count every BatchMatMul
// kernel of one forward pass (tf.profile records its input and output shapes) and compare.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forwardFlopsPerWindow, parseSpec } from '@slmlab/core';
import { tf } from '../tf.ts';
import { createRng } from '../rng.ts';
import { testBackend } from '../test-backend.ts';
import { buildModel } from './index.ts';

const size = (s: number[]) => s.reduce((p, d) => p * d, 1);

async function measuredMatmulFlops(spec: ReturnType<typeof parseSpec>, V: number, B: number): Promise<number> {
  const model = buildModel(spec, V, createRng(1), createRng(2));
  const T = spec.model.contextLength;
  const x = tf.zeros([B, T], 'int32') as tf.Tensor2D;
  const info = await tf.profile(() => model.logits(x, false));
  model.params.dispose();
  x.dispose();
  let flops = 0;
  for (const k of info.kernels) {
    if (k.name !== 'BatchMatMul') continue;
    const out = k.outputShapes[0]!;
    const n = out[out.length - 1]!;
    const inner = (size(k.inputShapes[0]!) * n) / size(out); // the contracted dimension
    flops += 2 * size(out) * inner;
  }
  return flops;
}

test('forward FLOPs of the cost model equal the matrix products tfjs runs, for every kind and objective', async () => {
  await testBackend();
  const specs = [
    { model: { kind: 'linear', contextLength: 12, dModel: 8 } },
    { model: { kind: 'mlp', contextLength: 12, dModel: 8, hidden: 20, hiddenLayers: 3 } },
    { model: { kind: 'attention', contextLength: 12, dModel: 16, heads: 2, ffnHidden: 24 } },
    { model: { kind: 'transformer', layers: 2, contextLength: 12, dModel: 16, heads: 4, ffnHidden: 24, block: 'pre-ln', positions: 'rope' } },
    { model: { kind: 'transformer', layers: 2, contextLength: 12, dModel: 16, heads: 4, ffnHidden: 24 }, training: { objective: 'all-tokens' } },
  ];
  for (const s of specs) {
    const spec = parseSpec({ dataset: 'tinyshakespeare', ...s });
    const B = 3;
    const measured = await measuredMatmulFlops(spec, 65, B);
    assert.equal(forwardFlopsPerWindow(spec, 65) * B, measured, JSON.stringify(s));
  }
});
