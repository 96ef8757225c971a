import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpec } from './spec.ts';
import { InvalidSpecError } from './errors.ts';

test('defaults follow the study', () => {
  const s = parseSpec({ dataset: 'tinyshakespeare', model: { kind: 'linear' } });
  assert.deepEqual(s.model, { kind: 'linear', contextLength: 128, dModel: 128 });
  assert.deepEqual(s.training, {
    epochs: 3, windowsPerEpoch: 50_000, batchSize: 64, learningRate: 3e-4, seed: 689, evalWindows: 10_000,
  });
});

test('parseSpec does not modify its input', () => {
  const input = { dataset: 'tinyshakespeare', model: { kind: 'linear' } };
  parseSpec(input);
  assert.deepEqual(input, { dataset: 'tinyshakespeare', model: { kind: 'linear' } });
});

test('every problem is reported with its path', () => {
  const bad = { dataset: 'enwik8', model: { kind: 'linear', contextLength: 0 }, training: { lr: 1 } };
  assert.throws(() => parseSpec(bad), (e: unknown) => {
    assert.ok(e instanceof InvalidSpecError);
    const byPath = Object.fromEntries(e.issues.map((i) => [i.path, i.message]));
    assert.equal(byPath['/dataset'], 'must be one of: tinyshakespeare');
    assert.equal(byPath['/model/contextLength'], 'must be >= 1');
    assert.equal(byPath['/training/lr'], 'unknown field');
    return true;
  });
});
