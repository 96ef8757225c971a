// UnsortedSegmentSum is the gradient of tf.gather, i.e. of every embedding lookup. tfjs-backend-wasm does not
// register it (training fails with "Kernel 'UnsortedSegmentSum' not registered"), and the cpu backend's version
// costs O(segments × elements). This direct O(elements) kernel is registered for both through the public
// kernel-registration API; kernels.test.ts checks it against the reference implementation.
import { tf } from '../tf.ts';

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
