// Adam's update as one pass over each parameter on tfjs-backend-wasm: tfjs's AdamOptimizer runs ~12 separate
// elementwise kernels per variable (each reading and writing whole tensors: ~26 ms a step for the MLP's 4.3M
// parameters), this runs one SIMD loop reading p, g, m, v once and writing p', m', v'. It does the very same
// float32 operations in the same order (no fused multiply-add here), so results are bit-identical to tfjs's
// Adam on every backend and checkpoints taken with either resume with the other. fused-adam.test.ts checks it.
import { tf } from '../tf.ts';
import { encodeModule, forLoop, increment, op, I32, F32, V128, type Code, compileModule, perMemory } from './wasm-asm.ts';
import { heapAddress, wasmMemory, type WasmBackendLike } from './override.ts';

const KERNEL = 'SlmlabAdamUpdate';
const { get, set, i32 } = op;

// Parameters: seven byte addresses, the length in bytes (a multiple of 16), then the float32 constants.
const [P, G, M, V, P1, M1, V1, NBYTES] = [0, 1, 2, 3, 4, 5, 6, 7];
const CONSTANTS = ['beta1', 'oneMinusBeta1', 'beta2', 'oneMinusBeta2', 'oneMinusAccBeta1', 'oneMinusAccBeta2', 'epsilon', 'minusLr'] as const;
const FIRST_CONSTANT = 8;
const I = FIRST_CONSTANT + CONSTANTS.length;
const [SPLATS, GRAD, M_NEW, V_NEW] = [I + 1, I + 1 + CONSTANTS.length, I + 2 + CONSTANTS.length, I + 3 + CONSTANTS.length];
const c = (name: (typeof CONSTANTS)[number]) => get(SPLATS + CONSTANTS.indexOf(name));
const at = (base: number): Code => [...get(base), ...get(I), ...op.add];

function adamBody(): Code {
  const splats = CONSTANTS.flatMap((_, k) => [...get(FIRST_CONSTANT + k), ...op.f32x4Splat, ...set(SPLATS + k)]);
  const store = (base: number, value: number): Code => [...at(base), ...get(value), ...op.v128Store()];
  const step = [
    ...at(G), ...op.v128Load(), ...set(GRAD),
    // m' = m·β1 + g·(1 − β1)
    ...at(M), ...op.v128Load(), ...c('beta1'), ...op.f32x4Mul, ...get(GRAD), ...c('oneMinusBeta1'), ...op.f32x4Mul, ...op.f32x4Add, ...set(M_NEW),
    // v' = v·β2 + g²·(1 − β2)
    ...at(V), ...op.v128Load(), ...c('beta2'), ...op.f32x4Mul, ...get(GRAD), ...get(GRAD), ...op.f32x4Mul, ...c('oneMinusBeta2'), ...op.f32x4Mul,
    ...op.f32x4Add, ...set(V_NEW),
    ...store(M1, M_NEW), ...store(V1, V_NEW),
    // p' = (m'/(1 − β1ᵗ)) / (√(v'/(1 − β2ᵗ)) + ε) · (−lr) + p
    ...at(P1),
    ...get(M_NEW), ...c('oneMinusAccBeta1'), ...op.f32x4Div,
    ...get(V_NEW), ...c('oneMinusAccBeta2'), ...op.f32x4Div, ...op.f32x4Sqrt, ...c('epsilon'), ...op.f32x4Add,
    ...op.f32x4Div, ...c('minusLr'), ...op.f32x4Mul, ...at(P), ...op.v128Load(), ...op.f32x4Add, ...op.v128Store(),
    ...increment(I, i32(16)),
  ];
  return [...splats, ...i32(0), ...set(I), ...forLoop(I, NBYTES, step)];
}

const compiled = compileModule(encodeModule([{
  name: 'adam',
  params: [...new Array(8).fill(I32), ...new Array(CONSTANTS.length).fill(F32)],
  locals: [{ count: 1, type: I32 }, { count: CONSTANTS.length + 3, type: V128 }],
  body: adamBody(),
}]));
const adamOn = perMemory<(...args: number[]) => void>(compiled, 'adam');

