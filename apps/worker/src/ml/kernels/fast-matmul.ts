// tfjs-backend-wasm's BatchMatMul reaches XNNPACK (SIMD) only when neither operand is transposed and the batch
// is 1; every other case runs a scalar loop at ~1–2 GFLOP/s. Both backward products of every dense layer
// (dX = dY·Wᵀ, dW = Xᵀ·dY) are transposed, so training spends most of its time there.
// This wrapper, registered through the public kernel API, first hands the dense layers' products to slmlab's
// SIMD product where that is faster (simd-matmul.ts: small right operands, Xᵀ·dY without a transpose); else it
// materialises transposes with the (fast) wasm Transpose kernel, folds a shared right operand's batch into
// rows, runs a batch of products one by one, and so always hands the stock kernel the untransposed batch-1
// case. fast-matmul.test.ts checks values and gradients against the cpu backend.
import { tf } from '../tf.ts';

import { reshapeKernel as reshape, wasmKernel, wasmKernelOverride, type KernelArgs, type KernelFn, type WasmBackendLike } from './override.ts';
import { simdMatMul } from './simd-matmul.ts';

let stock: KernelFn;
const override = wasmKernelOverride(tf.BatchMatMul, (original) => {
  stock = original;
  return fastBatchMatMul;
});

export const registerFastMatMul = override.register;
/** Puts the stock kernel back (benchmarks measure both in one process). */
export const unregisterFastMatMul = override.unregister;

/** Swaps the last two axes into a new tensor. */
function transposeLast2(x: tf.TensorInfo, backend: unknown): tf.TensorInfo {
  const r = x.shape.length;
  const perm = [...Array(r - 2).keys(), r - 1, r - 2];
  return wasmKernel(tf.Transpose)({ inputs: { x }, backend, attrs: { perm } });
}

function fastBatchMatMul(args: KernelArgs): tf.TensorInfo {
  const { backend } = args;
  let { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
  const simd = simdMatMul(a, b, transposeA, transposeB, backend); // the dense layers' products, where faster
  if (simd) return simd;
  const temps: tf.TensorInfo[] = [];
  try {
    if (transposeA) temps.push((a = transposeLast2(a, backend)));
    if (transposeB) temps.push((b = transposeLast2(b, backend)));
    const batchB = b.shape.slice(0, -2).reduce((p, d) => p * d, 1);
    // A shared right operand: [..., m, k]·[k, n] is one [(...·m), k]·[k, n] product on the fast path.
    if (batchB === 1 && a.shape.length > 2) {
      const [m, k] = a.shape.slice(-2) as [number, number];
      const outer = a.shape.slice(0, -2);
      const n = b.shape[b.shape.length - 1]!;
      const a2 = reshape(a, [outer.reduce((p, d) => p * d, 1) * m, k], backend);
      const b2 = reshape(b, [k, n], backend);
      temps.push(a2, b2);
      const out = stock({ inputs: { a: a2, b: b2 }, backend, attrs: { transposeA: false, transposeB: false } });
      const shaped = reshape(out, [...outer, m, n], backend);
      temps.push(out);
      return shaped;
    }
    const batchA = a.shape.slice(0, -2).reduce((p, d) => p * d, 1);
    if (batchA === batchB && batchA > 1) return batchOfProducts(a, b, batchA, backend as WasmBackendLike);
    return stock({ inputs: { a, b }, backend, attrs: { transposeA: false, transposeB: false } });
  } finally {
    for (const t of temps) (backend as WasmBackendLike).disposeData(t.dataId);
  }
}

/**
 * [batch, m, k]·[batch, k, n] as `batch` single products on the fast path (attention's QKᵀ and weights·V).
 * Operand slices are copied into batch-1 tensors and each product into the output. The right operand needs a
 * fresh tensor each time: the wasm kernel caches XNNPACK's packed copy of it under its tensor id.
 */
function batchOfProducts(a: tf.TensorInfo, b: tf.TensorInfo, batch: number, backend: WasmBackendLike): tf.TensorInfo {
  const [m, k] = a.shape.slice(-2) as [number, number];
  const n = b.shape[b.shape.length - 1]!;
  const out = backend.makeOutput([...a.shape.slice(0, -2), m, n], 'float32');
  const aSlice = backend.makeOutput([m, k], 'float32');
  try {
    for (let i = 0; i < batch; i++) {
      const bSlice = backend.makeOutput([k, n], 'float32');
      backend.typedArrayFromHeap(aSlice).set(backend.typedArrayFromHeap(a).subarray(i * m * k, (i + 1) * m * k));
      backend.typedArrayFromHeap(bSlice).set(backend.typedArrayFromHeap(b).subarray(i * k * n, (i + 1) * k * n));
      const r = stock({ inputs: { a: aSlice, b: bSlice }, backend, attrs: { transposeA: false, transposeB: false } });
      backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(r), i * m * n);
      backend.disposeData(r.dataId);
      backend.disposeData(bSlice.dataId);
    }
  } finally {
    backend.disposeData(aSlice.dataId);
  }
  return out;
}
