// The wasm Sum kernel reduces only innermost axes: to sum over leading ones (every bias and LayerNorm gradient:
// [B·T, C] → [C]) it first transposes the whole tensor, then reduces. Summing rows in place needs no transpose:
// one pass over the tensor's memory, adding each row into a C-wide float64 accumulator, in WebAssembly SIMD
// (simd-colsum.ts) when C is even.
// (A product with a row of ones on XNNPACK was tried: packing the [N, C] operand made it slower.)
// Registered through the public kernel API; fast-sum.test.ts compares it with the stock kernel.
import { tf } from '../tf.ts';
import { wasmKernelOverride, wasmMemory, type KernelArgs, type KernelFn, type WasmBackendLike } from './override.ts';
import { colSumsOn } from './simd-colsum.ts';

let stock: KernelFn;
const override = wasmKernelOverride(tf.Sum, (original) => {
  stock = original;
  return fastSum;
});

export const registerFastSum = override.register;
export const unregisterFastSum = override.unregister;

/** The number of leading axes reduced, or 0 when the axes are not exactly the leading ones. */
function leadingAxes(axis: number | number[], rank: number): number {
  const axes = [...new Set((Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
  return axes.length < rank && axes.every((a, i) => a === i) ? axes.length : 0;
}

function fastSum(args: KernelArgs): tf.TensorInfo {
  const { backend, attrs } = args;
  const x = (args.inputs as { x: tf.TensorInfo }).x;
  const { axis, keepDims } = attrs as { axis: number | number[]; keepDims: boolean };
  const k = x.dtype === 'float32' ? leadingAxes(axis, x.shape.length) : 0;
  if (k === 0) return stock(args);
  const b = backend as WasmBackendLike;
  const N = x.shape.slice(0, k).reduce((p, d) => p * d, 1);
  const rest = x.shape.slice(k);
  const C = rest.reduce((p, d) => p * d, 1);
  const out = b.makeOutput(keepDims ? [...Array(k).fill(1), ...rest] : rest, 'float32');
  b.typedArrayFromHeap(out).set(C % 2 === 0 ? simdColumnSums(b, x, N, C) : jsColumnSums(b.typedArrayFromHeap(x), N, C));
  return out;
}

/** float64 accumulation: sums of 10⁴–10⁶ rows lose no precision. */
function jsColumnSums(xs: Float32Array, N: number, C: number): Float64Array {
  const acc = new Float64Array(C);
  for (let r = 0; r < N; r++) {
    const row = r * C;
    for (let c = 0; c < C; c++) acc[c]! += xs[row + c]!;
  }
  return acc;
}

/** The same in WebAssembly SIMD (JS loops are ~10× slower), accumulating into float64 in wasm memory. */
function simdColumnSums(b: WasmBackendLike, x: tf.TensorInfo, N: number, C: number): Float64Array {
  const acc = b.makeOutput([2 * C], 'float32'); // C float64
  try {
    const view = b.typedArrayFromHeap(acc);
    view.fill(0);
    colSumsOn(wasmMemory(b))(b.typedArrayFromHeap(x).byteOffset, N, C, view.byteOffset);
    return new Float64Array(b.typedArrayFromHeap(acc).slice().buffer);
  } finally {
    b.disposeData(acc.dataId);
  }
}
