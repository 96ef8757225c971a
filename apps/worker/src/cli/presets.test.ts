import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listPresets } from './presets.ts';

test("presets are the spec files only: the study's 20 rows, not paper/results (its numbers)", async () => {
  const names = await listPresets();
  assert.ok(!names.includes('paper/results'), names.join(', '));
  assert.equal(names.filter((n) => /^paper\/table-[a-d]\//.test(n)).length, 20);
  assert.deepEqual(names, [...names].sort());
});
