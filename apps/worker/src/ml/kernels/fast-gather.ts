// The wasm GatherV2 kernel takes ~75 ms for the study's embedding lookup ([65, 128] table, 64×128 tokens: a
// 4 MiB result), a few % of a training step. For the common case, whole rows of a table along axis 0, this
// copies each row with one memmove inside wasm memory (copyWithin), ~1 ms. Other cases go to the stock kernel.
// Registered through the public kernel API; fast-gather.test.ts compares it with the stock kernel.
import { tf } from '../tf.ts';
import { wasmKernelOverride, wasmMemory, type KernelArgs, type KernelFn, type WasmBackendLike } from './override.ts';

let stock: KernelFn;
const override = wasmKernelOverride(tf.GatherV2, (original) => {
  stock = original;
  return fastGather;
});

export const registerFastGather = override.register;
export const unregisterFastGather = override.unregister;

function fastGather(args: KernelArgs): tf.TensorInfo {
  const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
  const { axis, batchDims } = args.attrs as { axis: number; batchDims: number };
  const rowsCase = x.dtype === 'float32' && indices.dtype === 'int32' && (axis === 0 || axis === -x.shape.length) && !batchDims;
  if (!rowsCase || x.shape.length < 1) return stock(args);
  const be = args.backend as WasmBackendLike;
  const rows = x.shape[0]!;
  const ids = be.typedArrayFromHeap(indices) as unknown as ArrayLike<number>; // an Int32Array view for int32
  for (let i = 0; i < ids.length; i++) if (!(ids[i]! >= 0 && ids[i]! < rows)) return stock(args); // stock reports it
  const row = x.shape.slice(1).reduce((p, d) => p * d, 1);
  const out = be.makeOutput([...indices.shape, ...x.shape.slice(1)], 'float32');
  const heap = new Float32Array(wasmMemory(args.backend).buffer);
  const [src, dst] = [be.typedArrayFromHeap(x).byteOffset / 4, be.typedArrayFromHeap(out).byteOffset / 4];
  const idsNow = be.typedArrayFromHeap(indices) as unknown as ArrayLike<number>; // the heap may have grown
  for (let i = 0; i < idsNow.length; i++) heap.copyWithin(dst + i * row, src + idsNow[i]! * row, src + (idsNow[i]! + 1) * row);
  return out;
}
