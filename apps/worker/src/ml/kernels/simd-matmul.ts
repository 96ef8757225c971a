// The dense layers' products on slmlab's SIMD product (simd-gemm.ts) instead of XNNPACK, where it is faster:
// a small right operand (a weight, ≤ 256 KiB, so it stays in cache while the tall left operand streams by),
// and the weight gradient Xᵀ·dY, which XNNPACK only gets after a full transpose of X and then runs with a long
// reduction (k = B·T) at a third of its speed. Here Xᵀ is read through strides and k is cut into blocks that
// fit in cache, accumulating into C. Large square products (e.g. the MFU yardstick) stay on XNNPACK, which
// blocks for cache and is faster there. fast-matmul.test.ts checks the results against the cpu backend.
import { tf } from '../tf.ts';
import { gemmFits, gemmOn } from './simd-gemm.ts';
import { wasmMemory, type KernelFn, type WasmBackendLike } from './override.ts';

/** Right operands up to this many floats stay on the SIMD path (L2-resident). */
const SMALL_OPERAND = 64 * 1024;
/** Rows of k per accumulation step of Xᵀ·dY: two 64-row panels of ≤ 256 floats stay in L1/L2. */
const K_BLOCK = 64;

const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);
const address = (be: WasmBackendLike, t: tf.TensorInfo) => be.typedArrayFromHeap(t).byteOffset;
const transposeKernel = () => tf.getKernel(tf.Transpose, 'wasm')!.kernelFunc as unknown as KernelFn;

/**
 * a·b (with the given transposes) on the SIMD product, or undefined when it does not apply: float32 only,
 * a shared (batch-1) right operand, and tile-aligned output sizes.
 */
export function simdMatMul(a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean, backend: unknown): tf.TensorInfo | undefined {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || b.shape.length !== 2) return undefined;
  const be = backend as WasmBackendLike;
  if (transposeA) return a.shape.length === 2 && !transposeB ? weightGradient(a, b, be) : undefined;
  const [k, n] = (transposeB ? [b.shape[1], b.shape[0]] : b.shape) as [number, number];
  const rows = size(a.shape) / k;
  if (!gemmFits(rows, n) || k * n > SMALL_OPERAND) return undefined;
  const bT = transposeB ? transposeKernel()({ inputs: { x: b }, backend, attrs: { perm: [1, 0] } }) : b;
  try {
    const out = be.makeOutput([...a.shape.slice(0, -1), n], 'float32');
    const gemm = gemmOn(wasmMemory(backend));
    gemm({ ptr: address(be, a), rowStride: k }, { ptr: address(be, bT), rowStride: n }, { ptr: address(be, out), rowStride: n }, rows, k, n);
    return out;
  } finally {
    if (bT !== b) be.disposeData(bT.dataId);
  }
}

/** aᵀ·b for a [k, m], b [k, n]: C accumulated over blocks of k, aᵀ read in place through strides. */
function weightGradient(a: tf.TensorInfo, b: tf.TensorInfo, be: WasmBackendLike): tf.TensorInfo | undefined {
  const [k, m] = a.shape as [number, number];
  const n = b.shape[1]!;
  if (b.shape[0] !== k || !gemmFits(m, n) || m * n > SMALL_OPERAND) return undefined;
  const out = be.makeOutput([m, n], 'float32');
  const gemm = gemmOn(wasmMemory(be));
  const [pa, pb, pc] = [address(be, a), address(be, b), address(be, out)];
  if (k === 0) be.typedArrayFromHeap(out).fill(0);
  for (let k0 = 0; k0 < k; k0 += K_BLOCK) {
    const aBlock = { ptr: pa + k0 * m * 4, rowStride: 1, colStride: m };
    gemm(aBlock, { ptr: pb + k0 * n * 4, rowStride: n }, { ptr: pc, rowStride: n }, m, Math.min(K_BLOCK, k - k0), n, 0, k0 > 0);
  }
  return out;
}
