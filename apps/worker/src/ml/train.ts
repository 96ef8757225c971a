// The training protocol of the study: Adam (β 0.9/0.999, ε 1e-8) at a constant learning rate; each epoch
// draws `windowsPerEpoch` random windows; validation after every epoch; the best-validation weights are
// restored before the test NLL is measured. Pure ML: no queue, database or logger (runs from the CLI too).
import { countParams, forwardFlopsPerWindow, type EpochMetrics, type ExperimentSpec } from '@slmlab/core';
import { tf } from './tf.ts';
import type { Corpus } from './data/index.ts';
import { epochBatchSizes, randomBatch } from './data/windows.ts';
import { evaluate } from './evaluate.ts';
import { batchNll } from './loss.ts';
import { buildModel, type LanguageModel } from './models/index.ts';
import { createRng, deriveSeed } from './rng.ts';

export type { EpochMetrics };

export interface Progress {
  epoch: number;
  step: number;
  totalSteps: number;
  loss: number;
  tokensPerSec: number;
  etaSeconds: number;
}

export interface TrainHooks {
  onEpoch?(m: EpochMetrics): Promise<void> | void;
  /** Called at most every `progressEveryMs` (default 1 s). */
  onProgress?(p: Progress): void;
  progressEveryMs?: number;
  signal?: AbortSignal;
}

export interface TrainResult {
  params: number;
  bestValNll: number;
  bestEpoch: number;
  testNll: number;
  /** All-tokens models: test NLL over every position. */
  testNllAllTokens?: number;
  epochs: EpochMetrics[];
  wallSeconds: number;
  /** Training tokens per second (evaluation time excluded). */
  tokensPerSec: number;
}

export interface TrainRun {
  result: TrainResult;
  /** The trained model holding the best-validation weights; the caller disposes it (`model.params.dispose()`). */
  model: LanguageModel;
}

export async function train(spec: ExperimentSpec, corpus: Corpus, hooks: TrainHooks = {}): Promise<TrainRun> {
  const { training: t, model: m } = spec;
  const T = m.contextLength;
  const started = performance.now();
  const model = buildModel(spec, corpus.vocab.length, createRng(deriveSeed(t.seed, 'init')), createRng(deriveSeed(t.seed, 'dropout')));
  checkParamCount(spec, corpus.vocab.length, model);
  const sampler = createRng(deriveSeed(t.seed, 'sample'));
  const trainTokens = t.trainTokens ? corpus.train.subarray(0, t.trainTokens) : corpus.train;
  const valid = t.evalTokens ? corpus.valid.subarray(0, t.evalTokens) : corpus.valid;
  const test = t.evalTokens ? corpus.test.subarray(0, t.evalTokens) : corpus.test;
  const optimizer = tf.train.adam(t.learningRate, 0.9, 0.999, 1e-8);
  const evalOpts = { contextLength: T, windows: t.evalWindows, batchSize: t.batchSize };
  const batchSizes = epochBatchSizes(t.windowsPerEpoch, t.batchSize);
  const clock = progressClock(batchSizes.length * t.epochs, hooks, budgetCheck(spec, corpus.vocab.length, started));
  const epochs: EpochMetrics[] = [];
  let best: { valNll: number; epoch: number; weights: Map<string, tf.Tensor> } | undefined;
  try {
    for (let epoch = 1; epoch <= t.epochs; epoch++) {
      const trainNll = await trainEpoch(model, optimizer, trainTokens, T, batchSizes, sampler, clock, epoch, hooks);
      const val = await evaluate(model, valid, evalOpts);
      const valNll = val.nll;
      const point: EpochMetrics = { epoch, step: clock.step, tokens: clock.tokens, seconds: elapsed(started), trainNll, valNll };
      if (val.allTokensNll !== undefined) point.valNllAllTokens = val.allTokensNll;
      epochs.push(point);
      if (!best || valNll < best.valNll) best = replaceSnapshot(best, model, valNll, epoch);
      await hooks.onEpoch?.(point);
    }
    restore(model, best!.weights);
    const tested = await evaluate(model, test, evalOpts);
    const result: TrainResult = {
      params: model.params.count(),
      bestValNll: best!.valNll,
      bestEpoch: best!.epoch,
      testNll: tested.nll,
      ...(tested.allTokensNll !== undefined ? { testNllAllTokens: tested.allTokensNll } : {}),
      epochs,
      wallSeconds: elapsed(started),
      tokensPerSec: clock.tokens / Math.max(clock.trainSeconds, 1e-9),
    };
    return { result, model };
  } catch (err) {
    model.params.dispose();
    throw err;
  } finally {
    best?.weights.forEach((w) => w.dispose());
    optimizer.dispose();
  }
}

