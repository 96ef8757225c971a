// Replacing a wasm kernel through tfjs's public registry, reversibly (benchmarks measure stock and ours in one
// process). `wrap` receives the stock kernel so a replacement can hand it the cases it already runs well.
import { tf } from '../tf.ts';
import { isWasmMemory, type WasmMemory } from './wasm-asm.ts';

export type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap };
export type KernelFn = (args: KernelArgs) => tf.TensorInfo;

/** The parts of tfjs-backend-wasm's BackendWasm that our kernels use (it exports no such type). */
export interface WasmBackendLike {
  disposeData(dataId: object): void;
  incRef(dataId: object): void;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  /** A view of the tensor's memory; invalid once the wasm heap grows (any allocation), so fetch it afresh. */
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

export function wasmKernelOverride(kernelName: string, wrap: (stock: KernelFn) => KernelFn) {
  let stock: tf.KernelConfig | undefined;
  return {
    register(): void {
      if (stock) return;
      stock = tf.getKernel(kernelName, 'wasm');
      if (!stock) throw new Error(`the wasm backend has no ${kernelName} kernel to replace`);
      tf.unregisterKernel(kernelName, 'wasm');
      tf.registerKernel({ ...stock, kernelFunc: wrap(stock.kernelFunc as unknown as KernelFn) as unknown as tf.KernelFunc });
    },
    unregister(): void {
      if (!stock) return;
      tf.unregisterKernel(kernelName, 'wasm');
      tf.registerKernel(stock);
      stock = undefined;
    },
  };
}

/** Byte address of a tensor's data in the wasm memory (stable: tensors never move, the heap only grows). */
export const heapAddress = (be: WasmBackendLike, t: tf.TensorInfo): number => be.typedArrayFromHeap(t).byteOffset;

/** A wasm kernel as registered now, to call inside another kernel (where tf ops cannot run). */
export function wasmKernel(name: string): KernelFn {
  return tf.getKernel(name, 'wasm')!.kernelFunc as unknown as KernelFn;
}

export function reshapeKernel(x: tf.TensorInfo, shape: number[], backend: unknown): tf.TensorInfo {
  return wasmKernel(tf.Reshape)({ inputs: { x }, backend, attrs: { shape } });
}

/** tfjs-backend-wasm's memory (its Emscripten module exports it as `asm.memory`), for slmlab's own SIMD code. */
export function wasmMemory(backend: unknown): WasmMemory {
  const memory = (backend as { wasm?: { asm?: { memory?: unknown } } }).wasm?.asm?.memory;
  if (!isWasmMemory(memory)) throw new Error('not a tfjs-backend-wasm backend: no exported memory');
  return memory;
}
