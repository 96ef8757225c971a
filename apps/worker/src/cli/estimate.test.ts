import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateCost, parseSpec } from '@slmlab/core';
import { describeEstimate, estimateRun, formatRange, sumEstimates, WASM_GFLOPS } from './estimate.ts';
import { readSpecSource } from './presets.ts';

test('an estimate is windows × T × epochs tokens and the FLOPs of training and evaluation over the measured rates', async () => {
  const spec = parseSpec((await readSpecSource('paper/table-a/transformer')).spec);
  const e = estimateRun(spec);
  assert.equal(e.trainTokens, 50_000 * 128 * 4);
  const cost = estimateCost(spec);
  const [low, high] = WASM_GFLOPS.transformer;
  assert.deepEqual(e.seconds, [(cost.flopsTrain + cost.flopsEval) / (high * 1e9), (cost.flopsTrain + cost.flopsEval) / (low * 1e9)]);
  assert.match(describeEstimate(e), /^25\.6 M training tokens, ≈ \d+ min–\d\.\d h on one CPU worker \(wasm; an estimate\)$/);
});

test('backends never measured get tokens and no time', () => {
  const spec = parseSpec({ dataset: 'tinyshakespeare', model: { kind: 'linear' } });
  const e = estimateRun(spec, 'webgpu');
  assert.equal(e.seconds, undefined);
  assert.match(describeEstimate(e, 'webgpu'), /no measured rate for the webgpu backend/);
  assert.equal(sumEstimates([e, estimateRun(spec)]).seconds, undefined, 'a sum with an unknown part has no time');
});

test('formatRange rounds to what an estimate can claim', () => {
  assert.equal(formatRange([30.2, 40.4]), '30–40 s');
  assert.equal(formatRange([300, 402]), '5–6.7 min');
  assert.equal(formatRange([3540, 7560]), '59 min–2.1 h');
  assert.equal(formatRange([7200, 7200]), '2 h');
});
