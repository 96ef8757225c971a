import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../tf.ts';
import { createRng } from '../rng.ts';
import { testBackend } from '../test-backend.ts';
import { useRelaxedSimd } from './wasm-features.ts';
import { setGemmPacking } from './simd-gemm.ts';

/** Runs `f` on the wasm backend (with our kernel) and on the cpu backend (the reference), returning both. */
async function onBoth(f: () => tf.Tensor[]): Promise<[Float32Array[], Float32Array[]]> {
  await testBackend();
  const run = () => tf.tidy(f).map((t) => {
    const d = t.dataSync() as Float32Array;
    t.dispose();
    return d;
  });
  const wasm = run();
  await tf.setBackend('cpu');
  const cpu = run();
  await tf.setBackend('wasm');
  return [wasm, cpu];
}

function close(a: Float32Array, b: Float32Array, what: string, tolerance = 1e-4) {
  assert.equal(a.length, b.length, what);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) <= tolerance * (1 + Math.abs(b[i]!)), `${what}[${i}]: ${v} vs ${b[i]}`));
}

test('matMul values and gradients agree with the reference for every transpose and batch case', async () => {
  const rng = createRng(21);
  const rand = (shape: number[]) => tf.tensor(Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => rng.normal()), shape);
  const cases: [number[], number[], boolean, boolean][] = [];
  for (let trial = 0; trial < 12; trial++) {
    const [m, k, n] = [1 + rng.int(17), 1 + rng.int(17), 1 + rng.int(17)];
    const tA = rng.next() < 0.5;
    const tB = rng.next() < 0.5;
    const batch = [[], [3], [2, 2]][trial % 3]!;
    const bBatch = trial % 2 ? batch : []; // a shared right operand, or a batched one
    cases.push([[...batch, ...(tA ? [k, m] : [m, k])], [...bBatch, ...(tB ? [n, k] : [k, n])], tA, tB]);
  }
  for (const [sa, sb, tA, tB] of cases) {
    const [a, b] = [rand(sa), rand(sb)];
    const up = rand(tf.matMul(a, b, tA, tB).shape);
    // tfjs-core's BatchMatMul gradient does not reduce a broadcast batch (on any backend): values only there.
    const broadcast = sa.length !== sb.length;
    const [wasm, cpu] = await onBoth(() => {
      if (broadcast) return [tf.matMul(a, b, tA, tB)];
      const f = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y, tA, tB), up));
      const [ga, gb] = tf.grads(f)([a, b]);
      return [tf.matMul(a, b, tA, tB), ga!, gb!];
    });
    const label = `a[${sa}] b[${sb}] tA=${tA} tB=${tB}`;
    ['value', 'grad a', 'grad b'].slice(0, wasm.length).forEach((what, i) => close(wasm[i]!, cpu[i]!, `${label} ${what}`));
  }
});

for (const [fma, packing] of [[false, 'auto'], [true, 'auto'], [true, 'never'], [true, 'always'], [false, 'always']] as const) {
  test(`dense products on the SIMD path (${fma ? 'fused multiply-add' : 'multiply, then add'}, packing ${packing}: ragged edges, weights read in blocks, transposed operands packed, a transposed A packed a few rows at a time) agree with the reference, values and gradients`, async () => {
    useRelaxedSimd(fma);
    setGemmPacking(packing);
    const rng = createRng(22);
    const rand = (shape: number[]) => tf.tensor(Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => rng.normal()), shape);
    // [m, k, n]: small ragged ones; weights past the block size (k·n·4 > 256 KiB: blocks of k, then of k and n
    // when wide); a·bᵀ with a weight far larger than a; a transposed A of many rows (packed in chunks of rows,
    // the last one ragged), the same beside a B of several column blocks (packed whole per block of k); a B
    // whose rows collide in the cache (packed under 'auto').
    const shapes = [
      ...Array.from({ length: 8 }, () => [1 + rng.int(40), 1 + rng.int(200), 1 + rng.int(70)]),
      [6, 1500, 65], [5, 300, 1100], [9, 40, 2000], [301, 50, 20], [40, 30, 1100], [20, 300, 128],
    ];
    for (const [trial, [m, k, n]] of shapes.entries()) {
      const tA = (trial % 4 >= 2 && trial < 8) || trial === 11 || trial === 12;
      const tB = trial === 9 || trial === 12 || (trial < 8 && trial % 2 === 1);
      const lead = trial % 3 === 0 && !tA ? [2] : [];
      const [a, b] = [rand([...lead, ...(tA ? [k!, m!] : [m!, k!])]), rand(tB ? [n!, k!] : [k!, n!])];
      const up = rand(tf.matMul(a, b, tA, tB).shape);
      const [wasm, cpu] = await onBoth(() => {
        if (lead.length) return [tf.matMul(a, b, tA, tB)];
        const f = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y, tA, tB), up));
        const [ga, gb] = tf.grads(f)([a, b]);
        return [tf.matMul(a, b, tA, tB), ga!, gb!];
      });
      const label = `a[${a.shape}] b[${b.shape}] tA=${tA} tB=${tB}`;
      ['value', 'grad a', 'grad b'].slice(0, wasm.length).forEach((what, i) => close(wasm[i]!, cpu[i]!, `${label} ${what}`, 2e-4));
    }
    useRelaxedSimd(true);
    setGemmPacking('auto');
  });
}

test("batched products with the right operand's own batch (the pruned block's one-query attention) agree with the reference, values and gradients", async () => {
  const rng = createRng(23);
  const rand = (shape: number[]) => tf.tensor(Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => rng.normal()), shape);
  // [B, H, 1, hd]·[B, H, T, hd]ᵀ (scores), [B, H, 1, T]·[B, H, T, hd] (weights·V), and ragged ones.
  const cases: [number[], number[], boolean, boolean][] = [
    [[2, 3, 1, 8], [2, 3, 20, 8], false, true],
    [[2, 3, 1, 20], [2, 3, 20, 8], false, false],
    [[4, 5, 7], [4, 7, 9], false, false],
    [[4, 7, 5], [4, 9, 7], true, true],
    [[3, 6, 5], [3, 6, 11], true, false],
  ];
  for (const [sa, sb, tA, tB] of cases) {
    const [a, b] = [rand(sa), rand(sb)];
    const up = rand(tf.matMul(a, b, tA, tB).shape);
    const [wasm, cpu] = await onBoth(() => {
      const f = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y, tA, tB), up));
      const [ga, gb] = tf.grads(f)([a, b]);
      return [tf.matMul(a, b, tA, tB), ga!, gb!];
    });
    ['value', 'grad a', 'grad b'].forEach((what, i) => close(wasm[i]!, cpu[i]!, `a[${sa}] b[${sb}] tA=${tA} tB=${tB} ${what}`));
  }
});
