// UnsortedSegmentSum is the gradient of tf.gather, i.e. of every embedding lookup. tfjs-backend-wasm does not
// register it (training fails with "Kernel 'UnsortedSegmentSum' not registered"), and the cpu backend's version
// costs O(segments × elements). This direct O(elements) kernel is registered for both through the public
// kernel-registration API; kernels.test.ts checks it against the reference implementation.
import { tf } from '../tf.ts';
import { encodeModule, forLoop, increment, op, I32, type Code, compileModule, perMemory } from './wasm-asm.ts';
import { heapAddress, wasmMemory, type WasmBackendLike } from './override.ts';

interface ReadableBackend {
  readSync(dataId: object): ArrayLike<number>;
}
interface WasmLike extends ReadableBackend {
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: Float32Array): tf.TensorInfo;
}
interface CpuLike extends ReadableBackend {
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array): tf.TensorInfo;
}

/** out[segmentIds[i], :] += x[i, :] over the leading dimensions that segmentIds covers. */
export function segmentSum(x: ArrayLike<number>, ids: ArrayLike<number>, numSegments: number, rowSize: number): Float32Array {
  const out = new Float32Array(numSegments * rowSize);
  for (let i = 0; i < ids.length; i++) {
    const seg = ids[i]!;
    if (seg < 0 || seg >= numSegments) continue; // TensorFlow drops out-of-range ids
    const src = i * rowSize;
    const dst = seg * rowSize;
    for (let j = 0; j < rowSize; j++) out[dst + j]! += x[src + j]!;
  }
  return out;
}

// On wasm, the same loop in WebAssembly SIMD on the backend's memory (no copies of x out and of the result in):
// ~10× faster for the study's [8192, 128] gradient. Each element still sums its rows in order, in float32: the
// result is bit-identical to the loop above.
const [X, IDS, N, ROWBYTES, OUT, NSEG, I, J, PX, PO] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
function addRowsBody(): Code {
  const { get, set, i32 } = op;
  const addVector = [
    ...get(PO), ...get(J), ...op.add, ...get(PO), ...get(J), ...op.add, ...op.v128Load(), ...get(PX), ...get(J), ...op.add, ...op.v128Load(),
    ...op.f32x4Add, ...op.v128Store(), ...increment(J, i32(16)),
  ];
  const row = [
    // seg = ids[i]; unsigned compare: negative ids are out of range too
    ...get(IDS), ...get(I), ...i32(2), ...op.shl, ...op.add, ...op.i32Load(), ...set(PO),
    ...get(PO), ...get(NSEG), ...op.ltU, ...op.if,
    ...get(OUT), ...get(PO), ...get(ROWBYTES), ...op.mul, ...op.add, ...set(PO), ...i32(0), ...set(J), ...forLoop(J, ROWBYTES, addVector),
    ...op.end,
    ...increment(PX, get(ROWBYTES)), ...increment(I, i32(1)),
  ];
  return [...get(X), ...set(PX), ...i32(0), ...set(I), ...forLoop(I, N, row)];
}
const addRowsOn = perMemory<(...args: number[]) => void>(
  compileModule(encodeModule([{ name: 'addRows', params: new Array(6).fill(I32), locals: [{ count: 4, type: I32 }], body: addRowsBody() }])),
  'addRows',
);

function wasmSegmentSum(be: WasmBackendLike, x: tf.TensorInfo, ids: tf.TensorInfo, numSegments: number, rowShape: number[]): tf.TensorInfo {
  const out = be.makeOutput([numSegments, ...rowShape], 'float32');
  be.typedArrayFromHeap(out).fill(0);
  const rowSize = rowShape.reduce((p, d) => p * d, 1);
  const address = (t: tf.TensorInfo) => heapAddress(be, t);
  addRowsOn(wasmMemory(be))(address(x), address(ids), ids.shape.reduce((p, d) => p * d, 1), rowSize * 4, address(out), numSegments);
  return out;
}

function makeKernel(backendName: 'wasm' | 'cpu'): tf.KernelConfig {
  return {
    kernelName: tf.UnsortedSegmentSum,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
      const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
      const b = backend as unknown as ReadableBackend;
      const rowShape = x.shape.slice(segmentIds.shape.length);
      const rowSize = rowShape.reduce((p, d) => p * d, 1);
      if (backendName === 'wasm' && rowSize % 4 === 0 && x.dtype === 'float32' && segmentIds.dtype === 'int32') {
        return wasmSegmentSum(backend as WasmBackendLike, x, segmentIds, numSegments, rowShape);
      }
      const values = segmentSum(b.readSync(x.dataId), b.readSync(segmentIds.dataId), numSegments, rowSize);
      const shape = [numSegments, ...rowShape];
      return backendName === 'wasm'
        ? (backend as unknown as WasmLike).makeOutput(shape, x.dtype, undefined, values)
        : (backend as unknown as CpuLike).makeTensorInfo(shape, x.dtype, values);
    },
  };
}

/** Registers the kernel for `backendName`, replacing a registered one (the cpu backend ships a slow version). */
export function registerSegmentSum(backendName: 'wasm' | 'cpu'): void {
  if (tf.getKernel(tf.UnsortedSegmentSum, backendName)) tf.unregisterKernel(tf.UnsortedSegmentSum, backendName);
  tf.registerKernel(makeKernel(backendName));
}
