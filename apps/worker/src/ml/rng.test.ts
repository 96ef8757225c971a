import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, deriveSeed } from './rng.ts';

test('the same seed gives the same stream; a restored state continues it', () => {
  const a = createRng(42);
  const b = createRng(42);
  const xs = Array.from({ length: 5 }, () => a.next());
  assert.deepEqual(Array.from({ length: 5 }, () => b.next()), xs);
  const c = createRng(0, a.state());
  assert.equal(c.next(), a.next());
  assert.notEqual(createRng(43).next(), xs[0]);
  assert.notEqual(deriveSeed(689, 'init'), deriveSeed(689, 'sample'));
});

test('uniform draws have the right mean, ints stay in range, normals have unit variance', () => {
  const r = createRng(7);
  const n = 200_000;
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) sum += r.next();
  for (let i = 0; i < n; i++) {
    const z = r.normal();
    sq += z * z;
  }
  assert.ok(Math.abs(sum / n - 0.5) < 0.005);
  assert.ok(Math.abs(sq / n - 1) < 0.02);
  for (let i = 0; i < 1000; i++) {
    const k = r.int(13);
    assert.ok(Number.isInteger(k) && k >= 0 && k < 13);
  }
});
