// Saving and restoring tfjs's Adam so that a resumed run takes exactly the steps the uninterrupted one would.
// tfjs's own setWeights() recomputes β^t with pow(), which can differ from the running product it keeps in the
// last bit; we restore the exact accumulators instead. Slot i of the optimizer belongs to the i-th variable of
// the `varList` given to minimize(), so training always passes the model's variables in the model's order.
import { tf } from './tf.ts';
import type { Params } from './models/params.ts';
import type { SavedTensor } from './checkpoint.ts';
import { FusedAdamOptimizer } from './kernels/fused-adam.ts';

/** The parts of tfjs's AdamOptimizer (public in JS, private in its typings) that hold its state. */
interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  iterations_: number;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
}

export interface AdamScalars {
  iterations: number;
  accBeta1: number;
  accBeta2: number;
}

/** Adam(0.9, 0.999, 1e-8): tfjs's, with its update fused into one pass on wasm (same state, same numbers). */
export function createAdam(learningRate: number): tf.AdamOptimizer {
  return new FusedAdamOptimizer(learningRate, 0.9, 0.999, 1e-8);
}

function internals(opt: tf.AdamOptimizer): AdamInternals {
  return opt as unknown as AdamInternals;
}

/** Moments as named tensors (`adam/m/<param>`, `adam/v/<param>`); empty before the first step. */
export function adamTensors(opt: tf.AdamOptimizer, params: Params): [string, tf.Tensor][] {
  const a = internals(opt);
  const names = [...params.vars.keys()];
  const out: [string, tf.Tensor][] = [];
  a.accumulatedFirstMoment.forEach((s, i) => out.push([`adam/m/${names[i]}`, s.variable]));
  a.accumulatedSecondMoment.forEach((s, i) => out.push([`adam/v/${names[i]}`, s.variable]));
  return out;
}

export async function adamScalars(opt: tf.AdamOptimizer): Promise<AdamScalars> {
  const a = internals(opt);
  return {
    iterations: a.iterations_ ?? 0,
    accBeta1: (await a.accBeta1.data())[0]!,
    accBeta2: (await a.accBeta2.data())[0]!,
  };
}

/** Puts saved moments and accumulators into a fresh optimizer, in the order of the model's variables. */
export function restoreAdam(opt: tf.AdamOptimizer, params: Params, scalars: AdamScalars, saved: Map<string, SavedTensor>): void {
  const a = internals(opt);
  if (a.accumulatedFirstMoment.length) throw new Error('restoreAdam needs an optimizer that has not stepped yet');
  if (scalars.iterations === 0) return; // saved before the first step: nothing to restore
  const slot = (kind: 'm' | 'v', name: string, v: tf.Variable) => {
    const s = saved.get(`adam/${kind}/${name}`);
    if (!s) throw new Error(`checkpoint has no optimizer tensor adam/${kind}/${name}`);
    if (s.shape.join('x') !== v.shape.join('x')) throw new Error(`optimizer tensor adam/${kind}/${name} has the wrong shape`);
    return { originalName: `${v.name}/${kind}`, variable: tf.variable(tf.tensor(s.data, s.shape, 'float32'), false) };
  };
  for (const [name, v] of params.vars) {
    a.accumulatedFirstMoment.push(tf.tidy(() => slot('m', name, v)));
    a.accumulatedSecondMoment.push(tf.tidy(() => slot('v', name, v)));
  }
  tf.tidy(() => {
    a.accBeta1.assign(tf.scalar(scalars.accBeta1));
    a.accBeta2.assign(tf.scalar(scalars.accBeta2));
  });
  a.iterations_ = scalars.iterations;
}
