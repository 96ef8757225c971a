// The packing copy against a plain JavaScript copy: row-major and transposed sources, ragged shapes (the SIMD
// transpose's 4×16 blocks and the element-by-element edges), padded destination rows left untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../tf.ts';
import { createRng } from '../rng.ts';
import { testBackend } from '../test-backend.ts';
import { packOn, paddedRow, wasmAllocator } from './simd-pack.ts';
import { wasmMemory, type WasmBackendLike } from './override.ts';

test('packing copies any strided matrix into padded row-major rows, element for element', async () => {
  await testBackend();
  const backend = tf.backend() as unknown as WasmBackendLike;
  const [pack, alloc] = [packOn(wasmMemory(backend)), wasmAllocator(backend)];
  const rng = createRng(11);
  for (let trial = 0; trial < 40; trial++) {
    const shapes: [number, number][] = [[16, 16], [4, 32], [1, 1], [5, 17]];
    const [rows, cols] = trial < shapes.length ? shapes[trial]! : [1 + rng.int(70), 1 + rng.int(70)];
    const transposed = trial % 2 === 1;
    const values = Float32Array.from({ length: rows * cols }, () => rng.normal());
    // The source stored row-major [rows, cols] or as the transpose of a [cols, rows] matrix.
    const stored = transposed ? Float32Array.from({ length: rows * cols }, (_, i) => values[(i % rows) * cols + Math.floor(i / rows)]!) : values;
    const src = tf.tensor(stored);
    const ld = paddedRow(cols);
    const dst = alloc.malloc(4 * rows * ld);
    const heap = () => new Float32Array(wasmMemory(backend).buffer);
    heap().fill(-7, dst / 4, dst / 4 + rows * ld);
    const ptr = backend.typedArrayFromHeap(src).byteOffset;
    pack(transposed ? { ptr, rowStride: 1, colStride: rows } : { ptr, rowStride: cols }, rows, cols, dst, ld);
    const got = heap().subarray(dst / 4, dst / 4 + rows * ld);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < ld; c++) {
        const want = c < cols ? values[r * cols + c]! : -7;
        assert.equal(got[r * ld + c], want, `${transposed ? 'transposed ' : ''}[${rows}×${cols}] at [${r}, ${c}]`);
      }
    }
    alloc.free(dst);
    src.dispose();
  }
});

test('padded rows are whole cache lines, an odd number of them', () => {
  assert.deepEqual([1, 16, 17, 32, 65, 128, 256].map(paddedRow), [16, 16, 48, 48, 80, 144, 272]);
});
