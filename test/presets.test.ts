// Every preset of the study parses as a spec and carries the study's parameter count and FLOPs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { estimateCost, parseSpec } from '@slmlab/core';
import { repoRoot } from './helpers/stack.ts';

const STUDY: Record<string, { params: number; flops?: number }> = {
  'table-a/linear': { params: 1_073_345, flops: 4.12e13 },
  'table-a/mlp': { params: 4_285_377, flops: 1.65e14 },
  'table-a/attention': { params: 231_617, flops: 1.19e13 },
  'table-a/transformer': { params: 430_785, flops: 2.21e13 },
  'table-b/linear-t32': { params: 274_625 },
  'table-b/linear-t64': { params: 540_865 },
  'table-b/linear-t128': { params: 1_073_345 },
  'table-b/mlp-h128': { params: 2_130_497 },
  'table-b/mlp-h256': { params: 4_285_377 },
  'table-b/mlp-h512': { params: 8_693_441 },
  'table-b/attention-h1': { params: 231_617 },
  'table-b/attention-h2': { params: 231_617 },
  'table-b/attention-h4': { params: 231_617 },
  'table-b/transformer-l2': { params: 298_305 },
  'table-b/transformer-l3': { params: 430_785 },
  'table-b/transformer-l4': { params: 563_265 },
  'table-c/ptb': { params: 2_975_631, flops: 2.44e14 },
  'table-c/wikitext2': { params: 8_958_077, flops: 7.33e14 },
  'table-d/learned': { params: 430_785 },
  'table-d/rope': { params: 414_401 },
};

test("every preset of Tables A–D has the study's parameter count and FLOPs (3 significant figures)", async () => {
  for (const [name, want] of Object.entries(STUDY)) {
    const text = await readFile(path.join(repoRoot, 'experiments/paper', `${name}.json`), 'utf8');
    const cost = estimateCost(parseSpec(JSON.parse(text)));
    assert.equal(cost.params, want.params, name);
    if (want.flops) assert.equal(Number(cost.flopsStudy.toPrecision(3)), want.flops, name);
  }
});

test('Table C presets train on 79,935 windows of the first 80,000 tokens and test on 19,935', async () => {
  const spec = parseSpec(JSON.parse(await readFile(path.join(repoRoot, 'experiments/paper/table-c/ptb.json'), 'utf8')));
  assert.deepEqual(
    [spec.training.trainTokens, spec.training.windowsPerEpoch, spec.training.evalTokens, spec.training.evalWindows, spec.training.batchSize],
    [80_000, 79_935, 20_000, 19_935, 32],
  );
});
