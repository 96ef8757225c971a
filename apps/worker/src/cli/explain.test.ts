import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpec } from '@slmlab/core';
import { closestStudyRow, describeRun, explainNll } from './explain.ts';

// The demo's experiment (scripts/demo-submit.ts).
const DEMO = parseSpec({ dataset: 'tinyshakespeare', model: { kind: 'linear', contextLength: 32 }, training: { epochs: 2, windowsPerEpoch: 10_000, evalWindows: 5_000 } });

test("the demo's run is described in words and compared with the study's linear T=32 row", async () => {
  assert.equal(describeRun(DEMO), 'linear (T=32, d=128) on Tiny Shakespeare, 2 epochs × 10,000 windows = 640 k training tokens');
  const row = await closestStudyRow(DEMO);
  assert.deepEqual([row?.preset, row?.testNll, row?.sameModel], ['paper/table-b/linear-t32', 2.5135, true]);
  const lines = await explainNll(DEMO, 2.7);
  assert.match(lines[0]!, /^test NLL 2\.7000 nats per token .*perplexity e\^NLL = 14\.9\)$/);
  assert.match(lines[1]!, /uniformly over Tiny Shakespeare's 65 characters scores ln 65 = 4\.17/);
  assert.match(lines[2]!, /paper\/table-b\/linear-t32 \(same model, 2 × 30,000 windows = 1\.9 M training tokens; this run 640 k, so expect a higher NLL here\): 2\.5135/);
});

test('closest row: the same model where there is one, else the nearest of its kind; none for another kind of data', async () => {
  const t128 = parseSpec({ dataset: 'tinyshakespeare', model: { kind: 'linear' }, training: { epochs: 3, windowsPerEpoch: 50_000 } });
  assert.equal((await closestStudyRow(t128))?.preset, 'paper/table-a/linear', 'same model and training as Table A');
  const deep = parseSpec({ dataset: 'tinyshakespeare', model: { kind: 'transformer', layers: 6 } });
  const row = await closestStudyRow(deep);
  assert.equal(row?.sameModel, false);
  assert.match(row!.preset, /transformer/);
  const ptbLinear = parseSpec({ dataset: 'ptb', model: { kind: 'linear' } });
  assert.equal(await closestStudyRow(ptbLinear), undefined);
});
