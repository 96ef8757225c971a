// Softmax cross-entropy (mean NLL over rows) as one fused op on tfjs-backend-wasm, forward and backward. The
// tfjs formulation (logSoftmax, oneHot, multiply, sum, and autodiff of them) makes ~10 passes over the [N, V]
// logits with a scalar exp: on WikiText-2's 33,278-word vocabulary that was ~15% of a training step. Here
// one pass finds each row's max, one sums exp(x − max) (SIMD, Cephes' expf as in simd-softmax.ts), and the
// gradient is one pass writing softmax·dy/N (the target's −dy/N added in JS). cross-entropy.test.ts checks
// values and gradients against the tfjs formulation.
import { tf } from '../tf.ts';
import { encodeModule, forLoop, increment, op, F32, I32, V128, type Code, compileModule, perMemory } from './wasm-asm.ts';
import { exp, horizontal } from './simd-softmax.ts';
import { heapAddress as address, wasmMemory, type WasmBackendLike } from './override.ts';

const { get, set, tee, i32 } = op;

// Shared parameter and local layout of both functions.
const [X, ROWS, VBYTES, V4BYTES, STATS, OUT, SCALE] = [0, 1, 2, 3, 4, 5, 6];
const [R, C, ROW, DST] = [7, 8, 9, 10]; // i32 locals
const [MAX, SUM, F] = [11, 12, 13]; // f32 locals
const [VM, VS, T, N, RR, P, VF] = [14, 15, 16, 17, 18, 19, 20]; // v128 locals
const LOCALS = [{ count: 4, type: I32 }, { count: 3, type: F32 }, { count: 7, type: V128 }];

/** for (c = from; c < to; c += step) body */
const loop = (from: Code, to: number, step: number, body: Code): Code => [...from, ...set(C), ...forLoop(C, to, [...body, ...increment(C, i32(step))])];
/** T ← exp(splat(x[row, c]) − max) for the scalar tail (lane 0 is the value). */
const tailExp: Code = [...get(ROW), ...get(C), ...op.add, ...op.f32Load(0), ...op.f32x4Splat, ...get(VM), ...op.f32x4Sub, ...set(T), ...exp(T, N, RR, P)];

/** rowStats(x, rows, V·4, ⌊V/4⌋·16, stats): stats[2r] = max of row r, stats[2r + 1] = Σ exp(x − max). */
function rowStats(): Code {
  const chunk = (body: Code) => loop(i32(0), V4BYTES, 16, [...get(ROW), ...get(C), ...op.add, ...op.v128Load(0), ...body]);
  const row = [
    ...op.f32x4Const(-Infinity), ...set(VM),
    ...chunk([...get(VM), ...op.f32x4Max, ...set(VM)]),
    ...horizontal(VM, op.f32Max), ...set(MAX),
    ...loop(get(V4BYTES), VBYTES, 4, [...get(MAX), ...get(ROW), ...get(C), ...op.add, ...op.f32Load(0), ...op.f32Max, ...set(MAX)]),
    ...get(MAX), ...op.f32x4Splat, ...set(VM), ...op.zeroV128, ...set(VS),
    ...chunk([...get(VM), ...op.f32x4Sub, ...set(T), ...exp(T, N, RR, P), ...get(VS), ...get(T), ...op.f32x4Add, ...set(VS)]),
    ...horizontal(VS, op.f32Add), ...set(SUM),
    ...loop(get(V4BYTES), VBYTES, 4, [...tailExp, ...get(SUM), ...get(T), ...op.f32x4ExtractLane(0), ...op.f32Add, ...set(SUM)]),
    ...get(STATS), ...get(MAX), ...op.f32Store(0), ...get(STATS), ...get(SUM), ...op.f32Store(4),
    ...increment(STATS, i32(8)), ...increment(ROW, get(VBYTES)), ...increment(R, i32(1)),
  ];
  return [...get(X), ...set(ROW), ...i32(0), ...set(R), ...forLoop(R, ROWS, row)];
}

/** rowGrad(x, rows, V·4, ⌊V/4⌋·16, stats, out, scale: f32): out[r, c] = exp(x[r, c] − max_r) · scale / sum_r. */
function rowGrad(): Code {
  const row = [
    ...get(STATS), ...op.f32Load(0), ...op.f32x4Splat, ...set(VM),
    ...get(SCALE), ...get(STATS), ...op.f32Load(4), ...op.f32Div, ...tee(F), ...op.f32x4Splat, ...set(VF),
    ...loop(i32(0), V4BYTES, 16, [
      ...get(ROW), ...get(C), ...op.add, ...op.v128Load(0), ...get(VM), ...op.f32x4Sub, ...set(T), ...exp(T, N, RR, P),
      ...get(DST), ...get(C), ...op.add, ...get(T), ...get(VF), ...op.f32x4Mul, ...op.v128Store(0),
    ]),
    ...loop(get(V4BYTES), VBYTES, 4, [...tailExp, ...get(DST), ...get(C), ...op.add, ...get(T), ...op.f32x4ExtractLane(0), ...get(F), ...op.f32Mul, ...op.f32Store(0)]),
    ...increment(STATS, i32(8)), ...increment(ROW, get(VBYTES)), ...increment(DST, get(VBYTES)), ...increment(R, i32(1)),
  ];
  return [...get(X), ...set(ROW), ...get(OUT), ...set(DST), ...i32(0), ...set(R), ...forLoop(R, ROWS, row)];
}