type Constants = Record<(typeof CONSTANTS)[number], number>;

/** The same update in float32 arithmetic for the last n % 4 elements (each operation rounded, as tfjs's). */
function adamTail(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, out: Float32Array[], from: number, k: Constants) {
  const f = Math.fround;
  const [p1, m1, v1] = out as [Float32Array, Float32Array, Float32Array];
  for (let i = from; i < p.length; i++) {
    const mNew = f(f(m[i]! * k.beta1) + f(g[i]! * k.oneMinusBeta1));
    const vNew = f(f(v[i]! * k.beta2) + f(f(g[i]! * g[i]!) * k.oneMinusBeta2));
    const denominator = f(f(Math.sqrt(f(vNew / k.oneMinusAccBeta2))) + k.epsilon);
    p1[i] = f(f(f(f(mNew / k.oneMinusAccBeta1) / denominator) * k.minusLr) + p[i]!);
    [m1[i], v1[i]] = [mNew, vNew];
  }
}

function adamKernel({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }) {
  const be = backend as WasmBackendLike;
  const { p, g, m, v } = inputs as Record<'p' | 'g' | 'm' | 'v', tf.TensorInfo>;
  const k = attrs as unknown as Constants;
  const out = [be.makeOutput(p.shape, 'float32'), be.makeOutput(p.shape, 'float32'), be.makeOutput(p.shape, 'float32')];
  const view = (t: tf.TensorInfo) => be.typedArrayFromHeap(t);
  const n = view(p).length;
  const whole = n - (n % 4);
  const ptrs = [p, g, m, v, ...out].map((t) => heapAddress(be, t));
  adamOn(wasmMemory(backend))(...ptrs, whole * 4, ...CONSTANTS.map((name) => k[name]));
  adamTail(view(p), view(g), view(m), view(v), out.map(view), whole, k);
  return out;
}

if (!tf.getKernel(KERNEL, 'wasm')) tf.registerKernel({ kernelName: KERNEL, backendName: 'wasm', kernelFunc: adamKernel as unknown as tf.KernelFunc });

/** The fields of tfjs's AdamOptimizer this needs (public in its JS, protected or private in its typings). */
interface AdamFields {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
  incrementIterations(): void;
}

/** tfjs's Adam, with the per-variable update fused on wasm (elsewhere tfjs's own). Same state, same results. */
type Gradients = Parameters<tf.AdamOptimizer['applyGradients']>[0];

export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Gradients): void {
    if (tf.getBackend() !== 'wasm') return super.applyGradients(variableGradients);
    const self = this as unknown as AdamFields;
    const list: { name: string; tensor: tf.Tensor | null }[] = Array.isArray(variableGradients)
      ? variableGradients
      : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    const f = Math.fround;
    const [accBeta1, accBeta2] = [self.accBeta1.dataSync()[0]!, self.accBeta2.dataSync()[0]!];
    const constants: Constants = {
      beta1: f(self.beta1), oneMinusBeta1: f(1 - self.beta1), beta2: f(self.beta2), oneMinusBeta2: f(1 - self.beta2),
      oneMinusAccBeta1: f(1 - accBeta1), oneMinusAccBeta2: f(1 - accBeta2), epsilon: f(self.epsilon), minusLr: f(-self.learningRate),
    };
    tf.tidy(() => {
      list.forEach(({ name, tensor: gradient }, i) => {
        const value = tf.engine().registeredVariables[name]!;
        self.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        self.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        if (gradient == null) return;
        const [m, v] = [self.accumulatedFirstMoment[i]!.variable, self.accumulatedSecondMoment[i]!.variable];
        const inputs = { p: value, g: gradient, m, v } as tf.NamedTensorMap;
        const [p1, m1, v1] = tf.engine().runKernel(KERNEL, inputs, constants as unknown as tf.NamedAttrMap) as tf.Tensor[];
        m.assign(m1!);
        v.assign(v1!);
        value.assign(p1!);
      });
      self.accBeta1.assign(tf.mul(self.accBeta1, self.beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, self.beta2));
    });
    self.incrementIterations();
  }
}
