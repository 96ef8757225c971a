import { test } from 'node:test';
import assert from 'node:assert/strict';
import { curveCache } from './curve-cache.ts';

const curve = (n: number) => ({
  total: n * 10,
  rows: Array.from({ length: n }, (_, i) => ({ epoch: i, step: i, tokens: i, seconds: i, trainNll: 1, valNll: 1, valNllAllTokens: null })),
});

test('curveCache: keyed by experiment, kind and size; the least recently used go first, within the points budget', () => {
  const cache = curveCache(10);
  cache.set('a', 'epoch', 4, curve(4));
  cache.set('b', 'epoch', 4, curve(4));
  assert.equal(cache.get('a', 'epoch', 4)?.rows.length, 4);
  assert.equal(cache.get('a', 'epoch', 5), undefined);
  assert.equal(cache.get('a', 'other', 4), undefined);
  cache.set('c', 'epoch', 4, curve(4)); // 12 points: b, the least recently used, goes
  assert.equal(cache.get('b', 'epoch', 4), undefined);
  assert.ok(cache.get('a', 'epoch', 4) && cache.get('c', 'epoch', 4));
  assert.deepEqual(cache.size, { curves: 2, points: 8 });
  cache.set('a', 'epoch', 4, curve(2)); // replaced, not counted twice
  assert.deepEqual(cache.size, { curves: 2, points: 6 });
  cache.set('d', 'epoch', 11, curve(11)); // larger than the whole budget: not kept, nothing evicted
  assert.deepEqual(cache.size, { curves: 2, points: 6 });
});
