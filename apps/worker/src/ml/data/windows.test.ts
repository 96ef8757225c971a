import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../rng.ts';
import { epochBatchSizes, evalBatches, randomBatch, windowCount } from './windows.ts';

const tokens = Int32Array.from({ length: 20 }, (_, i) => i);

test('an epoch of 50,000 windows at batch 64 is 781 full batches and one of 16', () => {
  const sizes = epochBatchSizes(50_000, 64);
  assert.equal(sizes.length, 782);
  assert.equal(sizes.at(-1), 16);
  assert.equal(sizes.reduce((a, b) => a + b, 0), 50_000);
});

test('evaluation takes the first N windows at stride 1, target = the next token', () => {
  const batches = [...evalBatches(tokens, 4, 5, 2)];
  assert.deepEqual(batches.map((b) => b.size), [2, 2, 1]);
  assert.deepEqual([...batches[0]!.x], [0, 1, 2, 3, 1, 2, 3, 4]);
  assert.deepEqual([...batches[0]!.y], [4, 5]);
  assert.deepEqual([...batches[2]!.x], [4, 5, 6, 7]);
  assert.deepEqual([...batches[2]!.y], [8]);
});

test('evaluation stops at the last complete window', () => {
  assert.equal(windowCount(tokens, 4), 16);
  const all = [...evalBatches(tokens, 4, 1000, 64)];
  assert.equal(all[0]!.size, 16);
  assert.equal(all[0]!.y.at(-1), 19);
});

test('random windows are contiguous, in range, and repeat for a seed', () => {
  const a = randomBatch(tokens, 4, 50, createRng(7));
  const b = randomBatch(tokens, 4, 50, createRng(7));
  assert.deepEqual(a, b);
  for (let i = 0; i < a.size; i++) {
    const start = a.x[i * 4]!;
    assert.deepEqual([...a.x.subarray(i * 4, i * 4 + 4)], [start, start + 1, start + 2, start + 3]);
    assert.equal(a.y[i], start + 4);
    assert.ok(start + 4 < tokens.length);
  }
});
