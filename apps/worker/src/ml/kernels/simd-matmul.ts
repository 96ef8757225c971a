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
 * (batch-1) right operand or one with a's batch (each entry its own product: the pruned last block's one-query
 * attention, [B, H, 1, hd]·[B, H, T, hd]ᵀ, 256 XNNPACK calls a product on the stock kernel), a 2-D left operand
 * when it is transposed against a shared right one, and not large in every dimension. Transposed operands are
 * passed as strides; the product packs them (simd-pack.ts), so no transpose is copied.
 */
export function simdMatMul(a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean, backend: unknown): tf.TensorInfo | undefined {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
  const batched = b.shape.length > 2;
  if (batched && (a.shape.length !== b.shape.length || a.shape.slice(0, -2).some((d, i) => d !== b.shape[i]))) return undefined;
  if (!batched && transposeA && a.shape.length !== 2) return undefined;
  const be = backend as WasmBackendLike;
  const [bRows, bCols] = b.shape.slice(-2) as [number, number];
  const [k, n] = transposeB ? [bCols, bRows] : [bRows, bCols];
  const batch = batched ? size(b.shape.slice(0, -2)) : 1;
  const m = transposeA ? a.shape[a.shape.length - 1]! : size(a.shape) / batch / k;
  if (Math.min(m, k, n) >= LARGE) return undefined;
  const outShape = transposeA ? [...a.shape.slice(0, -2), m, n] : [...a.shape.slice(0, -1), n];
  const out = be.makeOutput(outShape, 'float32');
  // Addresses are offsets in the wasm memory: a heap grown by makeOutput invalidates views, not them.
  const [pa, pb, pc] = [address(be, a), address(be, b), address(be, out)];
  const gemm = gemmOn(wasmMemory(be), wasmAllocator(be));
  for (let i = 0; i < batch; i++) {
    const [ai, bi] = [pa + 4 * i * m * k, pb + 4 * i * k * n];
    const aOp: Operand = transposeA ? { ptr: ai, rowStride: 1, colStride: m } : { ptr: ai, rowStride: k };
    const bOp: Operand = transposeB ? { ptr: bi, rowStride: 1, colStride: k } : { ptr: bi, rowStride: n };
    gemm(aOp, bOp, { ptr: pc + 4 * i * m * n, rowStride: n }, m, k, n);
  }
  return out;
}
