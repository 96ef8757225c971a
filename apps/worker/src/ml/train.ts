// The training protocol of the study: Adam (β 0.9/0.999, ε 1e-8) at a constant learning rate; each epoch
// draws `windowsPerEpoch` random windows; validation after every epoch; the best-validation weights are
// restored before the test NLL is measured. Pure ML: no queue, database or logger (runs from the CLI too).
// A run can checkpoint its whole state (train-state.ts) and resume from one, taking the same steps it would
// have taken uninterrupted.
import { SlmlabError, countParams, trainFlopsPerWindow, specHash, type EpochMetrics, type ExperimentSpec, type TrainProgress } from '@slmlab/core';
import { tf } from './tf.ts';
import type { Corpus } from './data/index.ts';
import { epochBatchSizes, randomBatch } from './data/windows.ts';
import { evaluate } from './evaluate.ts';
import { batchNll } from './loss.ts';
import { buildModel, type LanguageModel } from './models/index.ts';
import { createRng, deriveSeed, type Rng } from './rng.ts';
import { adamScalars, adamTensors, createAdam, restoreAdam } from './adam-state.ts';
import { loadTensors } from './checkpoint.ts';
import { encodeTrainState, type TrainPosition, type TrainState } from './train-state.ts';
import { tokenTensor } from './kernels/embedding.ts';
import { checkMemoryFits } from './memory-guard.ts';

export type { EpochMetrics };

export type Progress = TrainProgress;

export interface CheckpointAt {
  /** Epochs completed. */
  epoch: number;
  /** Optimizer steps taken. */
  step: number;
  /** epoch: an epoch ended; steps/time: the policy's cadence; stop: the run was asked to stop. */
  reason: 'epoch' | 'steps' | 'time' | 'stop';
}

/** When to write the training state, and where (the caller stores the bytes). Epoch ends always write. */
export interface CheckpointPolicy {
  everySteps?: number;
  everySeconds?: number;
  /** Stored in the state's `meta.extra`. */
  extra?: Record<string, unknown>;
  save(bytes: Uint8Array, at: CheckpointAt): Promise<void>;
}

export interface TrainHooks {
  onEpoch?(m: EpochMetrics): Promise<void> | void;
  /** Called at most every `progressEveryMs` (default 1 s). */
  onProgress?(p: Progress): void;
  progressEveryMs?: number;
  /** Aborting stops the run before its next step with TrainingStopped (after a `stop` checkpoint, if any). */
  signal?: AbortSignal;
  checkpoint?: CheckpointPolicy;
  /** Continue this saved state (decodeTrainState) instead of starting afresh. */
  resume?: TrainState;
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
  /** The step the run resumed after (0: it started from scratch). */
  resumedFromStep: number;
}

export interface TrainRun {
  result: TrainResult;
  /** The trained model holding the best-validation weights; the caller disposes it (`model.params.dispose()`). */
  model: LanguageModel;
}

/** Everything a run carries from step to step: what a checkpoint saves. */
interface Run {
  spec: ExperimentSpec;
  model: LanguageModel;
  optimizer: tf.AdamOptimizer;
  sampler: Rng;
  dropoutRng: Rng;
  pos: TrainPosition;
  clock: ProgressClock;
  epochs: EpochMetrics[];
  best?: { valNll: number; epoch: number; weights: Map<string, tf.Tensor> };
  lastCheckpoint: number;
}

