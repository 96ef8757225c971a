import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../tf.ts';
import { createRng } from '../rng.ts';
import { testBackend } from '../test-backend.ts';
import { Causal, gemmOn } from './simd-gemm.ts';
import { relaxedSimdAvailable, useRelaxedSimd } from './wasm-features.ts';
import { wasmMemory, type WasmBackendLike } from './override.ts';

/** Scalar reference of the entries each causal mode promises, given the operands' zero patterns. */
function reference(a: (i: number, k: number) => number, b: Float32Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let t = 0; t < k; t++) c[i * n + j]! += a(i, t) * b[t * n + j]!;
  return c;
}

for (const fma of [false, true]) {
  test(`the SIMD product (${fma ? 'fused multiply-add' : 'multiply, then add'}) agrees with a scalar product in every causal mode and at any shape, with plain and transposed A, overwriting or accumulating`, async () => {
  await testBackend();
  useRelaxedSimd(fma);
  const backend = tf.backend() as unknown as WasmBackendLike;
  const gemm = gemmOn(wasmMemory(backend));
  const rng = createRng(5);
  for (let trial = 0; trial < 48; trial++) {
    const mode = trial % 4;
    const transposedA = trial % 8 >= 4;
    // Causal modes are for T×T attention matrices in whole tiles; plain products take any M and N, so that
    // the 1-row tiles and the 4- and 1-wide column tiles at the edges are exercised.
    const ragged = mode === Causal.none && trial >= 24;
    const m = ragged ? 1 + rng.int(41) : 4 * (1 + rng.int(10));
    const n = ragged ? 1 + rng.int(41) : 8 * (1 + rng.int(5));
    const k = mode === Causal.kUpToRow || mode === Causal.kFromRow ? m : 1 + rng.int(40);
    const av = Float32Array.from({ length: m * k }, () => rng.normal());
    // Triangular A where the mode relies on it: lower for kUpToRow, upper for kFromRow (A[i, t] = 0 for t < i).
    const aAt = (i: number, t: number) => {
      if (mode === Causal.kUpToRow && t > i) return 0;
      if (mode === Causal.kFromRow && t < i) return 0;
      return av[transposedA ? t * m + i : i * k + t]!;
    };
    const stored = Float32Array.from({ length: m * k }, (_, idx) => (transposedA ? aAt(idx % m, Math.floor(idx / m)) : aAt(Math.floor(idx / k), idx % k)));
    const bv = Float32Array.from({ length: k * n }, () => rng.normal());
    const [ta, tb] = [tf.tensor(stored), tf.tensor(bv)];
    const accumulate = trial % 3 === 2; // C += A·B
    const c0 = Float32Array.from({ length: m * n }, () => (accumulate ? rng.normal() : NaN));
    const tc = backend.makeOutput([m * n], 'float32');
    backend.typedArrayFromHeap(tc).set(c0);
    const ptr = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t).byteOffset;
    const a = transposedA ? { ptr: ptr(ta), rowStride: 1, colStride: m } : { ptr: ptr(ta), rowStride: k };
    gemm(a, { ptr: ptr(tb), rowStride: n }, { ptr: ptr(tc), rowStride: n }, m, k, n, mode, accumulate);
    const got = backend.typedArrayFromHeap(tc);
    const want = reference(aAt, bv, m, k, n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        if (mode === Causal.colsUpToRow && j > i) continue; // not promised
        const [g, w] = [got[i * n + j]!, want[i * n + j]! + (accumulate ? c0[i * n + j]! : 0)];
        assert.ok(Math.abs(g - w) <= 1e-4 * (1 + Math.abs(w)), `mode ${mode} tA=${transposedA} acc=${accumulate} [${m}×${k}]·[${k}×${n}] C[${i},${j}] ${g} vs ${w}`);
      }
    }
    ta.dispose();
    tb.dispose();
    backend.disposeData(tc.dataId);
  }
  useRelaxedSimd(true);
  });
}

test('with relaxed SIMD on, the product rounds once per multiply-add (a fused instruction), else twice', async () => {
  await testBackend();
  const backend = tf.backend() as unknown as WasmBackendLike;
  const gemm = gemmOn(wasmMemory(backend));
  // 1·c + a·a with a = 1 + 2⁻¹², c = −(1 + 2⁻¹¹): a·a rounded to float32 cancels c exactly (0); fused, 2⁻²⁴ remains.
  const a = 1 + 2 ** -12;
  const [ta, tb] = [tf.tensor2d([[1, a]], [1, 2]), tf.tensor2d([new Array(8).fill(-(1 + 2 ** -11)), new Array(8).fill(a)], [2, 8])];
  const ptr = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t).byteOffset;
  const results: number[] = [];
  for (const fma of [false, true]) {
    useRelaxedSimd(fma);
    const tc = backend.makeOutput([8], 'float32');
    gemm({ ptr: ptr(ta), rowStride: 2 }, { ptr: ptr(tb), rowStride: 8 }, { ptr: ptr(tc), rowStride: 8 }, 1, 2, 8);
    results.push(backend.typedArrayFromHeap(tc)[0]!);
    backend.disposeData(tc.dataId);
  }
  useRelaxedSimd(true);
  ta.dispose();
  tb.dispose();
  assert.ok(relaxedSimdAvailable(), 'relaxed SIMD is available (on by default, or through the flag on Node 20)');
  assert.deepEqual(results, [0, 2 ** -24]);
});
