import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpec } from './spec.ts';
import { InvalidSpecError } from './errors.ts';

test('defaults follow the study', () => {
  const s = parseSpec({ dataset: 'tinyshakespeare', model: { kind: 'linear' } });
  assert.deepEqual(s.model, { kind: 'linear', contextLength: 128, dModel: 128 });
  assert.deepEqual(s.training, {
    epochs: 3, windowsPerEpoch: 50_000, batchSize: 64, learningRate: 3e-4, seed: 689, evalWindows: 10_000,
    objective: 'last-token',
  });
  assert.equal(s.specVersion, 2);
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
    assert.equal(byPath['/dataset'], 'must be one of: tinyshakespeare, ptb, wikitext2');
    assert.equal(byPath['/model/contextLength'], 'must be >= 1');
    assert.equal(byPath['/training/lr'], 'unknown field');
    return true;
  });
});

test("the study's transformer defaults: post-LN, learned positions, FFN 256, attention dropout 0.1", () => {
  const s = parseSpec({ dataset: 'tinyshakespeare', model: { kind: 'transformer' } });
  assert.deepEqual(s.model, {
    kind: 'transformer', layers: 3, contextLength: 128, dModel: 128, heads: 4, ffnHidden: 256,
    positions: 'learned', block: 'post-ln', dropout: 0.1, attnDropout: 0.1, ropeBase: 10_000,
  });
  const pre = parseSpec({ dataset: 'tinyshakespeare', model: { kind: 'transformer', block: 'pre-ln' } });
  assert.equal(pre.model.kind === 'transformer' && pre.model.attnDropout, 0, 'the RoPE ablation has no attention dropout');
  const att = parseSpec({ dataset: 'tinyshakespeare', model: { kind: 'attention' } });
  assert.equal(att.model.kind === 'attention' && att.model.ffnHidden, 512);
});

test('rules between fields: heads divide dModel, rope needs an even head width, all-tokens needs positions', () => {
  const issues = (spec: unknown) => {
    try {
      parseSpec(spec);
      return [];
    } catch (e) {
      return (e as InvalidSpecError).issues;
    }
  };
  assert.deepEqual(issues({ dataset: 'ptb', model: { kind: 'transformer', heads: 3 } }), [
    { path: '/model/heads', message: 'must divide dModel (128); 3 does not' },
  ]);
  assert.deepEqual(issues({ dataset: 'ptb', model: { kind: 'attention', dModel: 12, heads: 4, positions: 'rope' } }), [
    { path: '/model/positions', message: 'rope needs an even head width; dModel/heads = 3' },
  ]);
  assert.equal(issues({ dataset: 'ptb', model: { kind: 'mlp' }, training: { objective: 'all-tokens' } })[0]?.path, '/training/objective');
  assert.deepEqual(issues({ dataset: 'ptb', model: { kind: 'gru' } }), [
    { path: '/model/kind', message: 'must be one of: linear, mlp, attention, transformer' },
  ]);
  assert.deepEqual(issues({ dataset: 'ptb', model: { kind: 'linear', heads: 4 } }), [{ path: '/model/heads', message: 'unknown field' }]);
});
