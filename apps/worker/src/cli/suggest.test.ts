import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closest, editDistance, specPaths } from './suggest.ts';

const OWN = ['out', 'checkpoint', 'backend', 'data-dir', 'no-download', 'help'];

test('editDistance counts single-character edits', () => {
  assert.equal(editDistance('trainig', 'training'), 1);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('kitten', 'sitting'), 3);
});

test('specPaths lists every scalar field of every model kind, and no objects', () => {
  const paths = specPaths();
  for (const p of ['dataset', 'training.epochs', 'training.windowsPerEpoch', 'model.kind', 'model.layers', 'model.hidden', 'model.ropeBase']) {
    assert.ok(paths.includes(p), p);
  }
  assert.ok(!paths.includes('model') && !paths.includes('training'));
});

test('closest: the option or spec path meant by a typo or a bare field name; nothing for a stranger', () => {
  const known = [...OWN, ...specPaths()];
  const cases: [string, string | undefined][] = [
    ['trainig.epochs', 'training.epochs'],
    ['training.epoch', 'training.epochs'],
    ['epochs', 'training.epochs'],
    ['layers', 'model.layers'],
    ['outt', 'out'],
    ['data-dirr', 'data-dir'],
    ['bakend', 'backend'],
    ['foo', undefined],
    ['completely-unrelated', undefined],
  ];
  for (const [word, want] of cases) assert.equal(closest(word, known), want, word);
});
