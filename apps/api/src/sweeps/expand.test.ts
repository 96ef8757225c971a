// Expanding a sweep request into cells: pure, no database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidRequestError } from '../edge/http-errors.ts';
import { InvalidSweepError } from './errors.ts';
import { cellCount, expandSweep, seedList, setPath, sweepHash } from './expand.ts';

const LIMITS = { params: 5e7, flopsTrain: 1e17, memoryBytes: 8 * 1024 ** 3 };
const base = { dataset: 'tinyshakespeare', model: { kind: 'mlp', contextLength: 8 } };

test('a seed count n means seeds 1..n; no seeds means none', () => {
  assert.deepEqual([seedList(3), seedList([7, 9]), seedList(undefined)], [[1, 2, 3], [7, 9], []]);
});

test('cells are the cartesian product in axis order, the seed varying fastest, each a parsed spec', () => {
  const cells = expandSweep({ name: 'g', base, axes: { 'model.hidden': [32, 64], 'training.epochs': [1, 2, 3] }, seeds: 2 }, LIMITS, 100);
  assert.equal(cells.length, 12);
  assert.equal(cellCount({ base, axes: { 'model.hidden': [32, 64], 'training.epochs': [1, 2, 3] }, seeds: 2 }), 12);
  assert.deepEqual(cells[3]!.axes, { 'model.hidden': 32, 'training.epochs': 2, 'training.seed': 2 });
  const s = cells[3]!.spec;
  assert.deepEqual([s.model.kind, (s.model as { hidden: number }).hidden, s.training.epochs, s.training.seed], ['mlp', 32, 2, 2]);
  assert.equal(s.name, 'g · model.hidden=32, training.epochs=2, training.seed=2');
  assert.equal(s.training.batchSize, 64, 'defaults are filled');
});

test('an axis may set a whole object, and creates missing parents', () => {
  const cells = expandSweep({ base: { dataset: 'tinyshakespeare' }, axes: { model: [{ kind: 'linear' }, { kind: 'mlp' }] } }, LIMITS, 10);
  assert.deepEqual(cells.map((c) => c.spec.model.kind), ['linear', 'mlp']);
  const draft: Record<string, unknown> = { dataset: 'x' };
  assert.equal(setPath(draft, 'a.b.c', 1), undefined);
  assert.deepEqual(draft['a'], { b: { c: 1 } });
  assert.deepEqual(setPath(draft, 'dataset.kind', 1), { path: '/dataset', message: 'is not an object, so dataset.kind cannot be set' });
});

test('the hash ignores the order of keys, the names and the way seeds are written; not the values', () => {
  const a = sweepHash({ name: 'a', base: { ...base, name: 'x' }, axes: { 'model.hidden': [1], 'training.epochs': [2] }, seeds: 2 });
  const b = sweepHash({ base, axes: { 'training.epochs': [2], 'model.hidden': [1] }, seeds: [1, 2] });
  const c = sweepHash({ base, axes: { 'training.epochs': [2], 'model.hidden': [1] }, seeds: [1, 3] });
  assert.equal(a, b);
  assert.notEqual(b, c);
});

test('a bad seed is reported at its place in seeds; a base problem at its place in base', () => {
  const err = (() => {
    try {
      expandSweep({ base: { ...base, training: { epochs: 0 } }, axes: {}, seeds: [1] }, LIMITS, 10);
    } catch (e) {
      return e;
    }
  })();
  assert.ok(err instanceof InvalidSweepError, String(err));
  assert.deepEqual(err.issues.map((i) => i.path), ['/base/training/epochs']);
  assert.deepEqual(err.cells[0]!.axes, { 'training.seed': 1 });
  assert.throws(
    () => expandSweep({ base, axes: { 'model.hidden': [0, 8] }, seeds: [1, -1] }, LIMITS, 10),
    (e: unknown) => e instanceof InvalidSweepError && e.issues.map((i) => i.path).join() === '/axes/model.hidden/0,/seeds/1,/axes/model.hidden/0,/seeds/1',
  );
  assert.throws(
    () => expandSweep({ base, axes: { 'training.seed': [1] }, seeds: 1 }, LIMITS, 10),
    (e: unknown) => e instanceof InvalidRequestError && e.issues[0]!.path === '/axes/training.seed',
  );
});