async function trainEpoch(
  model: LanguageModel,
  optimizer: tf.Optimizer,
  tokens: Int32Array,
  T: number,
  batchSizes: number[],
  sampler: ReturnType<typeof createRng>,
  clock: ProgressClock,
  epoch: number,
  hooks: TrainHooks,
): Promise<number> {
  let sum = 0;
  const targets = model.objective === 'all-tokens' ? 'all' : 'last';
  for (const size of batchSizes) {
    hooks.signal?.throwIfAborted();
    const batch = randomBatch(tokens, T, size, sampler, targets);
    const t0 = performance.now();
    const loss = tf.tidy(() => {
      const x = tf.tensor2d(batch.x, [size, T], 'int32');
      return optimizer.minimize(() => batchNll(model.logits(x, true), batch.y), true)!;
    });
    const value = (await loss.data())[0]!;
    loss.dispose();
    if (!Number.isFinite(value)) throw new DivergenceError(epoch, clock.step + 1, value);
    sum += value;
    await clock.tick(epoch, size * T, (performance.now() - t0) / 1000, value);
  }
  return sum / batchSizes.length;
}

/** The spec's wall-clock or FLOPs budget ran out: the run fails with the reason, without retrying. */
export class BudgetExceededError extends Error {
  constructor(what: string, epoch: number, step: number) {
    super(`budget exceeded: ${what} at epoch ${epoch}, step ${step}`);
    this.name = 'BudgetExceededError';
  }
}

/** Throws BudgetExceededError when a budget of the spec is spent (checked after every step). */
function budgetCheck(spec: ExperimentSpec, vocabSize: number, started: number) {
  const { maxWallSeconds, maxTrainFlops } = spec.training;
  const flopsPerToken = (3 * forwardFlopsPerWindow(spec, vocabSize)) / spec.model.contextLength;
  return (epoch: number, step: number, tokens: number) => {
    const seconds = elapsed(started);
    if (maxWallSeconds !== undefined && seconds > maxWallSeconds) {
      throw new BudgetExceededError(`${seconds.toFixed(1)} s of wall-clock time > maxWallSeconds ${maxWallSeconds}`, epoch, step);
    }
    const flops = tokens * flopsPerToken;
    if (maxTrainFlops !== undefined && flops > maxTrainFlops) {
      throw new BudgetExceededError(`${flops.toExponential(3)} training FLOPs > maxTrainFlops ${maxTrainFlops.toExponential(3)}`, epoch, step);
    }
  };
}

/** Training loss became NaN or infinite: more steps cannot recover it, so the run fails without retrying. */
export class DivergenceError extends Error {
  constructor(epoch: number, step: number, value: number) {
    super(`training diverged: loss is ${value} at epoch ${epoch}, step ${step} (try a lower learning rate)`);
    this.name = 'DivergenceError';
  }
}

type ProgressClock = ReturnType<typeof progressClock>;

/** Counts steps and tokens, checks budgets, reports progress at most every `progressEveryMs`, and yields to the event loop. */
function progressClock(totalSteps: number, hooks: TrainHooks, afterStep: (epoch: number, step: number, tokens: number) => void) {
  const every = hooks.progressEveryMs ?? 1000;
  let lastReport = performance.now();
  let lastYield = performance.now();
  const state = {
    step: 0,
    tokens: 0,
    trainSeconds: 0,
    async tick(epoch: number, tokens: number, seconds: number, loss: number) {
      state.step++;
      state.tokens += tokens;
      state.trainSeconds += seconds;
      afterStep(epoch, state.step, state.tokens);
      const now = performance.now();
      if (hooks.onProgress && now - lastReport >= every) {
        lastReport = now;
        const tps = state.tokens / Math.max(state.trainSeconds, 1e-9);
        const left = (totalSteps - state.step) * (state.trainSeconds / state.step);
        hooks.onProgress({ epoch, step: state.step, totalSteps, loss, tokensPerSec: tps, etaSeconds: left });
      }
      // wasm and cpu kernels run synchronously: without this, timers (e.g. BullMQ's lock renewal) would starve.
      if (now - lastYield >= 50) {
        lastYield = now;
        await new Promise((r) => setImmediate(r));
      }
    },
  };
  return state;
}

function replaceSnapshot(
  prev: { weights: Map<string, tf.Tensor> } | undefined,
  model: LanguageModel,
  valNll: number,
  epoch: number,
) {
  prev?.weights.forEach((w) => w.dispose());
  const weights = new Map<string, tf.Tensor>();
  for (const [name, v] of model.params.vars) weights.set(name, tf.clone(v));
  return { valNll, epoch, weights };
}

function restore(model: LanguageModel, weights: Map<string, tf.Tensor>) {
  for (const [name, v] of model.params.vars) v.assign(weights.get(name)!);
}

/** The tfjs model must have exactly the parameters the cost model counts (the API prices jobs with it). */
function checkParamCount(spec: ExperimentSpec, vocabSize: number, model: LanguageModel) {
  const expected = countParams(spec.model, vocabSize);
  const actual = model.params.count();
  if (actual !== expected) {
    model.params.dispose();
    throw new Error(`model has ${actual} parameters but the cost model expects ${expected}`);
  }
}

function elapsed(since: number): number {
  return (performance.now() - since) / 1000;
}
