// Both sandboxes (a training thread, a training child process) against the in-process path: same results to the
// bit on one backend, events delivered and acknowledged, a stop and a permanent error arriving under their own
// names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpec } from '@slmlab/core';
import { decodeCheckpoint } from '../ml/checkpoint.ts';
import { loadCorpus } from '../ml/data/index.ts';
import type { BackendName } from '../ml/backend.ts';
import { testBackend } from '../ml/test-backend.ts';
import { tf } from '../ml/tf.ts';
import type { CheckpointAt } from '../ml/train.ts';
import type { TrainEvents, TrainInput } from './run-training.ts';
import { inProcessTrainer, processTrainer, threadTrainer } from './trainer.ts';

const spec = (training: Record<string, unknown> = {}) =>
  parseSpec({
    dataset: 'tinyshakespeare',
    model: { kind: 'attention', contextLength: 16, dModel: 32, heads: 4, ffnHidden: 64, dropout: 0.1 },
    training: { epochs: 2, windowsPerEpoch: 512, batchSize: 64, evalWindows: 256, seed: 9, ...training },
  });

const input = (s: ReturnType<typeof spec>, resume?: Uint8Array): TrainInput => ({
  experimentId: 'sandbox-test',
  spec: s,
  data: { dataDir: process.env.SLMLAB_DATA_DIR!, allowDownload: false },
  resume,
  checkpointEvery: { steps: 3, seconds: 0 },
});

function recorder() {
  const seen = { epochs: [] as number[], checkpoints: [] as { bytes: Uint8Array; at: CheckpointAt }[], progress: 0, resumed: [] as unknown[] };
  const events: TrainEvents = {
    epoch: async (m) => void seen.epochs.push(m.epoch),
    progress: () => void seen.progress++,
    checkpoint: async (bytes, at) => void seen.checkpoints.push({ bytes, at }),
    resumed: (info) => void seen.resumed.push(info),
  };
  return { seen, events };
}

async function backendName(): Promise<BackendName> {
  await testBackend();
  return tf.getBackend() as BackendName;
}

for (const [sandbox, sandboxTrainer] of [['thread', threadTrainer], ['process', processTrainer]] as const) {

  test(`${sandbox}: a job trained there gives the in-process result exactly, with every event`, async () => {
    const backend = await backendName();
    const s = spec();
    const here = recorder();
    const local = await inProcessTrainer(loadCorpus)(input(s), here.events, new AbortController().signal);
    const there = recorder();
    const threaded = await sandboxTrainer(backend)(input(s), there.events, new AbortController().signal);
    assert.deepEqual(threaded.result.epochs.map((e) => [e.trainNll, e.valNll]), local.result.epochs.map((e) => [e.trainNll, e.valNll]));
    assert.equal(threaded.result.testNll, local.result.testNll);
    assert.deepEqual(there.seen.epochs, [1, 2]);
    // 2 epochs of 8 steps, a state every 3 steps and at each epoch's end: all of them crossed from the sandbox.
    const expected = [[3, 'steps'], [6, 'steps'], [8, 'epoch'], [9, 'steps'], [12, 'steps'], [15, 'steps'], [16, 'epoch']];
    assert.deepEqual(there.seen.checkpoints.map((c) => [c.at.step, c.at.reason]), expected);
    assert.deepEqual(here.seen.checkpoints.map((c) => [c.at.step, c.at.reason]), expected);
    assert.deepEqual(decodeCheckpoint(threaded.best).values.get('head.w')?.data, decodeCheckpoint(local.best).values.get('head.w')?.data);
  });

  test(`${sandbox}: a sandbox resumes from a state written by another`, async () => {
    const backend = await backendName();
    const s = spec();
    const stop = new AbortController();
    const first = recorder();
    const events = { ...first.events, checkpoint: async (bytes: Uint8Array, at: CheckpointAt) => {
      first.seen.checkpoints.push({ bytes, at });
      if (at.step >= 6) stop.abort('test stop');
    } };
    await assert.rejects(sandboxTrainer(backend)(input(s), events, stop.signal), (e: Error) => e.name === 'TrainingStopped');
    const last = first.seen.checkpoints.at(-1)!;
    assert.equal(last.at.reason, 'stop');
    const second = recorder();
    const resumed = await sandboxTrainer(backend)(input(s, last.bytes), second.events, new AbortController().signal);
    assert.deepEqual(second.seen.resumed, [{ step: last.at.step, epochsDone: 0 }]);
    const reference = await sandboxTrainer(backend)(input(s), recorder().events, new AbortController().signal);
    assert.equal(resumed.result.testNll, reference.result.testNll);
    assert.equal(resumed.result.resumedFromStep, last.at.step);
  });

  test(`${sandbox}: a permanent error reaches the process under its own name`, async () => {
    const backend = await backendName();
    const diverges = parseSpec({
      dataset: 'tinyshakespeare',
      // No dropout: with it the loss can stay finite (in the thousands) instead of reaching NaN; without, every
      // seed tried gave NaN at step 2.
      model: { kind: 'mlp', contextLength: 16, hidden: 512, hiddenLayers: 16, dropout: 0 },
      training: { epochs: 1, windowsPerEpoch: 3000, evalWindows: 200, learningRate: 10 },
    });
    await assert.rejects(sandboxTrainer(backend)(input(diverges), recorder().events, new AbortController().signal), (e: Error) => {
      assert.equal(e.name, 'DivergenceError');
      assert.match(e.message, /training diverged/);
      assert.equal((e as Error & { retryable?: boolean }).retryable, false, 'and says a retry cannot help');
      return true;
    });
  });
}
