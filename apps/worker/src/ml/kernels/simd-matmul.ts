// The dense layers' products on slmlab's SIMD product (simd-gemm.ts) instead of XNNPACK. XNNPACK packs the
// right operand on every call (a weight is a new tensor each step), runs a skinny product such as the linear
// and MLP models' [64, 16384]·[16384, 256] at ~5 GFLOP/s, and only takes untransposed operands, so a transposed
// weight or Xᵀ costs a full copy first. Here Xᵀ is read in place through strides, a large weight is read in
// cache-sized blocks, and the output's ragged edges (a 65-token vocabulary) are tiles of their own. Only large
// products in every dimension stay on XNNPACK, which blocks for cache as well as we do there.
// fast-matmul.test.ts checks values and gradients against the cpu backend.
import { tf } from '../tf.ts';
import { gemmOn, type Operand } from './simd-gemm.ts';
import { heapAddress as address, reshapeKernel as reshape, wasmKernel, wasmMemory, type WasmBackendLike } from './override.ts';

/** Products at least this large in m, k and n stay on XNNPACK (e.g. the 1024² yardstick of MFU). */
const LARGE = 512;
/** Elements of stride from which Aᵀ is copied rather than read in place. */
const STRIDE_CONFLICT = 1024;

const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);
const transpose = (x: tf.TensorInfo, backend: unknown) => wasmKernel(tf.Transpose)({ inputs: { x }, backend, attrs: { perm: [1, 0] } });

/**
 * a·b (with the given transposes) on the SIMD product, or undefined when it does not apply: float32, a shared
 * (batch-1) right operand, a 2-D left operand when it is transposed, and not large in every dimension.
 */
export function simdMatMul(a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean, backend: unknown): tf.TensorInfo | undefined {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || b.shape.length !== 2) return undefined;
  if (transposeA && (a.shape.length !== 2 || transposeB)) return undefined;
  const be = backend as WasmBackendLike;
  const [k, n] = (transposeB ? [b.shape[1], b.shape[0]] : b.shape) as [number, number];
  const m = transposeA ? a.shape[1]! : size(a.shape) / k;
  if (Math.min(m, k, n) >= LARGE) return undefined;
  const outShape = transposeA ? [m, n] : [...a.shape.slice(0, -1), n];
  if (transposeA) return leftTransposed(be, a, b, m, k, n, outShape);
  if (transposeB) return rightTransposed(be, a, b, m, k, n, outShape);
  return product(be, { ptr: address(be, a), rowStride: k }, b, m, k, n, outShape);
}

/**
 * aᵀ·b: Aᵀ read through strides, unless they are so long (≥ 4 KiB) that the rows a tile reads fall into the
 * same L1 sets and evict each other (the linear model's Xᵀ·dY ran at 12 GFLOP/s so); then a copy first.
 */
function leftTransposed(be: WasmBackendLike, a: tf.TensorInfo, b: tf.TensorInfo, m: number, k: number, n: number, shape: number[]): tf.TensorInfo {
  if (m < STRIDE_CONFLICT) return product(be, { ptr: address(be, a), rowStride: 1, colStride: m }, b, m, k, n, shape);
  const aT = transpose(a, be);
  try {
    return product(be, { ptr: address(be, aT), rowStride: k }, b, m, k, n, shape);
  } finally {
    be.disposeData(aT.dataId);
  }
}

/** a·bᵀ: transpose whichever costs less to copy, the weight b, or a and the output (C = (b·aᵀ)ᵀ). */
function rightTransposed(be: WasmBackendLike, a: tf.TensorInfo, b: tf.TensorInfo, m: number, k: number, n: number, shape: number[]): tf.TensorInfo {
  if (n * k <= m * (k + n)) {
    const bT = transpose(b, be);
    try {
      return product(be, { ptr: address(be, a), rowStride: k }, bT, m, k, n, shape);
    } finally {
      be.disposeData(bT.dataId);
    }
  }
  const temps = [reshape(a, [m, k], be)];
  try {
    temps.push(transpose(temps[0]!, be));
    temps.push(product(be, { ptr: address(be, b), rowStride: k }, temps[1]!, n, k, m, [n, m]));
    temps.push(transpose(temps[2]!, be));
    return reshape(temps[3]!, shape, be);
  } finally {
    for (const t of temps) be.disposeData(t.dataId);
  }
}

/** C = A·B into a new tensor of `shape`; B row-major [k, n]. */
function product(be: WasmBackendLike, a: Operand, b: tf.TensorInfo, m: number, k: number, n: number, shape: number[]): tf.TensorInfo {
  const out = be.makeOutput(shape, 'float32');
  // Addresses are offsets in the wasm memory: a heap grown by makeOutput invalidates views, not them.
  gemmOn(wasmMemory(be))(a, { ptr: address(be, b), rowStride: n }, { ptr: address(be, out), rowStride: n }, m, k, n);
  return out;
}
