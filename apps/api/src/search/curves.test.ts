import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flopsPerToken, interpolate } from './curves.ts';
import { specLeafTypes } from './filter.ts';

test('interpolate: linear between neighbours, exact at points, null outside, points without y skipped', () => {
  const curve = [{ x: 10, y: 4 }, { x: 20, y: null }, { x: 30, y: 2 }, { x: 40, y: 1 }];
  assert.equal(interpolate(curve, 10), 4);
  assert.equal(interpolate(curve, 20), 3, 'the null point is skipped, so 20 lies between 10 and 30');
  assert.equal(interpolate(curve, 35), 1.5);
  assert.equal(interpolate(curve, 40), 1);
  assert.equal(interpolate(curve, 9.99), null);
  assert.equal(interpolate(curve, 40.01), null);
  assert.equal(interpolate([], 1), null);
});

test('flopsPerToken: flopsTrain over windows × epochs × T, the cost model for rows without flopsTrain', () => {
  const spec = { dataset: 'ptb', model: { kind: 'linear', contextLength: 8, dModel: 4 }, training: { epochs: 2, windowsPerEpoch: 5 } };
  assert.equal(flopsPerToken({ flopsTrain: 800, spec }), 10);
  const estimated = flopsPerToken({ flopsTrain: null, spec });
  assert.ok(estimated !== null && estimated > 0);
  assert.equal(flopsPerToken({ flopsTrain: 800, spec: {} }), null);
});

test('specLeafTypes: scalar fields of any model kind, nothing for objects or unknown names', () => {
  assert.deepEqual(specLeafTypes(['model', 'layers']), new Set(['number']));
  assert.deepEqual(specLeafTypes(['model', 'kind']), new Set(['string']));
  assert.deepEqual(specLeafTypes(['training', 'objective']), new Set(['string']));
  assert.deepEqual(specLeafTypes(['specVersion']), new Set(['number']));
  assert.equal(specLeafTypes(['model']), undefined);
  assert.equal(specLeafTypes(['model', 'layrs']), undefined);
  assert.equal(specLeafTypes(['constructor']), undefined);
});
