import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACTIVATION_FLOATS, estimateCost, estimateMemoryBytes } from './cost.ts';
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

test('the memory estimate adds optimizer state, activations and logits as documented', () => {
  // linear T=16 on tinyshakespeare: 141,505 params, batch 64, d 128, V 65, last-token head.
  const state = 141_505 * 16;
  const activations = 64 * 16 * 128 * 1 * ACTIVATION_FLOATS * 4;
  const logits = 64 * 1 * 65 * 12;
  assert.equal(estimateMemoryBytes(linear(16)), state + activations + logits);
});

test('the memory estimate grows with layers and with the all-tokens head', () => {
  const t = (extra: Record<string, unknown>, training: Record<string, unknown> = {}) =>
    parseSpec({ dataset: 'wikitext2', model: { kind: 'transformer', contextLength: 64, ...extra }, training });
  const one = estimateMemoryBytes(t({ layers: 1 }));
  const two = estimateMemoryBytes(t({ layers: 2 }));
  assert.ok(two - one > 64 * 64 * 128 * ACTIVATION_FLOATS * 4, 'a second layer adds at least its activations');
  const allTokens = estimateMemoryBytes(t({ layers: 1 }, { objective: 'all-tokens' }));
  assert.equal(allTokens - one, 64 * 63 * 33_277 * 12, 'T-1 more logit rows of V floats, three times');
});