export async function train(spec: ExperimentSpec, corpus: Corpus, hooks: TrainHooks = {}): Promise<TrainRun> {
  const t = spec.training;
  const run = startRun(spec, corpus.vocab.length, hooks);
  const resumedFromStep = run.clock.step;
  const trainTokens = t.trainTokens ? corpus.train.subarray(0, t.trainTokens) : corpus.train;
  const valid = t.evalTokens ? corpus.valid.subarray(0, t.evalTokens) : corpus.valid;
  const test = t.evalTokens ? corpus.test.subarray(0, t.evalTokens) : corpus.test;
  const evalOpts = { contextLength: spec.model.contextLength, windows: t.evalWindows, batchSize: t.batchSize };
  const batchSizes = epochBatchSizes(t.windowsPerEpoch, t.batchSize);
  try {
    while (run.pos.epoch <= t.epochs) {
      const epoch = run.pos.epoch;
      await trainEpoch(run, trainTokens, batchSizes, hooks);
      const trainNll = run.pos.lossSum / batchSizes.length;
      const val = await evaluate(run.model, valid, evalOpts);
      const point: EpochMetrics = { epoch, step: run.clock.step, tokens: run.clock.tokens, seconds: run.clock.wallSeconds(), trainNll, valNll: val.nll };
      if (val.allTokensNll !== undefined) point.valNllAllTokens = val.allTokensNll;
      run.epochs.push(point);
      if (!run.best || val.nll < run.best.valNll) run.best = replaceSnapshot(run.best, run.model, val.nll, epoch);
      run.pos = { epoch: epoch + 1, batchInEpoch: 0, lossSum: 0 };
      await hooks.onEpoch?.(point);
      await saveCheckpoint(run, hooks, 'epoch');
    }
    restore(run.model, run.best!.weights);
    const tested = await evaluate(run.model, test, evalOpts);
    const result: TrainResult = {
      params: run.model.params.count(),
      bestValNll: run.best!.valNll,
      bestEpoch: run.best!.epoch,
      testNll: tested.nll,
      ...(tested.allTokensNll !== undefined ? { testNllAllTokens: tested.allTokensNll } : {}),
      epochs: run.epochs,
      wallSeconds: run.clock.wallSeconds(),
      tokensPerSec: run.clock.tokens / Math.max(run.clock.trainSeconds, 1e-9),
      resumedFromStep,
    };
    return { result, model: run.model };
  } catch (err) {
    if (err instanceof TrainingStopped) await saveCheckpoint(run, hooks, 'stop');
    run.model.params.dispose();
    throw err;
  } finally {
    run.best?.weights.forEach((w) => w.dispose());
    run.optimizer.dispose();
  }
}

/** A fresh run, or the saved one put back exactly as it was. */
function startRun(spec: ExperimentSpec, vocabSize: number, hooks: TrainHooks): Run {
  checkMemoryFits(spec);
  const seed = spec.training.seed;
  const saved = hooks.resume?.meta;
  const dropoutRng = createRng(deriveSeed(seed, 'dropout'), saved?.rng.dropout);
  const model = buildModel(spec, vocabSize, createRng(deriveSeed(seed, 'init')), dropoutRng);
  checkParamCount(spec, vocabSize, model);
  const run: Run = {
    spec,
    model,
    optimizer: createAdam(spec.training.learningRate),
    sampler: createRng(deriveSeed(seed, 'sample'), saved?.rng.sampler),
    dropoutRng,
    pos: saved ? { ...saved.position } : { epoch: 1, batchInEpoch: 0, lossSum: 0 },
    clock: progressClock(spec, vocabSize, hooks, saved?.counters),
    epochs: saved ? [...saved.epochs] : [],
    lastCheckpoint: performance.now(),
  };
  if (hooks.resume) {
    try {
      restoreSaved(run, hooks.resume);
    } catch (err) {
      model.params.dispose();
      run.optimizer.dispose();
      throw err;
    }
  }
  return run;
}

function restoreSaved(run: Run, state: TrainState) {
  loadTensors(run.model.params, state.tensors, 'model/');
  restoreAdam(run.optimizer, run.model.params, state.meta.adam, state.tensors);
  const best = state.meta.best;
  if (best) {
    const weights = new Map<string, tf.Tensor>();
    for (const name of run.model.params.vars.keys()) {
      const s = state.tensors.get(`best/${name}`);
      if (!s) throw new Error(`checkpoint has no tensor best/${name}`);
      weights.set(name, tf.tensor(s.data, s.shape, 'float32'));
    }
    run.best = { ...best, weights };
  }
}

async function trainEpoch(run: Run, tokens: Int32Array, batchSizes: number[], hooks: TrainHooks): Promise<void> {
  const { model, optimizer } = run;
  const T = run.spec.model.contextLength;
  const targets = model.objective === 'all-tokens' ? 'all' : 'last';
  // Adam's slot i belongs to varList[i]: a fixed order lets a checkpoint put the moments back (adam-state.ts).
  const varList = [...model.params.vars.values()];
  while (run.pos.batchInEpoch < batchSizes.length) {
    if (hooks.signal?.aborted) throw new TrainingStopped(hooks.signal.reason);
    const size = batchSizes[run.pos.batchInEpoch]!;
    const batch = randomBatch(tokens, T, size, run.sampler, targets);
    const t0 = performance.now();
    const loss = tf.tidy(() => {
      const x = tokenTensor(batch.x, size, T);
      return optimizer.minimize(() => batchNll(model.logits(x, true), batch.y), true, varList)!;
    });
    const value = (await loss.data())[0]!;
    loss.dispose();
    if (!Number.isFinite(value)) throw new DivergenceError(run.pos.epoch, run.clock.step + 1, value);
    run.pos.lossSum += value;
    run.pos.batchInEpoch++;
    await run.clock.tick(run.pos.epoch, size * T, (performance.now() - t0) / 1000, value);
    await checkpointOnCadence(run, hooks);
  }
}

