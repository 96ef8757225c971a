// The webgpu backend trains the study's models as the cpu and wasm backends do: for every model kind, position
// scheme, block and objective, the loss and every gradient of a first step, and the losses of the next Adam
// steps, agree within float32 tolerance; and a training state written on wasm resumes on webgpu, its tensors
// arriving bit for bit. Runs on whatever adapter Dawn finds — SwiftShader in CI (scripts/test.sh) — so the
// shapes are tiny.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpec, type ExperimentSpec } from '@slmlab/core';
import { tf } from '../tf.ts';
import { initBackend } from '../backend.ts';
import { tokenizeShakespeare } from '../data/tinyshakespeare.ts';
import { decodeCheckpoint } from '../checkpoint.ts';
import { tokenTensor } from '../kernels/embedding.ts';
import { batchNll } from '../loss.ts';
import { buildModel } from '../models/index.ts';
import { createRng } from '../rng.ts';
import { train, TrainingStopped } from '../train.ts';
import { decodeTrainState } from '../train-state.ts';

const BACKENDS = ['cpu', 'wasm', 'webgpu'] as const;
type Name = (typeof BACKENDS)[number];

let ready: Promise<void> | undefined;
/** Starts all three once; `use` then switches between them. */
function startAll() {
  ready ??= (async () => {
    for (const b of BACKENDS) await initBackend(b);
  })();
  return ready;
}
async function use(b: Name) {
  await startAll();
  assert.ok(await tf.setBackend(b));
}

const V = 13;
const tiny = (model: Record<string, unknown>, objective = 'last-token') => {
  const attn = /^(attention|transformer)$/.test(String(model['kind']));
  return parseSpec({
    dataset: 'tinyshakespeare',
    model: { contextLength: 8, dModel: 16, ...(attn ? { heads: 2, ffnHidden: 32, dropout: 0.1, attnDropout: 0.1 } : {}), ...model },
    training: { objective, batchSize: 4, learningRate: 1e-2 },
  });
};

/** Every model kind, position scheme, block and objective of the study, at toy size. */
const CASES: [string, ExperimentSpec][] = [
  ['linear', tiny({ kind: 'linear' })],
  ['mlp (2 hidden layers, dropout)', tiny({ kind: 'mlp', hidden: 24, hiddenLayers: 2, dropout: 0.1 })],
  ['attention (post-ln, learned)', tiny({ kind: 'attention' })],
  ['transformer L=2 post-ln learned', tiny({ kind: 'transformer', layers: 2 })],
  ['transformer L=2 pre-ln rope', tiny({ kind: 'transformer', layers: 2, block: 'pre-ln', positions: 'rope' })],
  ['transformer L=1 pre-ln no positions', tiny({ kind: 'transformer', layers: 1, block: 'pre-ln', positions: 'none' })],
  ['transformer L=2 post-ln all-tokens', tiny({ kind: 'transformer', layers: 2 }, 'all-tokens')],
];

/** The same batch for every backend: [B, T] tokens and their targets (1 or T per window). */
function batch(spec: ExperimentSpec) {
  const { contextLength: T } = spec.model;
  const B = spec.training.batchSize;
  const x = Int32Array.from({ length: B * T }, (_, i) => (i * 7 + 3) % V);
  const allTokens = spec.training.objective === 'all-tokens';
  const y = Int32Array.from({ length: allTokens ? B * T : B }, (_, i) => (i * 5 + 1) % V);
  return { x: () => tokenTensor(x, B, T), y };
}

/** The first step's loss and gradients, then the losses of `steps` Adam steps; dropout on (masks drawn in JS). */
async function firstSteps(b: Name, spec: ExperimentSpec, steps = 3) {
  await use(b);
  const model = buildModel(spec, V, createRng(1), createRng(2));
  const { x, y } = batch(spec);
  const lossFn = () => batchNll(model.logits(x(), true), y);
  const { value, grads } = tf.variableGrads(lossFn);
  const out = { loss: (await value.data())[0]!, grads: new Map<string, Float32Array>(), losses: [] as number[] };
  for (const [name, v] of model.params.vars) {
    const g = grads[v.name];
    if (g) out.grads.set(name, (await g.data()) as Float32Array); // by the model's own name: tfjs's are global
  }
  tf.dispose([value, ...Object.values(grads)]);
  const opt = tf.train.adam(spec.training.learningRate);
  for (let i = 0; i < steps; i++) {
    const loss = opt.minimize(lossFn, true)!;
    out.losses.push((await loss.data())[0]!);
    loss.dispose();
  }
  opt.dispose();
  model.params.dispose();
  return out;
}

/** |a − b| ≤ atol + rtol·max|b| over the whole tensor: float32 sums in another order, not another result. */
function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, what: string, rtol = 1e-4, atol = 1e-6) {
  assert.equal(a.length, b.length, `${what}: length`);
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < b.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]!));
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  }
  assert.ok(worst <= atol + rtol * scale, `${what}: max |diff| ${worst.toExponential(2)} > ${(atol + rtol * scale).toExponential(2)} (scale ${scale.toExponential(2)})`);
}

