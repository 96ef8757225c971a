import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpec } from '@slmlab/core';
import { tf } from './tf.ts';
import { testBackend } from './test-backend.ts';
import { tokenizeShakespeare } from './data/tinyshakespeare.ts';
import { train, TrainingStopped, type CheckpointAt, type TrainResult } from './train.ts';
import { decodeTrainState, ResumeError } from './train-state.ts';

const corpus = tokenizeShakespeare('first citizen: we are accounted poor, the patricians good.\n'.repeat(60), { train: 2800, valid: 300, test: 300 });

// Dropout on (its RNG must be restored too), 8 steps per epoch, 3 epochs.
const spec = (kind: 'attention' | 'transformer', training: Record<string, unknown> = {}) =>
  parseSpec({
    dataset: 'tinyshakespeare',
    model: { kind, contextLength: 8, dModel: 32, heads: 4, ffnHidden: 64, dropout: 0.2, ...(kind === 'transformer' ? { layers: 2, positions: 'rope' } : {}) },
    training: { epochs: 3, windowsPerEpoch: 256, batchSize: 32, evalWindows: 64, learningRate: 3e-3, seed: 5, ...training },
  });

/** What must match between runs: everything but timings. */
const outcome = (r: TrainResult) => ({
  testNll: r.testNll,
  testNllAllTokens: r.testNllAllTokens,
  bestValNll: r.bestValNll,
  bestEpoch: r.bestEpoch,
  curve: r.epochs.map(({ epoch, step, tokens, trainNll, valNll }) => ({ epoch, step, tokens, trainNll, valNll })),
});

async function uninterrupted(s: ReturnType<typeof spec>) {
  const { result, model } = await train(s, corpus);
  model.params.dispose();
  return result;
}

/** Runs until `stopAfterStep`, asks it to stop there, and returns every checkpoint it wrote. */
async function interrupted(s: ReturnType<typeof spec>, stopAfterStep: number, everySteps: number) {
  const saved: { bytes: Uint8Array; at: CheckpointAt }[] = [];
  const stop = new AbortController();
  const save = async (bytes: Uint8Array, at: CheckpointAt) => {
    saved.push({ bytes, at });
    if (at.step >= stopAfterStep) stop.abort('test stop');
  };
  await assert.rejects(train(s, corpus, { signal: stop.signal, checkpoint: { everySteps, save } }), TrainingStopped);
  return saved;
}

for (const [kind, objective] of [['attention', 'last-token'], ['transformer', 'all-tokens']] as const) {
  test(`${kind} (${objective}): a run resumed from a mid-epoch checkpoint ends exactly as an uninterrupted one`, async () => {
    await testBackend();
    const s = spec(kind, { objective });
    const reference = await uninterrupted(s);
    const saved = await interrupted(s, 11, 3);
    const last = saved.at(-1)!;
    assert.equal(last.at.reason, 'stop');
    assert.equal(last.at.step, 12, 'stopped at the first step boundary after the abort');
    assert.deepEqual(saved.map((c) => c.at.reason), ['steps', 'steps', 'epoch', 'steps', 'steps', 'stop']);
    const before = tf.memory().numTensors;
    const { result, model } = await train(s, corpus, { resume: decodeTrainState(last.bytes, s) });
    model.params.dispose();
    assert.equal(tf.memory().numTensors, before, 'no tensor left behind by a resumed run');
    assert.equal(result.resumedFromStep, 12);
    assert.deepEqual(outcome(result), outcome(reference));
  });
}

test('resuming from an epoch-end checkpoint, or from the last one, also matches; counters continue', async () => {
  await testBackend();
  const s = spec('attention');
  const reference = await uninterrupted(s);
  const saved: Uint8Array[] = [];
  const { result: full, model } = await train(s, corpus, { checkpoint: { save: async (b) => void saved.push(b) } });
  model.params.dispose();
  assert.equal(saved.length, 3, 'one checkpoint per epoch end');
  assert.deepEqual(outcome(full), outcome(reference));
  for (const bytes of saved) {
    const state = decodeTrainState(bytes, s);
    const { result, model: m } = await train(s, corpus, { resume: state });
    m.params.dispose();
    assert.deepEqual(outcome(result), outcome(reference));
    assert.equal(result.resumedFromStep, state.meta.counters.step);
    assert.ok(result.wallSeconds >= state.meta.counters.wallSeconds, 'wall-clock time spans attempts');
  }
});

test('a checkpoint of another spec, or of weights only, is refused for resuming', async () => {
  await testBackend();
  const s = spec('attention', { epochs: 1 });
  const saved: Uint8Array[] = [];
  (await train(s, corpus, { checkpoint: { save: async (b) => void saved.push(b) } })).model.params.dispose();
  assert.throws(() => decodeTrainState(saved[0]!, spec('attention', { epochs: 1, seed: 6 })), ResumeError);
  assert.throws(() => decodeTrainState(new TextEncoder().encode('SLMLABCK'), s), /header|JSON|magic|Unexpected/);
});