const module = compileModule(encodeModule([
  { name: 'rowStats', params: new Array(7).fill(I32), locals: LOCALS, body: rowStats() },
  { name: 'rowGrad', params: [...new Array(6).fill(I32), F32], locals: LOCALS, body: rowGrad() },
]));
type RowFn = (x: number, rows: number, vBytes: number, v4Bytes: number, stats: number, out: number, scale: number) => void;
const statsFn = perMemory<RowFn>(module, 'rowStats');
const gradFn = perMemory<RowFn>(module, 'rowGrad');

const FORWARD = 'SlmlabCrossEntropy';
const BACKWARD = 'SlmlabCrossEntropyGrad';
type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown };

/** logits [N, V], targets [N] int32 → [mean NLL (shape []), stats [N, 2]: each row's max and Σ exp(x − max)]. */
function forwardKernel({ inputs, backend }: KernelArgs) {
  const be = backend as WasmBackendLike;
  const { logits, targets } = inputs as Record<string, tf.TensorInfo>;
  const [rows, V] = logits!.shape as [number, number];
  const [loss, stats] = [be.makeOutput([], 'float32'), be.makeOutput([rows, 2], 'float32')];
  statsFn(wasmMemory(be))(address(be, logits!), rows, 4 * V, 16 * Math.floor(V / 4), address(be, stats), 0, 0);
  const [x, s] = [be.typedArrayFromHeap(logits!), be.typedArrayFromHeap(stats)];
  const t = new Int32Array(be.typedArrayFromHeap(targets!).buffer, address(be, targets!), rows);
  let total = 0;
  for (let r = 0; r < rows; r++) {
    // A target outside the vocabulary would index another row (tfjs's oneHot gives it a zero row instead).
    if (!(t[r]! >= 0 && t[r]! < V)) throw new Error(`cross-entropy: target ${t[r]} of row ${r} is outside the vocabulary of ${V}`);
    total += s[2 * r]! + Math.log(s[2 * r + 1]!) - x[r * V + t[r]!]!;
  }
  be.typedArrayFromHeap(loss)[0] = total / rows;
  return [loss, stats];
}

/** dy (shape []), logits, targets, stats → dlogits [N, V] = (softmax − onehot(target)) · dy / N. */
function backwardKernel({ inputs, backend }: KernelArgs) {
  const be = backend as WasmBackendLike;
  const { dy, logits, targets, stats } = inputs as Record<string, tf.TensorInfo>;
  const [rows, V] = logits!.shape as [number, number];
  const out = be.makeOutput([rows, V], 'float32');
  const scale = be.typedArrayFromHeap(dy!)[0]! / rows;
  gradFn(wasmMemory(be))(address(be, logits!), rows, 4 * V, 16 * Math.floor(V / 4), address(be, stats!), address(be, out), scale);
  const g = be.typedArrayFromHeap(out);
  const t = new Int32Array(be.typedArrayFromHeap(targets!).buffer, address(be, targets!), rows);
  for (let r = 0; r < rows; r++) {
    const i = r * V + t[r]!;
    g[i] = g[i]! - scale;
  }
  return out;
}

for (const [kernelName, kernelFunc] of [[FORWARD, forwardKernel], [BACKWARD, backwardKernel]] as const) {
  if (!tf.getKernel(kernelName, 'wasm')) tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
}

/** Whether the fused op runs on the current backend. */
export const fusedCrossEntropyFits = (): boolean => tf.getBackend() === 'wasm';

/** Mean over rows of −log softmax(logits)[target]: logits [N, V] float32, targets [N] int32. */
export function fusedCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
  const op = tf.customGrad((...args: unknown[]) => {
    const [x, save] = args as [tf.Tensor, (t: tf.Tensor[]) => void];
    const [loss, stats] = tf.engine().runKernel(FORWARD, { logits: x, targets }) as unknown as tf.Tensor[];
    save([x, stats!, targets]); // targets too: the forward's scope disposes them before the backward runs
    return {
      value: loss!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, st, ts] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        return [tf.engine().runKernel(BACKWARD, { dy, logits: xs, targets: ts, stats: st }) as tf.Tensor];
      },
    };
  });
  return op(logits) as tf.Scalar;
}
