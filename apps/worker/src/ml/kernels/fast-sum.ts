// The wasm Sum kernel reduces only innermost axes: to sum over leading ones (every bias and LayerNorm gradient:
// [B·T, C] → [C]) it first transposes the whole tensor, then reduces. Summing rows in place needs no transpose:
// one pass over the tensor's memory, adding each row into a C-wide accumulator (contiguous, so it vectorises).
// (A product with a row of ones on XNNPACK was tried: packing the [N, C] operand made it slower.)
// Registered through the public kernel API; fast-sum.test.ts compares it with the stock kernel.
import { tf } from '../tf.ts';
import { wasmKernelOverride, type KernelArgs, type KernelFn, type WasmBackendLike } from './override.ts';

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
  const acc = new Float64Array(C); // float64 accumulation: sums of 10⁴–10⁶ rows lose no precision
  const xs = b.typedArrayFromHeap(x);
  for (let r = 0; r < N; r++) {
    const row = r * C;
    for (let c = 0; c < C; c++) acc[c]! += xs[row + c]!;
  }
  const out = b.makeOutput(keepDims ? [...Array(k).fill(1), ...rest] : rest, 'float32');
  b.typedArrayFromHeap(out).set(acc);
  return out;
}
