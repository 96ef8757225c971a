import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateCost, parseSpec } from '@slmlab/core';
import { estimateDuration, sweepEstimate } from './estimate.ts';

const spec = parseSpec({ dataset: 'tinyshakespeare', model: { kind: 'transformer', layers: 3 }, training: { epochs: 4, windowsPerEpoch: 50_000 } });
const { flopsTrain, flopsEval } = estimateCost(spec);

test('without history: the measured range of one CPU worker, said so', () => {
  const e = estimateDuration(spec, [40, 50]);
  const [fast, slow] = [(flopsTrain + flopsEval) / (27 * 1e9), (flopsTrain + flopsEval) / (11 * 1e9)];
  assert.deepEqual(e.secondsRange, [Math.round(fast), Math.round(slow)]);
  assert.equal(e.seconds, Math.round((fast + slow) / 2));
  assert.equal(e.trainTokens, 50_000 * 128 * 4);
  assert.match(e.basis, /^one CPU worker \(wasm, one core; 11–27 GFLOP\/s measured on the project's machines\): fewer than 3 finished transformer runs/);
});

test('with history: the median of recent runs', () => {
  const e = estimateDuration(spec, [400, 100, 300, 200]);
  assert.equal(e.gflops, 250);
  assert.equal(e.seconds, Math.round((flopsTrain + flopsEval) / 250e9));
  assert.equal(e.basis, 'median of the last 4 finished transformer runs here');
});

test("a sweep's estimate sums its new cells", async () => {
  const estimate = async (s: typeof spec) => estimateDuration(s, []);
  const total = await sweepEstimate(estimate, [spec, spec]);
  assert.equal(total.cells, 2);
  assert.equal(total.seconds, 2 * estimateDuration(spec, []).seconds);
  assert.equal(total.trainTokens, 2 * 50_000 * 128 * 4);
});
