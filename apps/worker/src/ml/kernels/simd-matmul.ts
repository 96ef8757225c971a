// The dense layers' products on slmlab's SIMD product (simd-gemm.ts) instead of XNNPACK. XNNPACK packs the
// right operand on every call (a weight is a new tensor each step), runs a skinny product such as the linear
// and MLP models' [64, 16384]·[16384, 256] at ~5 GFLOP/s, and only takes untransposed operands, so a transposed
// weight or Xᵀ costs a full copy first (tfjs's transpose of a [4096, 65] weight alone took longer than the
// product). Here transposed operands go to the product as strides and it packs them block by block into
// padded panels (simd-pack.ts), a large weight is read in cache-sized blocks, and the output's ragged edges (a
// 65-token vocabulary) are tiles of their own. Only large products in every dimension stay on XNNPACK, which
// blocks for cache as well as we do there.
// fast-matmul.test.ts checks values and gradients against the cpu backend.
import { tf } from '../tf.ts';
import { gemmOn, type Operand } from './simd-gemm.ts';
import { wasmAllocator } from './simd-pack.ts';
import { heapAddress as address, wasmMemory, type WasmBackendLike } from './override.ts';

/** Products at least this large in m, k and n stay on XNNPACK (e.g. the 1024² yardstick of MFU). */
const LARGE = 512;

const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);

/**
 * a·b (with the given transposes) on the SIMD product, or undefined when it does not apply: float32, a shared
 * (batch-1) right operand, a 2-D left operand when it is transposed, and not large in every dimension.
 * Transposed operands are passed as strides; the product packs them (simd-pack.ts), so no transpose is copied.
 */
export function simdMatMul(a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean, backend: unknown): tf.TensorInfo | undefined {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || b.shape.length !== 2) return undefined;
  if (transposeA && a.shape.length !== 2) return undefined;
  const be = backend as WasmBackendLike;
  const [k, n] = (transposeB ? [b.shape[1], b.shape[0]] : b.shape) as [number, number];
  const m = transposeA ? a.shape[1]! : size(a.shape) / k;
  if (Math.min(m, k, n) >= LARGE) return undefined;
  const outShape = transposeA ? [m, n] : [...a.shape.slice(0, -1), n];
  const aOp: Operand = transposeA ? { ptr: address(be, a), rowStride: 1, colStride: m } : { ptr: address(be, a), rowStride: k };
  const bOp: Operand = transposeB ? { ptr: address(be, b), rowStride: 1, colStride: k } : { ptr: address(be, b), rowStride: n };
  const out = be.makeOutput(outShape, 'float32');
  // Addresses are offsets in the wasm memory: a heap grown by makeOutput invalidates views, not them.
  gemmOn(wasmMemory(be), wasmAllocator(be))(aOp, bOp, { ptr: address(be, out), rowStride: n }, m, k, n);
  return out;
}