for (const [label, spec] of CASES) {
  test(`webgpu agrees with cpu and wasm: ${label}`, async () => {
    const ref = await firstSteps('cpu', spec);
    for (const b of ['wasm', 'webgpu'] as const) {
      const got = await firstSteps(b, spec);
      assertClose([got.loss], [ref.loss], `${b} first loss`, 1e-5);
      assert.deepEqual([...got.grads.keys()].sort(), [...ref.grads.keys()].sort(), `${b}: the same variables get gradients`);
      for (const [name, g] of ref.grads) assertClose(got.grads.get(name)!, g, `${b} gradient of ${name}`);
      assertClose(got.losses, ref.losses, `${b} Adam-step losses`, 1e-4);
    }
    assert.ok(ref.losses.at(-1)! < ref.loss, 'the steps learned something (the comparison is not of constants)');
  });
}

const corpus = tokenizeShakespeare('first citizen: we are accounted poor, the patricians good.\n'.repeat(20), { train: 900, valid: 120, test: 120 });
const resumeSpec = parseSpec({
  dataset: 'tinyshakespeare',
  model: { kind: 'transformer', layers: 1, contextLength: 8, dModel: 16, heads: 2, ffnHidden: 32, positions: 'rope', dropout: 0.1 },
  training: { epochs: 2, windowsPerEpoch: 64, batchSize: 16, evalWindows: 32, learningRate: 3e-3, seed: 5 },
});

/** Trains until step `at`, then stops; returns the stop checkpoint. */
async function stateAt(at: number): Promise<Uint8Array> {
  let saved: Uint8Array | undefined;
  const stop = new AbortController();
  const save = async (bytes: Uint8Array, where: { step: number; reason: string }) => {
    if (where.reason === 'stop') saved = bytes;
    else if (where.step >= at) stop.abort('test stop');
  };
  await assert.rejects(train(resumeSpec, corpus, { signal: stop.signal, checkpoint: { everySteps: at, save } }), TrainingStopped);
  return saved!;
}

test('a training state written on wasm resumes on webgpu: its tensors arrive bit for bit, and training goes on alike', async () => {
  await use('wasm');
  const state = await stateAt(3);
  const tensorsOf = (bytes: Uint8Array) => [...decodeCheckpoint(bytes).values].map(([k, v]) => [k, Array.from(v.data)]);

  // Resumed on webgpu and stopped at once: the state it writes back holds exactly the tensors it was given.
  await use('webgpu');
  let echoed: Uint8Array | undefined;
  const stopNow = new AbortController();
  stopNow.abort('test stop');
  const checkpoint = { save: async (bytes: Uint8Array) => void (echoed = bytes) };
  await assert.rejects(train(resumeSpec, corpus, { resume: decodeTrainState(state, resumeSpec), signal: stopNow.signal, checkpoint }), TrainingStopped);
  assert.deepEqual(tensorsOf(echoed!), tensorsOf(state));

  // Resumed to the end on each backend: the same run within float32 noise, counted from the same step.
  const finish = async (b: Name) => {
    await use(b);
    const { result, model } = await train(resumeSpec, corpus, { resume: decodeTrainState(state, resumeSpec) });
    model.params.dispose();
    return result;
  };
  const onWasm = await finish('wasm');
  const onWebgpu = await finish('webgpu');
  assert.equal(onWebgpu.resumedFromStep, decodeTrainState(state, resumeSpec).meta.counters.step);
  assert.equal(onWebgpu.resumedFromStep, onWasm.resumedFromStep);
  assertClose(onWebgpu.epochs.map((e) => e.valNll), onWasm.epochs.map((e) => e.valNll), 'validation NLL by epoch', 1e-3);
  assertClose([onWebgpu.testNll], [onWasm.testNll], 'test NLL', 1e-3);
});

test('a product with a small output and a long inner dimension repeats bit for bit (no split-K atomics)', async () => {
  await use('webgpu');
  // Xᵀ·dY of a narrow layer: [16, 8192]·[8192, 16], which tfjs would split along the inner dimension.
  const a = tf.tensor2d(Float32Array.from({ length: 16 * 8192 }, (_, i) => Math.sin(i * 0.1)), [16, 8192]);
  const b = tf.tensor2d(Float32Array.from({ length: 8192 * 16 }, (_, i) => Math.cos(i * 0.7)), [8192, 16]);
  const runs: Float32Array[] = [];
  for (let i = 0; i < 4; i++) {
    const c = tf.matMul(a, b);
    runs.push((await c.data()) as Float32Array);
    c.dispose();
  }
  tf.dispose([a, b]);
  for (const r of runs.slice(1)) assert.deepEqual(r, runs[0]);
});