async function checkpointOnCadence(run: Run, hooks: TrainHooks) {
  const policy = hooks.checkpoint;
  if (!policy) return;
  if (policy.everySteps && run.clock.step % policy.everySteps === 0) await saveCheckpoint(run, hooks, 'steps');
  else if (policy.everySeconds && performance.now() - run.lastCheckpoint >= policy.everySeconds * 1000) await saveCheckpoint(run, hooks, 'time');
}

async function saveCheckpoint(run: Run, hooks: TrainHooks, reason: CheckpointAt['reason']) {
  const policy = hooks.checkpoint;
  if (!policy) return;
  const names = [...run.model.params.vars.entries()];
  const tensors: [string, tf.Tensor][] = [
    ...names.map(([n, v]): [string, tf.Tensor] => [`model/${n}`, v]),
    ...[...(run.best?.weights ?? [])].map(([n, v]): [string, tf.Tensor] => [`best/${n}`, v]),
    ...adamTensors(run.optimizer, run.model.params),
  ];
  const bytes = await encodeTrainState(
    {
      specHash: specHash(run.spec),
      spec: run.spec,
      position: { ...run.pos },
      counters: run.clock.counters(),
      epochs: run.epochs,
      best: run.best ? { valNll: run.best.valNll, epoch: run.best.epoch } : null,
      rng: { sampler: run.sampler.state(), dropout: run.dropoutRng.state() },
      adam: await adamScalars(run.optimizer),
      extra: policy.extra ?? {},
    },
    tensors,
  );
  await policy.save(bytes, { epoch: run.epochs.length, step: run.clock.step, reason });
  run.lastCheckpoint = performance.now();
}

/** The run's signal was aborted: it stopped at a step boundary (its state is consistent and was checkpointed). */
export class TrainingStopped extends Error {
  constructor(readonly reason: unknown) {
    super(`training stopped: ${reason instanceof Error ? reason.message : String(reason)}`);
    this.name = 'TrainingStopped';
  }
}

/** The spec's wall-clock or FLOPs budget ran out: the run fails with the reason, without retrying. */
/** The spec's own budget (maxWallSeconds, maxTrainFlops) is spent: the same run would spend it again. */
export class BudgetExceededError extends SlmlabError {
  constructor(what: string, epoch: number, step: number) {
    super('budget_exceeded', `budget exceeded: ${what} at epoch ${epoch}, step ${step}`);
  }
}

/** Throws BudgetExceededError when a budget of the spec is spent (checked after every step). */
function budgetCheck(spec: ExperimentSpec, vocabSize: number) {
  const { maxWallSeconds, maxTrainFlops } = spec.training;
  const flopsPerToken = trainFlopsPerWindow(spec, vocabSize) / spec.model.contextLength;
  return (epoch: number, step: number, tokens: number, seconds: number) => {
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
/** The loss became NaN or infinite: with the same seed a retry diverges the same way. */
export class DivergenceError extends SlmlabError {
  constructor(epoch: number, step: number, value: number) {
    super('diverged', `training diverged: loss is ${value} at epoch ${epoch}, step ${step} (try a lower learning rate)`);
  }
}

type ProgressClock = ReturnType<typeof progressClock>;

/**
 * Counts steps, tokens and seconds (continuing a resumed run's counts: budgets span attempts), checks budgets,
 * reports progress at most every `progressEveryMs`, and yields to the event loop.
 */
function progressClock(spec: ExperimentSpec, vocabSize: number, hooks: TrainHooks, from?: { step: number; tokens: number; trainSeconds: number; wallSeconds: number }) {
  const t = spec.training;
  const totalSteps = epochBatchSizes(t.windowsPerEpoch, t.batchSize).length * t.epochs;
  const afterStep = budgetCheck(spec, vocabSize);
  const every = hooks.progressEveryMs ?? 1000;
  const started = performance.now() - (from?.wallSeconds ?? 0) * 1000;
  let lastReport = performance.now();
  let lastYield = performance.now();
  const state = {
    step: from?.step ?? 0,
    tokens: from?.tokens ?? 0,
    trainSeconds: from?.trainSeconds ?? 0,
    wallSeconds: () => (performance.now() - started) / 1000,
    counters: () => ({ step: state.step, tokens: state.tokens, trainSeconds: state.trainSeconds, wallSeconds: state.wallSeconds() }),
    async tick(epoch: number, tokens: number, seconds: number, loss: number) {
      state.step++;
      state.tokens += tokens;
      state.trainSeconds += seconds;
      afterStep(epoch, state.step, state.tokens, state.wallSeconds());
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
