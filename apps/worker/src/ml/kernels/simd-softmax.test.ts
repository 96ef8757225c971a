import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../tf.ts';
import { createRng } from '../rng.ts';
import { testBackend } from '../test-backend.ts';
import { softmaxOn } from './simd-softmax.ts';
import { wasmMemory, type WasmBackendLike } from './override.ts';

/** float64 references of one head: causal softmax of scale·S, dropped weights, and the gradient to the scores. */
function reference(T: number, scale: number, s: Float32Array, m: Float32Array | undefined, g: Float32Array) {
  const [p, w, ds] = [new Float64Array(T * T), new Float64Array(T * T), new Float64Array(T * T)];
  for (let i = 0; i < T; i++) {
    const row = (j: number) => i * T + j;
    let max = -Infinity;
    for (let j = 0; j <= i; j++) max = Math.max(max, scale * s[row(j)]!);
    let sum = 0;
    for (let j = 0; j <= i; j++) sum += Math.exp(scale * s[row(j)]! - max);
    for (let j = 0; j <= i; j++) p[row(j)] = Math.exp(scale * s[row(j)]! - max) / sum;
    for (let j = 0; j < T; j++) w[row(j)] = p[row(j)]! * (m ? m[row(j)]! : 1);
    let dot = 0;
    for (let j = 0; j <= i; j++) dot += g[row(j)]! * (m ? m[row(j)]! : 1) * p[row(j)]!;
    for (let j = 0; j <= i; j++) ds[row(j)] = scale * p[row(j)]! * (g[row(j)]! * (m ? m[row(j)]! : 1) - dot);
  }
  return { p, w, ds };
}

function close(got: Float32Array, want: Float64Array, what: string) {
  want.forEach((w, i) => assert.ok(Math.abs(got[i]! - w) <= 2e-6 + 2e-5 * Math.abs(w), `${what}[${i}]: ${got[i]} vs ${w}`));
}

test('SIMD causal softmax, dropout and softmax gradient agree with float64 references; zeros above the diagonal', async () => {
  await testBackend();
  const backend = tf.backend() as unknown as WasmBackendLike;
  const simd = softmaxOn(wasmMemory(backend));
  const rng = createRng(9);
  for (let trial = 0; trial < 12; trial++) {
    const T = 4 * (1 + rng.int(12));
    const scale = 0.1 + rng.next();
    const withMask = trial % 2 === 0;
    const spread = [1, 10, 40][trial % 3]!; // large scores: softmax far from uniform, exp far from 0
    const s = Float32Array.from({ length: T * T }, (_, i) => (i % T > Math.floor(i / T) ? (trial % 4 === 1 ? NaN : 1e30) : spread * rng.normal()));
    const m = Float32Array.from({ length: T * T }, () => (rng.next() < 0.1 ? 0 : 1 / 0.9));
    const g = Float32Array.from({ length: T * T }, () => rng.normal());
    const [ts, tm, tp, tw, tg] = [s, m, new Float32Array(T * T).fill(NaN), new Float32Array(T * T).fill(NaN), g].map((v) => tf.tensor(v));
    const ptr = (t: tf.Tensor) => backend.typedArrayFromHeap(t as unknown as tf.TensorInfo).byteOffset;
    simd.softmaxRows(ptr(ts!), ptr(tp!), ptr(tw!), withMask ? ptr(tm!) : 0, T, scale);
    // the gradient kernel reads only j ≤ i of its input (the product leaves the rest unwritten)
    const gIn = backend.typedArrayFromHeap(tg as unknown as tf.TensorInfo);
    for (let i = 0; i < T * T; i++) if (i % T > Math.floor(i / T) + 3 - ((Math.floor(i / T)) % 4)) gIn[i] = NaN;
    simd.softmaxGradRows(ptr(tp!), ptr(tg!), withMask ? ptr(tm!) : 0, T, scale);
    const want = reference(T, scale, s, withMask ? m : undefined, g);
    const read = (t: tf.Tensor) => backend.typedArrayFromHeap(t as unknown as tf.TensorInfo).slice();
    const label = `T=${T} scale=${scale.toFixed(2)} spread=${spread} mask=${withMask}`;
    close(read(tp!), want.p, `${label} probs`);
    if (withMask) close(read(tw!), want.w, `${label} weights`);
    close(read(tg!), want.ds, `${label} dScores`);
    tf.dispose([ts!, tm!, tp!, tw!, tg!]);
  }
});

test('SIMD mulInto multiplies elementwise', async () => {
  await testBackend();
  const backend = tf.backend() as unknown as WasmBackendLike;
  const simd = softmaxOn(wasmMemory(backend));
  const [a, b, out] = [tf.tensor([1, 2, 3, 4, 5, 6, 7, 8]), tf.tensor([2, 2, 2, 2, 0.5, 0.5, 0.5, 0.5]), tf.zeros([8])];
  const ptr = (t: tf.Tensor) => backend.typedArrayFromHeap(t as unknown as tf.TensorInfo).byteOffset;
  simd.mulInto(ptr(a), ptr(b), ptr(out), 32);
  assert.deepEqual(Array.from(await out.data()), [2, 4, 6, 8, 2.5, 3, 3.5, 4]);
  tf.dispose([a, b, out]);
});

test('SIMD-module transpose swaps rows and columns', async () => {
  await testBackend();
  const backend = tf.backend() as unknown as WasmBackendLike;
  const simd = softmaxOn(wasmMemory(backend));
  const [src, dst] = [tf.tensor(Float32Array.from({ length: 15 }, (_, i) => i), [3, 5]), tf.zeros([5, 3])];
  const ptr = (t: tf.Tensor) => backend.typedArrayFromHeap(t as unknown as tf.TensorInfo).byteOffset;
  simd.transpose(ptr(src), 3, 5, ptr(dst));
  assert.deepEqual(Array.from(await dst.data()), Array.from(await tf.transpose(src).data()));
  tf.dispose([src, dst]);
});
