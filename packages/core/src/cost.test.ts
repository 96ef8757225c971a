import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateCost } from './cost.ts';
import { parseSpec } from './spec.ts';

const linear = (T: number, extra: Record<string, unknown> = {}) =>
  parseSpec({ dataset: 'tinyshakespeare', model: { kind: 'linear', contextLength: T }, ...extra });

test('linear parameter counts match the study exactly', () => {
  assert.equal(estimateCost(linear(16)).params, 141_505);
  assert.equal(estimateCost(linear(32)).params, 274_625);
  assert.equal(estimateCost(linear(64)).params, 540_865);
  assert.equal(estimateCost(linear(128)).params, 1_073_345);
});

test("study-formula FLOPs of Table A's linear row (3 epochs, 50k windows, T=128) is 4.12e13", () => {
  const flops = estimateCost(linear(128)).flopsStudy;
  assert.equal(Number(flops.toPrecision(3)), 4.12e13);
});
