import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpec } from '@slmlab/core';
import { tf } from './tf.ts';
import { testBackend } from './test-backend.ts';
import { tokenizeShakespeare } from './data/tinyshakespeare.ts';
import { BudgetExceededError, train } from './train.ts';
import { evaluate } from './evaluate.ts';
import { createRng } from './rng.ts';

const corpus = tokenizeShakespeare('first citizen: we are accounted poor.\n'.repeat(70), { train: 1900, valid: 300, test: 300 });

const spec = (model: Record<string, unknown>, training: Record<string, unknown> = {}) =>
  parseSpec({
    dataset: 'tinyshakespeare',
    model: { contextLength: 8, dModel: 32, heads: 4, ffnHidden: 64, ...model },
    training: { epochs: 1, windowsPerEpoch: 256, batchSize: 32, evalWindows: 64, learningRate: 3e-3, ...training },
  });

test('no tensor is left behind by a training step or by a whole run', async () => {
  await testBackend();
  const s = spec({ kind: 'transformer', layers: 2, positions: 'rope' });
  (await train(s, corpus)).model.params.dispose(); // first run builds the shared mask and RoPE tables
  const before = tf.memory().numTensors;
  const perStep: number[] = [];
  const { model } = await train(s, corpus, { progressEveryMs: 0, onProgress: () => perStep.push(tf.memory().numTensors) });
  model.params.dispose();
  assert.equal(perStep.length, 8, '256 windows in batches of 32: a report after each of the 8 steps');
  assert.equal(new Set(perStep).size, 1, `tensor count changed between steps: ${perStep.join(',')}`);
  assert.equal(tf.memory().numTensors, before);
});

test('a transformer learns a repeated sentence to near-zero loss (all-tokens and last-token)', async () => {
  await testBackend();
  for (const objective of ['all-tokens', 'last-token']) {
    const s = spec({ kind: 'transformer', layers: 2, dropout: 0 }, { epochs: 6, objective, windowsPerEpoch: 512 });
    const { result, model } = await train(s, corpus);
    model.params.dispose();
    assert.ok(result.testNll < 0.1, `${objective}: test NLL ${result.testNll}`);
    if (objective === 'all-tokens') assert.ok(result.testNllAllTokens !== undefined);
  }
});

test('the same seed gives the same run on one backend (dropout included); another seed does not', async () => {
  await testBackend();
  const run = async (seed: number) => {
    const { result, model } = await train(spec({ kind: 'attention', dropout: 0.2 }, { seed }), corpus);
    model.params.dispose();
    return result.epochs.map((e) => [e.trainNll, e.valNll]).concat([[result.testNll]]);
  };
  const a = await run(1);
  assert.deepEqual(await run(1), a);
  assert.notDeepEqual(await run(2), a);
});

test('the best-validation weights are restored before testing', async () => {
  await testBackend();
  const s = parseSpec({
    dataset: 'tinyshakespeare',
    model: { kind: 'linear', contextLength: 8, dModel: 16 },
    training: { epochs: 4, windowsPerEpoch: 256, batchSize: 32, evalWindows: 64, learningRate: 0.3, seed: 3 },
  });
  // Random text: nothing generalises, so a high learning rate overfits and validation NLL rises after a while.
  const rng = createRng(4);
  const noise = tokenizeShakespeare(Array.from({ length: 3000 }, () => 'abcdefgh'[rng.int(8)]).join(''), { train: 2400, valid: 300, test: 300 });
  const { result, model } = await train(s, noise);
  const best = result.epochs.reduce((b, e) => (e.valNll < b.valNll ? e : b));
  assert.equal(result.bestEpoch, best.epoch);
  assert.ok(best.epoch < 4, `this setting should overshoot after the best epoch (val: ${result.epochs.map((e) => e.valNll)})`);
  const opts = { contextLength: 8, windows: 64, batchSize: 32 };
  // The returned model holds the best epoch's weights: its validation NLL is the best one, not the last one.
  assert.equal((await evaluate(model, noise.valid, opts)).nll, best.valNll);
  assert.equal((await evaluate(model, noise.test, opts)).nll, result.testNll);
  model.params.dispose();
});

test('a spent FLOPs or wall-clock budget stops the run with the reason', async () => {
  await testBackend();
  const flops = spec({ kind: 'attention' }, { epochs: 3, maxTrainFlops: 1e6 });
  await assert.rejects(train(flops, corpus), (e: unknown) => {
    assert.ok(e instanceof BudgetExceededError);
    assert.match(e.message, /^budget exceeded: [\d.e+]+ training FLOPs > maxTrainFlops 1\.000e\+6 at epoch 1, step \d+$/);
    return true;
  });
  const wall = spec({ kind: 'transformer', layers: 2 }, { epochs: 50, windowsPerEpoch: 4096, maxWallSeconds: 1 });
  const t0 = performance.now();
  await assert.rejects(train(wall, corpus), /budget exceeded: [\d.]+ s of wall-clock time > maxWallSeconds 1 at epoch/);
  assert.ok(performance.now() - t0 < 10_000, 'stopped soon after the budget');
});
