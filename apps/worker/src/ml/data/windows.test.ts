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

test("a split offers n − T − 1 windows, the study's count (80,000 tokens at T=64 → 79,935)", () => {
  assert.equal(windowCount(new Int32Array(80_000), 64), 79_935);
  assert.equal(windowCount(tokens, 4), 15);
  const all = [...evalBatches(tokens, 4, 1000, 64)];
  assert.equal(all[0]!.size, 15);
  assert.equal(all[0]!.y.at(-1), 18);
});

test('all-tokens targets are the window shifted by one', () => {
  const [b] = [...evalBatches(tokens, 4, 2, 2, 'all')];
  assert.deepEqual([...b!.x], [0, 1, 2, 3, 1, 2, 3, 4]);
  assert.deepEqual([...b!.y], [1, 2, 3, 4, 2, 3, 4, 5]);
});

test('random windows are contiguous, in range, and repeat for a seed', () => {
  const a = randomBatch(tokens, 4, 50, createRng(7));
  const b = randomBatch(tokens, 4, 50, createRng(7));
  assert.deepEqual(a, b);
  for (let i = 0; i < a.size; i++) {
    const start = a.x[i * 4]!;
    assert.deepEqual([...a.x.subarray(i * 4, i * 4 + 4)], [start, start + 1, start + 2, start + 3]);
    assert.equal(a.y[i], start + 4);
    assert.ok(start + 4 < tokens.length - 1);
  }
});
